/**
 * `cradle serve`: the engine for real phones plus the window over HTTP, until stopped.
 * Binds 127.0.0.1 by default; any other address requires the access token (printed once).
 */
import { parseArgs } from 'node:util'
import { startHttpServer, DEFAULT_PORT } from '../../http/server.js'
import { startHeadlessEngine } from '../../headless-engine.js'
import { openHeadlessSecrets } from '../../headless-secrets.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'
import { numberOption } from '../numbers.js'

const USAGE = `Usage: cradle serve [--port P] [--host H]

Runs Cradle for the iPhones on this computer's usbmuxd and serves its window at
http://HOST:PORT (default http://127.0.0.1:${DEFAULT_PORT}). Runs until stopped (Ctrl-C, SIGTERM).

Options:
  --port P      port (default ${DEFAULT_PORT}; 0 = any free port)
  --host H      address to bind (default 127.0.0.1). Anything else needs the access
                token: open the printed link once; the window keeps the token.
  --token T     use this access token instead of a generated one (also: CRADLE_TOKEN)

Ready line (stdout): {"event":"ready","url":…,"accessUrl":…}`

async function run(args: string[], ctx: CliContext): Promise<number> {
  let v
  try {
    v = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' }, token: { type: 'string' } } }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const port = numberOption(v.port, '--port', { int: true, max: 65535 }) ?? DEFAULT_PORT
  const token = v.token ?? ctx.env.CRADLE_TOKEN
  const secrets = await openHeadlessSecrets(ctx)
  const engine = await startHeadlessEngine(ctx, secrets)
  try {
    const server = await startHttpServer({ handler: engine, port, ...(v.host ? { host: v.host } : {}), ...(token ? { token } : {}) })
    try {
      ctx.stdout.write(`${JSON.stringify({ event: 'ready', url: server.url, accessUrl: server.accessUrl })}\n`)
      ctx.stderr.write(`Cradle is running: open ${server.accessUrl}\nLibrary: ${engine.current().library.path}\n`)
      await new Promise<void>((resolve) => {
        if (ctx.stopSignal.aborted) return resolve()
        ctx.stopSignal.addEventListener('abort', () => resolve(), { once: true })
      })
    } finally {
      await server.close()
    }
  } finally {
    await engine.stop()
  }
  return 0
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'engine + web UI for real phones (runs until stopped)',
  usage: USAGE,
  dataFolder: 'exclusive',
  run,
}
