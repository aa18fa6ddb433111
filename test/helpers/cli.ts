/**
 * Runs `cradle` as a real child process from source (tsx), for tests that need a separate
 * process (signals, SIGKILL, stdin). Most CLI tests call runCli() in-process instead.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import path from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { runCli } from '../../src/main/headless/cli/main.js'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const CLI_SOURCE = path.join(REPO_ROOT, 'src/main/headless/cli/bin.ts')

/** argv prefix that runs the CLI from source. */
export function cliArgv(args: string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', CLI_SOURCE, ...args]]
}

export function spawnCli(args: string[], options: SpawnOptions = {}): ChildProcess {
  const [cmd, argv] = cliArgv(args)
  return spawn(cmd, argv, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'], ...options })
}

/** Runs the CLI to completion and collects its output. */
export async function runCliProcess(args: string[], options: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(args, options)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  if (options.input !== undefined) child.stdin?.end(options.input)
  else child.stdin?.end()
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

/** Runs runCli() in this process with captured stdio (most CLI tests): the exit status and the output. */
export async function runCliInProcess(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d: Buffer) => (out += d.toString()))
  stderr.on('data', (d: Buffer) => (err += d.toString()))
  const stdin = Readable.from(opts.stdin !== undefined ? [Buffer.from(opts.stdin)] : [])
  const code = await runCli(args, { stdout, stderr, stdin, env: opts.env ?? {} }, new AbortController().signal)
  return { code, stdout: out, stderr: err }
}
