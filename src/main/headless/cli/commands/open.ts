/**
 * `cradle open`: opens the window of the `cradle serve` that runs on a data folder, token included,
 * so nobody has to copy the link from serve's output. Like Jupyter, the browser is given a 0600
 * file in the data folder that forwards to the link, not the link itself: a command line (the
 * browser's, the opener's) is visible to every user of the computer, a file only to its owner.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { OPEN_FILE, readServerFile } from '../../server-file.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'

const USAGE = `Usage: cradle open [--print]

Opens the window of the cradle serve running on this data folder (--data) in a browser,
with its access token, so the window is let in.

Options:
  --print   print the access link instead of opening a browser (e.g. over SSH)

The browser: $BROWSER if set, else the system's (xdg-open, open, start).`

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** A page that forwards to the link at once; the link is also there to click. */
export function forwardingPage(accessUrl: string): string {
  const href = escapeHtml(accessUrl)
  return `<!doctype html>\n<meta charset="utf-8">\n<meta name="referrer" content="no-referrer">\n<meta http-equiv="refresh" content="0;url=${href}">\n<title>Cradle</title>\n<p><a href="${href}">Open Cradle</a></p>\n`
}

function browserCommand(file: string, env: NodeJS.ProcessEnv): [string, string[]] {
  if (env.BROWSER) return [env.BROWSER, [file]]
  if (process.platform === 'darwin') return ['open', [file]]
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""', file]]
  return ['xdg-open', [file]]
}

/** Starts the browser and resolves once it runs (it is left running); rejects when it cannot start. */
function launch(command: string, argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: 'ignore', detached: true })
    child.once('error', (error) => reject(new Error(`could not start ${command} (${(error as NodeJS.ErrnoException).code ?? error.message}); try: cradle open --print`)))
    child.once('spawn', () => {
      child.unref()
      resolve()
    })
  })
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  let v
  try {
    v = parseArgs({ args, options: { print: { type: 'boolean' } } }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const record = readServerFile(ctx.dataDir)
  if (!record) throw new Error(`no cradle serve is running on the data folder ${ctx.dataDir}. Start one with: cradle serve --data ${ctx.dataDir}`)
  if (v.print) {
    ctx.stdout.write(`${record.accessUrl}\n`)
    return 0
  }
  const file = path.join(ctx.dataDir, OPEN_FILE)
  fs.rmSync(file, { force: true })
  fs.writeFileSync(file, forwardingPage(record.accessUrl), { mode: 0o600, flag: 'wx' })
  const [command, argv] = browserCommand(file, ctx.env)
  await launch(command, argv)
  ctx.stderr.write(`Opening ${record.url} in a browser.\n`)
  return 0
}

export const openCommand: CliCommand = {
  name: 'open',
  usage: USAGE,
  run,
}
