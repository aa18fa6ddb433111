/**
 * The built CLI (`bin/cradle.js`) in its own process, for benches that run it as a user does
 * (`cradle serve`, `cradle sim`): started, ready once it prints its JSON "ready" line, stopped
 * with SIGTERM as a service manager would.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const CRADLE_BIN = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), 'bin', 'cradle.js')

/** Resolves with the first stdout line that says "ready", parsed; rejects if the process exits first. */
export function readyLine(child: ChildProcess, what: string): Promise<Record<string, unknown>> {
  let out = ''
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const line = out.split('\n').find((l) => l.includes('"ready"'))
      if (line) resolve(JSON.parse(line) as Record<string, unknown>)
    })
    child.once('exit', (code) => reject(new Error(`${what} exited (${code})`)))
  })
}

/** `cradle <args>`; stdin stays open (a pipe) unless `closeStdin`; `nodeArgs` go to node itself (e.g. --cpu-prof); `bin`: another build's bin/cradle.js. */
export async function startCli(args: string[], env: NodeJS.ProcessEnv, options: { closeStdin?: boolean; nodeArgs?: string[]; bin?: string } = {}): Promise<{ ready: Record<string, unknown>; child: ChildProcess }> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.bin ?? CRADLE_BIN, ...args], { stdio: [options.closeStdin ? 'ignore' : 'pipe', 'pipe', 'inherit'], env })
  return { ready: await readyLine(child, `cradle ${args.join(' ')}`), child }
}

export async function stopCli(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}
