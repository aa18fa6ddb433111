/**
 * `cradle` entry point: global options (--data, --library), dispatch to a subcommand,
 * exit status 0 done / 1 failed (one-line reason on stderr) / 2 usage error.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describeError } from '../../../shared/error-text.js'
import { isCradleError } from '../../../shared/errors.js'
import type { DataFolderLock } from '../../data-folder/data-folder-lock.js'
import { UsageError, type CliCommandEntry, type CliContext, type CliIo } from './command.js'
import { COMMANDS } from './commands/index.js'
import { defaultDataDir, defaultLibraryDir } from './default-paths.js'

function helpText(commands: readonly CliCommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8)
  return [
    'Usage: cradle <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    '  --data DIR      catalog and settings (default: the OS app-data folder)',
    '  --library DIR   photo library (default: ~/Pictures/Cradle)',
    '  -h, --help      show help',
    '',
    'The mux: USBMUXD_SOCKET_ADDRESS (UNIX:/path or HOST:PORT), else the OS default socket.',
    '',
    'One Cradle per data folder: serve, backup, destination, verify and the desktop app lock --data;',
    'a second one on the same folder exits 1 naming the one that runs. status reads beside it.',
  ].join('\n')
}

/** Pulls --data/--library out of argv wherever they appear; the rest goes to the subcommand. */
function splitGlobalOptions(argv: string[]): { data?: string; library?: string; rest: string[] } {
  const rest: string[] = []
  let data: string | undefined
  let library: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const eq = arg.indexOf('=')
    const name = eq > 0 ? arg.slice(0, eq) : arg
    if (name === '--data' || name === '--library') {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i]
      if (value === undefined || value === '') throw new UsageError(`${name} needs a folder`)
      if (name === '--data') data = value
      else library = value
    } else {
      rest.push(arg)
    }
  }
  return { data, library, rest }
}

export async function runCli(argv: string[], io: CliIo, stopSignal: AbortSignal, commands: readonly CliCommandEntry[] = COMMANDS): Promise<number> {
  let parsed: ReturnType<typeof splitGlobalOptions>
  try {
    parsed = splitGlobalOptions(argv)
  } catch (error) {
    io.stderr.write(`cradle: ${(error as Error).message}\n`)
    return 2
  }
  const [name, ...args] = parsed.rest
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    ;(name === undefined ? io.stderr : io.stdout).write(`${helpText(commands)}\n`)
    return name === undefined ? 2 : 0
  }
  const entry = commands.find((c) => c.name === name)
  if (!entry) {
    io.stderr.write(`cradle: unknown command "${name}"\n\n${helpText(commands)}\n`)
    return 2
  }
  const command = await entry.load()
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${command.usage}\n`)
    return 0
  }
  const ctx: CliContext = {
    ...io,
    dataDir: path.resolve(parsed.data ?? defaultDataDir(io.env)),
    libraryDir: path.resolve(parsed.library ?? defaultLibraryDir()),
    dataDirExplicit: parsed.data !== undefined,
    libraryDirExplicit: parsed.library !== undefined,
    stopSignal,
  }
  let lock: DataFolderLock | undefined
  try {
    // First, before anything reads or writes --data: one Cradle per data folder.
    if (command.dataFolder === 'exclusive' || (command.dataFolder === 'exclusive-if-exists' && fs.existsSync(ctx.dataDir))) {
      const { lockDataFolder } = await import('../../data-folder/data-folder-lock.js')
      ctx.dataFolderLock = lock = lockDataFolder(ctx.dataDir, `cradle ${name}`)
    }
    return await command.run(args, ctx)
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`cradle ${name}: ${error.message}\n\n${command.usage}\n`)
      return 2
    }
    if (isCradleError(error)) {
      const text = describeError(error.code, error.context, process.platform === 'linux' || process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'other')
      io.stderr.write(`cradle ${name}: ${text.title}${text.action ? `. ${text.action}` : ''}\n`)
      return 1
    }
    io.stderr.write(`cradle ${name}: ${(error as Error)?.message ?? String(error)}\n`)
    return 1
  } finally {
    lock?.release()
  }
}

/**
 * CRADLE_TLS_EMULATE=boringssl runs the device layer's TLS under BoringSSL's rules (Electron's
 * TLS library) on this Node build — for tests of the CLI; read here only, at the process entry.
 */
async function applyTlsEmulation(env: NodeJS.ProcessEnv): Promise<void> {
  const mode = env.CRADLE_TLS_EMULATE
  if (mode === undefined || mode === '') return
  if (mode !== 'boringssl') throw new UsageError(`CRADLE_TLS_EMULATE must be "boringssl" (got "${mode}")`)
  const { emulateBoringSsl, setDefaultTlsRuntime } = await import('../../device/index.js')
  setDefaultTlsRuntime(emulateBoringSsl())
}

/** Runs the CLI as a process: wires stdio and signals, sets the exit code. */
export async function main(): Promise<void> {
  try {
    await applyTlsEmulation(process.env)
  } catch (error) {
    process.stderr.write(`cradle: ${(error as Error).message}\n`)
    process.exitCode = 2
    return
  }
  const stop = new AbortController()
  let signals = 0
  const onSignal = (): void => {
    signals++
    if (signals > 1) process.exit(130)
    stop.abort(new Error('stopped by signal'))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }
  process.exitCode = await runCli(process.argv.slice(2), io, stop.signal)
}
