/**
 * A whole `cradle backup --once` over the simulator's USB 2 link model against libimobiledevice's
 * own C AFC client pulling the same files on the same link, in the same run (issue 16, "the
 * USB-like link"). The simulator (`cradle sim --usb2`: 40 MB/s, 1 ms, 64 KiB burst, 128 KiB
 * window per connection, 0.1 ms per AFC request) runs in its own process; both clients are
 * separate processes too, so every figure is a whole command as a user runs it.
 *
 *   npm run build && npx tsx bench/link.bench.ts [--mb 400] [--rounds 2] [--cpu-prof] [--unshaped] [--before DIR]
 * --cpu-prof: the last round's backup runs under `node --cpu-prof` and the bench prints where its
 * main thread spent the time (idle = waiting on the link, the disk or the hash worker).
 * --unshaped: the issue's second row instead: `cradle sim --latency-ms 1` (1 ms per reply, no
 * bandwidth cap, the simulator's default window), with the library, the catalog and the C pull's
 * files on tmpfs (--tmpfs DIR, default /dev/shm; the bench checks it has room), so what is
 * measured is the clients, not the disk. The goal there is ≥ 1.0× the C bare pull's speed.
 * --before DIR: also runs the `cradle backup --once` of another built checkout (e.g. a detached
 * worktree of the commit before a change), interleaved in every round, for a before/after.
 *
 * Per round, interleaved so a busy machine slows all alike:
 *   - C pull, bare: bench/afc-pull.c (lock-step, 1 MiB reads, as afcclient) into nothing
 *   - C pull to files: the same, written to a folder (no fsync)
 *   - cradle backup --once: a fresh library and catalog (paired beforehand), so every file is new:
 *     scan, pull, SHA-256, fsync, capture date, catalog commit
 * Needs a C compiler and libimobiledevice6 (Debian: libimobiledevice-utils). MB = 10^6 bytes.
 */
import { spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { startSimProcess } from './sim-process.js'

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '400' }, rounds: { type: 'string', default: '2' }, 'cpu-prof': { type: 'boolean', default: false },
    unshaped: { type: 'boolean', default: false }, tmpfs: { type: 'string', default: '/dev/shm' }, before: { type: 'string' },
  },
})
const UNSHAPED = values.unshaped
const TOTAL_MB = Number(values.mb)
const ROUNDS = Number(values.rounds)
const MB = 1e6
const LINK_MBPS = 40
const root = path.resolve(import.meta.dirname, '..')
const bin = path.join(root, 'bin', 'cradle.js')
const beforeBin = values.before ? path.join(path.resolve(values.before), 'bin', 'cradle.js') : undefined
for (const dir of [root, ...(values.before ? [path.resolve(values.before)] : [])]) {
  if (!existsSync(path.join(dir, 'dist', 'main', 'headless', 'cli', 'bin.js'))) {
    console.error(`build first: npm run build (in ${dir})`)
    process.exit(1)
  }
}

/** A camera roll of random (so never deduplicated) files: 3 MB photos and, every tenth, a 20 MB video. */
function makeRoll(dcim: string): { files: number; bytes: number } {
  let files = 0
  let bytes = 0
  for (let i = 1; bytes < TOTAL_MB * MB; i++) {
    const folder = path.join(dcim, `${100 + Math.floor((i - 1) / 100)}APPLE`)
    mkdirSync(folder, { recursive: true })
    const video = i % 10 === 0
    const size = (video ? 20 : 3) * MB
    writeFileSync(path.join(folder, `IMG_${String(i).padStart(4, '0')}.${video ? 'MOV' : 'JPG'}`), randomBytes(size))
    files++
    bytes += size
  }
  return { files, bytes }
}

