/**
 * `cradle service install|uninstall|status`: runs `cradle serve` under systemd, so a home server
 * backs up the phone plugged in at night without a terminal left open.
 */
import fs from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { installService, processSystemctl, serviceStatus, uninstallService, ServiceError } from '../../service/service-manager.js'
import { renderUnit, type UnitFacts } from '../../service/systemd-unit.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'

const USAGE = `Usage: cradle service install [--user] [--run-as USER] [--print] [-- SERVE-OPTIONS]
       cradle service uninstall [--user]
       cradle service status [--user]

Runs \`cradle serve\` as a systemd service: started after boot, restarted if it fails, logging to
the journal (journalctl -u cradle), with the --data and --library given here.

  install     writes cradle.service, then systemctl daemon-reload and enable --now
  uninstall   systemctl disable --now, removes the unit
  status      whether it is installed, enabled and running

Options:
  --user          a user service (~/.config/systemd/user; no sudo). To start it at boot without
                  logging in: sudo loginctl enable-linger $USER
  --run-as USER   the account a system service runs as (default: the user who ran sudo)
  --print         print the unit instead of installing it (to install it by hand)
  -- OPTIONS      passed to cradle serve (e.g. -- --host 0.0.0.0 --token-file /path/token)

A system service (the default) needs sudo and an explicit --data and --library, so it never
uses root's folders by accident:
  sudo cradle --data /home/ann/.local/share/cradle --library /home/ann/Pictures/Cradle service install
The window: cradle open --data <the same folder> (the journal leaves the access link out).`

/** Cradle's own bin/cradle.js, from this module (dist/… or src/…, both five levels below the root). */
function cradleBin(): string {
  return fileURLToPath(new URL('../../../../../bin/cradle.js', import.meta.url))
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  const dashes = args.indexOf('--')
  const own = dashes < 0 ? args : args.slice(0, dashes)
  const serveArgs = dashes < 0 ? [] : args.slice(dashes + 1)
  let parsed
  try {
    parsed = parseArgs({ args: own, allowPositionals: true, options: { user: { type: 'boolean' }, 'run-as': { type: 'string' }, print: { type: 'boolean' } } })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const [action, ...extra] = parsed.positionals
  if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(' ')}`)
  const user = parsed.values.user === true
  const systemctl = processSystemctl(ctx.env.CRADLE_SYSTEMCTL || 'systemctl')
  try {
    switch (action) {
      case 'install': {
        if (serveArgs.some((a) => a === '--data' || a === '--library' || a.startsWith('--data=') || a.startsWith('--library='))) {
          throw new UsageError('give --data and --library before "service", not after --')
        }
        if (!user && (!ctx.dataDirExplicit || !ctx.libraryDirExplicit)) {
          throw new UsageError('a system service needs --data and --library (the folders of the account it runs as); or use --user')
        }
        const runAs = parsed.values['run-as'] ?? ctx.env.SUDO_USER ?? os.userInfo().username
        const facts: UnitFacts = {
          nodePath: process.execPath, cradlePath: cradleBin(), dataDir: ctx.dataDir, libraryDir: ctx.libraryDir, user, serveArgs,
          ...(user ? {} : { runAs }),
        }
        if (parsed.values.print) {
          ctx.stdout.write(renderUnit(facts))
          return 0
        }
        if (!fs.existsSync(facts.cradlePath)) throw new ServiceError(`cannot find Cradle's bin/cradle.js at ${facts.cradlePath}`)
        const r = await installService(facts, ctx.env, systemctl)
        const sc = user ? 'systemctl --user' : 'systemctl'
        const jc = user ? 'journalctl --user -u cradle' : 'journalctl -u cradle'
        ctx.stdout.write(`${r.replaced ? 'Updated' : 'Installed'} ${r.unitPath} and started it${user ? '' : ` as ${runAs}`}.\n`)
        ctx.stdout.write(`Status: ${sc} status cradle · Log: ${jc} · Window: cradle open --data ${ctx.dataDir}\n`)
        if (user) ctx.stdout.write(`To run it at boot without logging in: sudo loginctl enable-linger ${os.userInfo().username}\n`)
        return 0
      }
      case 'uninstall': {
        const removed = await uninstallService(user, ctx.env, systemctl)
        ctx.stdout.write(removed ? 'Stopped and removed the Cradle service.\n' : 'No Cradle service is installed here.\n')
        return 0
      }
      case 'status': {
        const s = await serviceStatus(user, ctx.env, systemctl)
        if (!s.installed) {
          ctx.stdout.write(`Not installed (no ${s.unitPath}).\n`)
          return 1
        }
        ctx.stdout.write(`Installed: ${s.unitPath}\nEnabled: ${s.enabled}\nRunning: ${s.active}\n`)
        return s.active === 'active' ? 0 : 1
      }
      default:
        throw new UsageError(action === undefined ? 'say install, uninstall or status' : `unknown action "${action}"`)
    }
  } catch (error) {
    if (error instanceof ServiceError) {
      ctx.stderr.write(`cradle service: ${error.message}\n`)
      return 1
    }
    throw error
  }
}

export const serviceCommand: CliCommand = { name: 'service', usage: USAGE, run }
