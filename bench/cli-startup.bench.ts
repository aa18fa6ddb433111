/**
 * How long a `cradle` command takes to start and answer, against the floor every Node program pays:
 * `node -e 0`. Both are measured in this run, interleaved (one of each per round) so a busy
 * machine slows both alike; the figure is the median wall time over the rounds and the ratio to
 * the reference. Issue 16's goal: `--help`, `status --json` and `devices --json` within 3× the
 * reference. Runs the built CLI (bin/cradle.js → dist), as a user's shell does.
 *
 * `devices --json` talks to a mux; it is pointed at a socket path with nothing behind it, so it
 * measures start-up and the "no usbmuxd" answer, not a phone.
 * `cradle serve` (the headless engine, web server and window) is timed to its `ready` line on a
 * fresh data folder and library, then from SIGTERM to its exit; no phone is plugged in.
 */
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const root = path.resolve(import.meta.dirname, '..')
const bin = path.join(root, 'bin', 'cradle.js')
if (!fs.existsSync(path.join(root, 'dist', 'main', 'headless', 'cli', 'bin.js'))) {
  console.error('build first: npm run build')
  process.exit(1)
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-cli-bench-'))
const data = path.join(dir, 'data')
const env = { ...process.env, USBMUXD_SOCKET_ADDRESS: `UNIX:${path.join(dir, 'no-usbmuxd.sock')}` }

const cases: { name: string; args: string[] }[] = [
  { name: 'node -e 0 (reference)', args: ['-e', '0'] },
  { name: 'cradle --help', args: [bin, '--help'] },
  { name: 'cradle status --json', args: [bin, '--data', data, 'status', '--json'] },
  { name: 'cradle devices --json', args: [bin, 'devices', '--json'] },
]

function timeOnce(args: string[]): number {
  const t = process.hrtime.bigint()
  spawnSync(process.execPath, args, { env, stdio: 'ignore' })
  return Number(process.hrtime.bigint() - t) / 1e6
}

/** Milliseconds from spawn to serve's `ready` line, and from SIGTERM to its exit. */
async function serveOnce(round: number): Promise<{ ready: number; stop: number }> {
  const where = path.join(dir, `serve-${round}`)
  const t = process.hrtime.bigint()
  const child = spawn(process.execPath, [bin, '--data', path.join(where, 'data'), '--library', path.join(where, 'library'), 'serve', '--port', '0'], { env: { ...env, CRADLE_LOG: 'silent' }, stdio: ['ignore', 'pipe', 'ignore'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('"event":"ready"')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`serve exited (${code}) before it was ready`)))
  })
  const ready = Number(process.hrtime.bigint() - t) / 1e6
  const s = process.hrtime.bigint()
  child.kill('SIGTERM')
  await exited
  return { ready, stop: Number(process.hrtime.bigint() - s) / 1e6 }
}

const samples = new Map([...cases.map((c) => c.name), 'cradle serve → ready', 'cradle serve, SIGTERM → exit'].map((name) => [name, [] as number[]]))
for (const c of cases) timeOnce(c.args) // warm the file cache
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) samples.get(c.name)!.push(timeOnce(c.args))
  const serve = await serveOnce(round)
  samples.get('cradle serve → ready')!.push(serve.ready)
  samples.get('cradle serve, SIGTERM → exit')!.push(serve.stop)
}
fs.rmSync(dir, { recursive: true, force: true })

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const reference = median(samples.get(cases[0]!.name)!)
console.log(`load average ${os.loadavg()[0]!.toFixed(1)}, ${ROUNDS} rounds, median wall time`)
for (const [name, times] of samples) {
  const m = median(times)
  console.log(`${name.padEnd(30)} ${m.toFixed(0).padStart(5)} ms  ${(m / reference).toFixed(2)}× node -e 0`)
}