/** CPU time (user + system, s) a process has used so far, from /proc (Linux). */
function procCpu(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

function startSim(dcim: string): Promise<{ address: string; child: ChildProcess }> {
  return startSimProcess([bin, 'sim', '--dcim', dcim, ...(UNSHAPED ? ['--latency-ms', '1'] : ['--usb2']), '--charging', '--external-power'])
}

/** Where the libraries, catalogs and the C pull's files go: tmpfs when unshaped (after a room check). */
function outputRoot(work: string, bytes: number): string {
  if (!UNSHAPED) return work
  const fast = mkdtempSync(path.join(values.tmpfs, 'cradle-link-bench-'))
  const s = statfsSync(fast)
  // One library (kept until its round ends) and one C copy at a time, plus staging and catalogs.
  const need = 2.2 * bytes
  if (s.bavail * s.bsize < need) {
    rmSync(fast, { recursive: true, force: true })
    throw new Error(`${values.tmpfs} has ${((s.bavail * s.bsize) / MB).toFixed(0)} MB free, the unshaped run needs ${(need / MB).toFixed(0)} MB (--tmpfs DIR, --mb N)`)
  }
  return fast
}

interface Timed {
  secs: number
  cpu: number
  stdout: string
}

/** Runs a command to its end under /usr/bin/time (its user + system CPU, children included). */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Timed {
  const t = performance.now()
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const secs = (performance.now() - t) / 1000
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr)
  return { secs, cpu: m ? Number(m[1]) + Number(m[2]) : Number.NaN, stdout: r.stdout }
}

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

