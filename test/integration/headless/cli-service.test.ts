/**
 * `cradle service`: the unit it writes passes `systemd-analyze verify` (Debian's systemd package;
 * the check parses the unit as systemd would and needs no running systemd), and install /
 * status / uninstall drive systemctl in the right order. systemd itself cannot run as PID 1 on the
 * test machine, so systemctl is a recording stand-in script (CRADLE_SYSTEMCTL) that answers as
 * systemctl does; the unit file and its directory are real.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runCliInProcess } from '../../helpers/cli.js'
import { renderUnit } from '../../../src/main/headless/service/systemd-unit.js'

let dir: string
let unitDir: string
let calls: string
let env: NodeJS.ProcessEnv

beforeAll(() => {
  const found = spawnSync('systemd-analyze', ['--version'])
  if (found.error) throw new Error('systemd-analyze is missing: install Debian\'s systemd package (scripts/install-system-deps.sh does)')
})

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-service-'))
  unitDir = path.join(dir, 'units')
  calls = path.join(dir, 'calls.txt')
  // Answers like systemctl: is-enabled / is-active print a word; everything else succeeds silently.
  const stub = path.join(dir, 'systemctl')
  fs.writeFileSync(stub, `#!/bin/sh
echo "$*" >> "${calls}"
case "$*" in
  *is-enabled*) echo enabled ;;
  *is-active*) echo active ;;
  *fail-me*) echo "Failed to enable unit" >&2; exit 1 ;;
esac
`, { mode: 0o755 })
  env = { CRADLE_SYSTEMCTL: stub, CRADLE_SYSTEMD_UNIT_DIR: unitDir }
})

function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(args, { env: { ...env, ...extraEnv } })
}

/** `systemd-analyze verify` output: empty for a unit systemd accepts as written (it warns, exit 0, on unknown keys). */
function verify(unitPath: string, user: boolean): string {
  const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-xdg-'))
  const r = spawnSync('systemd-analyze', [...(user ? ['--user'] : []), 'verify', unitPath], { env: { ...process.env, XDG_RUNTIME_DIR: runtime }, encoding: 'utf8' })
  fs.rmSync(runtime, { recursive: true, force: true })
  return `${r.stdout}${r.stderr}`.trim() + (r.status === 0 ? '' : `\n(exit ${r.status})`)
}

describe('cradle service', () => {
  it('the units it renders pass systemd-analyze verify, and the check does catch a broken unit', () => {
    const facts = { nodePath: process.execPath, cradlePath: path.resolve('bin/cradle.js'), dataDir: path.join(dir, 'my data'), libraryDir: path.join(dir, 'Pictures 100%') }
    fs.mkdirSync(path.join(dir, 'system'))
    fs.mkdirSync(path.join(dir, 'user'))
    const system = path.join(dir, 'system', 'cradle.service')
    const user = path.join(dir, 'user', 'cradle.service')
    fs.writeFileSync(system, renderUnit({ ...facts, user: false, runAs: os.userInfo().username, serveArgs: ['--host', '0.0.0.0'] }))
    fs.writeFileSync(user, renderUnit({ ...facts, user: true }))
    expect(verify(system, false)).toBe('')
    expect(verify(user, true)).toBe('')
    fs.writeFileSync(system, fs.readFileSync(system, 'utf8').replace('Restart=on-failure', 'Restart=sometimes'))
    expect(verify(system, false)).toMatch(/restart/i)
  })

  it('install writes the unit, reloads, enables and starts it; status reads it; uninstall stops and removes it', async () => {
    const data = path.join(dir, 'data')
    const library = path.join(dir, 'library')
    const installed = await cli(['--data', data, '--library', library, 'service', 'install', '--run-as', 'ann', '--', '--port', '8123'])
    expect(installed).toMatchObject({ code: 0, stderr: '' })
    expect(installed.stdout).toContain(`Installed ${path.join(unitDir, 'cradle.service')} and started it as ann.`)
    const unit = fs.readFileSync(path.join(unitDir, 'cradle.service'), 'utf8')
    expect(unit).toContain(`ExecStart=${process.execPath} ${path.resolve('bin/cradle.js')} --data ${data} --library ${library} serve --port 8123\n`)
    expect(unit).toContain('User=ann\n')
    expect(verify(path.join(unitDir, 'cradle.service'), false)).toBe('')
    expect(fs.readFileSync(calls, 'utf8').trim().split('\n')).toEqual(['daemon-reload', 'enable --now cradle.service'])

    expect(await cli(['service', 'status'])).toMatchObject({ code: 0, stdout: expect.stringContaining('Running: active') })

    fs.writeFileSync(calls, '')
    expect(await cli(['service', 'uninstall'])).toMatchObject({ code: 0, stdout: 'Stopped and removed the Cradle service.\n' })
    expect(fs.existsSync(path.join(unitDir, 'cradle.service'))).toBe(false)
    expect(fs.readFileSync(calls, 'utf8').trim().split('\n')).toEqual(['disable --now cradle.service', 'daemon-reload'])
    expect(await cli(['service', 'status'])).toMatchObject({ code: 1, stdout: expect.stringContaining('Not installed') })
  })

  it('a user service: systemctl --user and the linger hint', async () => {
    const r = await cli(['service', 'install', '--user'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('loginctl enable-linger')
    expect(fs.readFileSync(calls, 'utf8').trim().split('\n')).toEqual(['--user daemon-reload', '--user enable --now cradle.service'])
    expect(verify(path.join(unitDir, 'cradle.service'), true)).toBe('')
  })

  it('a system service without explicit folders is refused (it would use root\'s), and a failing systemctl is an error with its words', async () => {
    const refused = await cli(['service', 'install'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('a system service needs --data and --library')
    expect(fs.existsSync(calls)).toBe(false)

    const failing = path.join(dir, 'fail-me')
    fs.writeFileSync(failing, `#!/bin/sh\necho "$*" >> "${calls}"\necho "Failed to connect to bus: No such file or directory" >&2\nexit 1\n`, { mode: 0o755 })
    const r = await cli(['--data', path.join(dir, 'd'), '--library', path.join(dir, 'l'), 'service', 'install'], { CRADLE_SYSTEMCTL: failing })
    expect(r.code).toBe(1)
    expect(r.stderr).toBe('cradle service: systemctl daemon-reload failed (exit 1): Failed to connect to bus: No such file or directory\n')
  })

  it('--print writes the unit to stdout and installs nothing', async () => {
    const r = await cli(['--data', '/srv/cradle', '--library', '/srv/photos', 'service', 'install', '--print', '--run-as', 'ann'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('ExecStart=')
    expect(r.stdout).toContain('--data /srv/cradle --library /srv/photos serve')
    expect(fs.existsSync(unitDir)).toBe(false)
    expect(execFileSync('ls', [dir]).toString().trim()).toBe('systemctl')
  })
})
