/**
 * `cradle sim` in its own process for the benches, so the simulator's CPU is not the client's:
 * started from a command line (the built bin or the TypeScript source), ready once it prints its
 * "ready" line with the usbmuxd socket.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readyLine } from './cli-process.js'

export async function startSimProcess(argv: readonly string[], cwd?: string): Promise<{ address: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...argv], { ...(cwd ? { cwd } : {}), stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, CRADLE_LOG: 'silent' } })
  const address = String((await readyLine(child, 'cradle sim')).socket)
  return { address, child }
}