/** The main thread's self time per function from a .cpuprofile, largest first. */
function summariseProfile(file: string, top = 12): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)!
    const dt = profile.timeDeltas[i] ?? 0
    total += dt
    const url = n.callFrame.url.replace(/^.*\/(dist|node_modules)\//, '$1/')
    const key = `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim()
    self.set(key, (self.get(key) ?? 0) + dt)
  })
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / 1e6).toFixed(2).padStart(6)} s  ${k}`)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'cradle-link-bench-'))
  const dcim = path.join(work, 'DCIM')
  const roll = makeRoll(dcim)
  const out = outputRoot(work, roll.bytes)
  const client = path.join(work, 'afc-pull')
  const cc = spawnSync('cc', ['-O2', '-o', client, path.join(root, 'bench', 'afc-pull.c'), '-l:libimobiledevice-1.0.so.6'], { encoding: 'utf8' })
  if (cc.status !== 0) throw new Error(`cannot build the C client: ${cc.stderr}`)
  const { address, child: sim } = await startSim(dcim)
  const env = { ...process.env, USBMUXD_SOCKET_ADDRESS: address, CRADLE_LOG: 'silent' }
  const mb = (roll.bytes / MB).toFixed(0)
  const link = UNSHAPED ? `unshaped link (1 ms per reply, no bandwidth cap), library and catalog on ${values.tmpfs}` : `USB 2 link model (${LINK_MBPS} MB/s, 1 ms, 0.1 ms per request)`
  console.log(`link bench — ${roll.files} files, ${mb} MB, ${link}; node ${process.version}, ${os.cpus().length} CPUs, load avg ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`)
  const ofLink = (rate: number): string => (UNSHAPED ? '' : ` = ${((rate / LINK_MBPS) * 100).toFixed(0).padStart(3)} % of the link`)
  const BARE = 'C pull, bare (discard)'
  const CRADLE = 'cradle backup --once'
  const BEFORE = 'cradle backup (before)'
  try {
    // Pair both once, outside the timings (Cradle keeps the record where usbmuxd keeps it); the C run also brings the files into the page cache.
    const template = path.join(out, 'paired-data')
    timed(process.execPath, [bin, '--data', template, '--library', path.join(out, 'unused'), 'pair'], env)
    timed(client, ['-'], env)
    const rows: Record<string, { secs: number[]; cpu: number[] }> = { [BARE]: { secs: [], cpu: [] }, 'C pull to files': { secs: [], cpu: [] }, [CRADLE]: { secs: [], cpu: [] } }
    if (beforeBin) rows[BEFORE] = { secs: [], cpu: [] }
    const add = (name: string, t: Timed, simCpu: number, check: () => void): void => {
      check()
      rows[name]!.secs.push(t.secs)
      rows[name]!.cpu.push(t.cpu)
      const rate = roll.bytes / MB / t.secs
      console.log(`  ${name.padEnd(24)} ${t.secs.toFixed(2).padStart(7)} s  ${rate.toFixed(1).padStart(6)} MB/s${ofLink(rate)}  [CPU ${t.cpu.toFixed(2)} s, simulator ${simCpu.toFixed(2)} s; load ${os.loadavg()[0]!.toFixed(1)}]`)
    }
    const backup = (name: string, cradleBin: string, r: number): void => {
      const data = path.join(out, `data-${r}`)
      const library = path.join(out, `library-${r}`)
      if (existsSync(template)) cpSync(template, data, { recursive: true }) // the pair record may live in the mux alone
      const s0 = procCpu(sim.pid)
      const prof = values['cpu-prof'] && r === ROUNDS ? path.join(work, `prof-${name === CRADLE ? 'after' : 'before'}`) : undefined
      const t = timed(process.execPath, [...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), cradleBin, '--data', data, '--library', library, 'backup', '--once', '--json', '--no-upload'], env)
      add(name, t, procCpu(sim.pid) - s0, () => {
        const summary = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as { imported: number; bytes: number }
        if (summary.imported !== roll.files) throw new Error(`backup imported ${summary.imported} of ${roll.files}`)
      })
      if (prof) {
        const main = readdirSync(prof).filter((f) => f.endsWith('.cpuprofile')).sort()[0]!
        console.log(`  ${name}, main thread, self time (${main}):`)
        for (const line of summariseProfile(path.join(prof, main))) console.log(`    ${line}`)
      }
      rmSync(library, { recursive: true })
      rmSync(data, { recursive: true })
    }
    for (let r = 1; r <= ROUNDS; r++) {
      console.log(`round ${r}:`)
      let s0 = procCpu(sim.pid)
      const bare = timed(client, ['-'], env)
      add(BARE, bare, procCpu(sim.pid) - s0, () => {
        if ((JSON.parse(bare.stdout) as { bytes: number }).bytes !== roll.bytes) throw new Error('the C client pulled a different number of bytes')
      })
      const copies = path.join(out, `c-out-${r}`)
      mkdirSync(copies)
      s0 = procCpu(sim.pid)
      add('C pull to files', timed(client, [copies], env), procCpu(sim.pid) - s0, () => undefined)
      rmSync(copies, { recursive: true })
      // Alternate which build goes first, so neither always follows the C runs.
      const order: [string, string][] = [[CRADLE, bin], ...(beforeBin ? [[BEFORE, beforeBin] as [string, string]] : [])]
      for (const [name, cradleBin] of r % 2 === 0 ? order.reverse() : order) backup(name, cradleBin, r)
    }
    console.log(`median of ${ROUNDS}:`)
    for (const [name, r] of Object.entries(rows)) {
      const secs = median(r.secs)
      const rate = roll.bytes / MB / secs
      console.log(`  ${name.padEnd(24)} ${secs.toFixed(2).padStart(7)} s  ${rate.toFixed(1).padStart(6)} MB/s${ofLink(rate)}  CPU ${median(r.cpu).toFixed(2)} s`)
    }
    for (const name of [CRADLE, ...(beforeBin ? [BEFORE] : [])]) {
      const speed = median(rows[BARE]!.secs) / median(rows[name]!.secs)
      console.log(UNSHAPED
        ? `${name}: ${speed.toFixed(2)}× the C bare pull's speed (goal ≥ 1.00×)`
        : `${name} takes ${(1 / speed).toFixed(2)}× the C bare pull's time (goal ≤ 1.00×, ≥ 95 % of the link)`)
    }
  } finally {
    const exited = new Promise((r) => sim.once('exit', r))
    sim.kill('SIGTERM')
    await exited
    rmSync(work, { recursive: true, force: true })
    if (out !== work) rmSync(out, { recursive: true, force: true })
  }
}

await main()
