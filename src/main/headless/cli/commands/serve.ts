/**
 * `cradle serve`: the engine for real phones plus the window over HTTP, until stopped.
 * Binds 127.0.0.1 by default. Every API request needs the access token, loopback included: the
 * link with it is printed once, kept for `cradle open` in a 0600 file in the data folder while
 * serve runs, and remembered by the window.
 */
import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { startHttpServer, DEFAULT_PORT } from '../../http/server.js'
import { tokenProblem } from '../../http/security.js'
import { startHeadlessEngine } from '../../headless-engine.js'
import { openHeadlessSecrets } from '../../headless-secrets.js'
import { writeServerFile } from '../../server-file.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'
import { numberOption } from '../numbers.js'

const USAGE = `Usage: cradle serve [--port P] [--host H] [--token-file FILE] [--allow-host NAME]…

Runs Cradle for the iPhones on this computer's usbmuxd and serves its window at
http://HOST:PORT (default http://127.0.0.1:${DEFAULT_PORT}). Runs until stopped (Ctrl-C, SIGTERM).

Every request to the API needs the access token, on this computer too. Open the printed
link once (it ends in #token=…) and the window keeps it; or run \`cradle open\` with the same
--data to open the window of the running serve.

Options:
  --port P            port (default ${DEFAULT_PORT}; 0 = any free port)
  --host H            address to bind (default 127.0.0.1)
  --token-file FILE   use the access token in FILE (its first line) instead of a generated
                      one; at least 128 bits (e.g. openssl rand -hex 16). Also: CRADLE_TOKEN.
  --allow-host NAME   also answer to the host name NAME (repeatable): the name a reverse proxy
                      passes on in Host, e.g. photos.example.com. Requests under any other name
                      are refused (421) against DNS rebinding.

Ready line (stdout): {"event":"ready","url":…,"accessUrl":…}`

const TOKEN_IN_ARGV = '--token is not accepted: a token on the command line is visible to every user of this computer (ps). Put it in a file only you can read and pass --token-file FILE, or set CRADLE_TOKEN'

/** The token the user chose (--token-file, else CRADLE_TOKEN), or undefined for a generated one. */
function chosenToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  let token: string | undefined
  let source: string
  if (tokenFile !== undefined) {
    source = `the token in ${tokenFile}`
    try {
      token = fs.readFileSync(tokenFile, 'utf8').split(/\r?\n/)[0]!.trim()
    } catch (error) {
      throw new UsageError(`--token-file: cannot read ${tokenFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
    }
  } else {
    source = 'CRADLE_TOKEN'
    token = env.CRADLE_TOKEN
    if (token === undefined || token === '') return undefined
  }
  const problem = tokenProblem(token)
  if (problem !== null) throw new UsageError(`${source} ${problem}`)
  return token
}

/** Host names from --allow-host: a plain DNS name each (no port, scheme or path). */
function allowedHostNames(names: readonly string[]): string[] {
  for (const n of names) {
    if (!/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(n)) {
      throw new UsageError(`--allow-host needs a host name like photos.example.com (no scheme, port or path), not "${n}"`)
    }
  }
  return names.map((n) => n.toLowerCase())
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  if (args.some((a) => a === '--token' || a.startsWith('--token='))) throw new UsageError(TOKEN_IN_ARGV)
  let v
  try {
    v = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' }, 'token-file': { type: 'string' }, 'allow-host': { type: 'string', multiple: true } } }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const port = numberOption(v.port, '--port', { int: true, max: 65535 }) ?? DEFAULT_PORT
  const token = chosenToken(v['token-file'], ctx.env)
  const secrets = await openHeadlessSecrets(ctx)
  const engine = await startHeadlessEngine(ctx, secrets)
  try {
    const server = await startHttpServer({ handler: engine, port, ...(v.host ? { host: v.host } : {}), ...(token ? { token } : {}), allowedHosts: allowedHostNames(v['allow-host'] ?? []) })
    let removeServerFile = (): void => undefined
    try {
      removeServerFile = writeServerFile(ctx.dataDir, { pid: process.pid, url: server.url, accessUrl: server.accessUrl })
      if (ctx.env.JOURNAL_STREAM) {
        // Under systemd the output goes to the journal, which other accounts (group adm) may read:
        // no token there. `cradle open` reads the link from the 0600 server file instead.
        ctx.stdout.write(`${JSON.stringify({ event: 'ready', url: server.url })}\n`)
        ctx.stderr.write(`Cradle is running at ${server.url}; open its window with: cradle open --data ${ctx.dataDir}\nLibrary: ${engine.current().library.path}\n`)
      } else {
        ctx.stdout.write(`${JSON.stringify({ event: 'ready', url: server.url, accessUrl: server.accessUrl })}\n`)
        ctx.stderr.write(`Cradle is running: open ${server.accessUrl}\n(later, to open it again: cradle open --data ${ctx.dataDir})\nLibrary: ${engine.current().library.path}\n`)
      }
      await new Promise<void>((resolve) => {
        if (ctx.stopSignal.aborted) return resolve()
        ctx.stopSignal.addEventListener('abort', () => resolve(), { once: true })
      })
    } finally {
      removeServerFile()
      await server.close()
    }
  } finally {
    await engine.stop()
  }
  return 0
}

export const serveCommand: CliCommand = {
  name: 'serve',
  usage: USAGE,
  dataFolder: 'exclusive',
  run,
}
