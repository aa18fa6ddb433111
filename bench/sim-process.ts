/**
 * `cradle sim` in its own process for the benches, so the simulator's CPU is not the client's:
 * started from a command line (the built bin or the TypeScript source), ready once it prints its
 * "ready" line with the usbmuxd socket.
 */
import { spawn, type ChildProcess } from 'node:child_process'

export async function startSimProcess(argv: readonly string[], cwd?: string): Promise<{ address: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...argv], { ...(cwd ? { cwd } : {}), stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, CRADLE_LOG: 'silent' } })
  let out = ''
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const line = out.split('\n').find((l) => l.includes('"ready"'))
      if (line) resolve((JSON.parse(line) as { socket: string }).socket)
    })
    child.once('exit', (code) => reject(new Error(`cradle sim exited (${code})`)))
  })
  return { address, child }
}
