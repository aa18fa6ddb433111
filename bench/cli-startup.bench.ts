/**
 * How long a `cradle` command takes to start and answer, against the floor every Node program pays:
 * `node -e 0`. Both are measured in this run, interleaved (one of each per round) so a busy
 * machine slows both alike; the figure is the median wall time over the rounds and the ratio to
 * the reference. Issue 16's goal: `--help`, `status --json` and `devices --json` within 3× the
 * reference. Runs the built CLI (bin/cradle.js → dist), as a user's shell does.
 *
 * `devices --json` talks to a mux; it is pointed at a socket path with nothing behind it, so it
 * measures start-up and the "no usbmuxd" answer, not a phone.
 */
import { spawnSync } from 'node:child_process'
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

const samples = new Map(cases.map((c) => [c.name, [] as number[]]))
for (const c of cases) timeOnce(c.args) // warm the file cache
for (let round = 0; round < ROUNDS; round++) for (const c of cases) samples.get(c.name)!.push(timeOnce(c.args))
fs.rmSync(dir, { recursive: true, force: true })

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const reference = median(samples.get(cases[0]!.name)!)
console.log(`load average ${os.loadavg()[0]!.toFixed(1)}, ${ROUNDS} rounds, median wall time`)
for (const c of cases) {
  const m = median(samples.get(c.name)!)
  console.log(`${c.name.padEnd(24)} ${m.toFixed(0).padStart(5)} ms  ${(m / reference).toFixed(2)}× node -e 0`)
}
