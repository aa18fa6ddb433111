/**
 * The backup engine's speed and memory against the virtual iPhone (issue 5, "Speed and memory").
 *   npx tsx bench/engine.bench.ts [--parts throughput,cpu,rss,recheck] [--passes 2] [--items 24]
 *                                  [--rss-gb 5] [--recheck-items 50000] [--recheck-latency-ms 0.5]
 * The simulator runs in a child process (this file with --sim-child), as usbmuxd and the phone
 * would: its CPU and memory are not counted in this process's figures.
 * 1. throughput: end-to-end import (runBackup: scan, AFC pull, SHA-256 + SHA-1, staging write,
 *    fsync, capture date, link, catalog commit — three files at a time, as the engine runs it) vs
 *    pull-only (the same files with AfcClient.download into a null sink, as many at a time, on the
 *    same link), over the simulator's USB 2 link model (USB2_LINK: 40 MB/s, 1 ms latency, 64 KiB
 *    burst, 128 KiB window, 0.1 ms service per AFC request), then unshaped. Target: ≥ 85 %.
 * 1b. cpu: user+sys CPU of an unshaped import without SHA-1 (no destination needs it) and with it,
 *    against pull-only + `openssl dgst -sha256` of as many bytes (goal ≤ 2.0×).
 * 2. rss: peak RSS of this process while the engine imports ~5 GB (sparse padding). Target ≤ 250 MB.
 * 3. recheck: a no-op re-check (nothing new) of a 50,000-item phone over the USB 2 link model with
 *    0.5 ms latency, scan + plan, after a first full scan whose files are planted as imported. Target ≤ 1 s.
 * Benchmarks measure; they do not pass or fail. On a shared machine the figures are noisy.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import Database from 'better-sqlite3'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { defaultSettings } from '../src/shared/settings.js'
import { connectDevice, MuxClient, type AfcClient, type DeviceSession } from '../src/main/device/index.js'
import { IMPORT_CONCURRENCY, runBackup } from '../src/main/engine/backup-run.js'
import { scanCameraRoll } from '../src/main/engine/camera-roll-scan.js'
import { afcPhoneFiles } from '../src/main/engine/device-adapter.js'
import { stopHashWorker } from '../src/main/library/content-hasher.js'
import { CATALOG_FILE, Library, type LibraryOptions } from '../src/main/library/library.js'
import { saveSettings } from '../src/main/library/settings-store.js'
import { uploadsSchema } from '../src/main/destinations/queue/uploads-schema.js'
import { historySchema } from '../src/main/engine/history.js'
import { configureLogging, createLogger } from '../src/main/logging/logger.js'
import type { CameraRollOptions } from '../src/sim/roll/generator.js'
import { USB2_LINK, type LinkFaults } from '../src/sim/link/device-link.js'
import { startSimulator } from '../src/sim/simulator.js'

const SELF = fileURLToPath(import.meta.url)
const MB = 1e6

interface ChildOptions {
  workDir: string
  photos: CameraRollOptions
  faults?: LinkFaults
}

interface Ready {
  address: string
  udid: string
  files: number
  totalBytes: number
  generateMs: number
}

// ── the simulator child ─────────────────────────────────────────────────────

async function simChild(o: ChildOptions): Promise<void> {
  const t0 = performance.now()
  const sim = await startSimulator({
    workDir: o.workDir,
    socket: `UNIX:${path.join(o.workDir, 'mux.sock')}`,
    devices: [{ photos: o.photos, battery: { level: 90, charging: true, externalPower: true }, ...(o.faults ? { faults: o.faults } : {}) }],
  })
  const phone = sim.devices[0]!
  const roll = sim.roll(phone.udid)!
  const ready: Ready = { address: sim.address, udid: phone.udid, files: roll.files.length, totalBytes: roll.totalBytes, generateMs: performance.now() - t0 }
  process.stdout.write(`${JSON.stringify(ready)}\n`)
  for await (const line of createInterface({ input: process.stdin })) {
    const msg = JSON.parse(line) as { faults?: LinkFaults }
    if (msg.faults) phone.setFaults(msg.faults)
    process.stdout.write('{"ok":true}\n')
  }
  await sim.close()
}

class SimChild {
  private replies: ((line: string) => void)[] = []

  private constructor(
    private readonly child: ChildProcess,
    readonly ready: Ready,
    lines: AsyncIterableIterator<string>,
  ) {
    void (async () => {
      for await (const line of lines) this.replies.shift()?.(line)
    })()
  }

  static async start(o: ChildOptions): Promise<SimChild> {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--sim-child', JSON.stringify(o)], { stdio: ['pipe', 'pipe', 'inherit'] })
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
    const first = await lines.next()
    if (first.done) throw new Error('the simulator child exited before it was ready')
    return new SimChild(child, JSON.parse(first.value) as Ready, lines)
  }

  setFaults(faults: LinkFaults): Promise<void> {
    return new Promise((resolve) => {
      this.replies.push(() => resolve())
      this.child.stdin!.write(`${JSON.stringify({ faults })}\n`)
    })
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r))
    this.child.stdin!.end()
    await exited
  }
}

// ── helpers ─────────────────────────────────────────────────────────────────

const log = createLogger('bench/engine')
const mbps = (bytes: number, ms: number): number => bytes / MB / (ms / 1000)
const fmt = (n: number, digits = 1): string => n.toFixed(digits)

async function open(ready: Ready): Promise<{ session: DeviceSession; afc: AfcClient }> {
  const session = await connectDevice(new MuxClient({ address: ready.address }), ready.udid)
  return { session, afc: await session.openAfc() }
}

function tempLibrary(opts: LibraryOptions = {}): { lib: Library; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-engine-bench-'))
  const lib = Library.open(path.join(dir, 'data'), defaultSettings(path.join(dir, 'Library')), opts)
  lib.prepare()
  return {
    lib,
    remove() {
      lib.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Every /DCIM file (dot-names skipped), as the engine's scan sees them. */
async function listRoll(afc: AfcClient): Promise<{ path: string; size: number }[]> {
  const out: { path: string; size: number }[] = []
  for (const folder of (await afc.listDir('/DCIM')).filter((n) => !n.startsWith('.'))) {
    const paths = (await afc.listDir(`/DCIM/${folder}`)).filter((n) => !n.startsWith('.')).map((n) => `/DCIM/${folder}/${n}`)
    const stats = await afc.statMany(paths)
    stats.forEach((s, i) => s?.type === 'file' && out.push({ path: paths[i]!, size: s.size }))
  }
  return out
}

/** Pull-only: every file into a null sink, `concurrency` at a time on one AFC connection. */
async function pullOnly(ready: Ready, concurrency: number): Promise<{ bytes: number; ms: number }> {
  const { session, afc } = await open(ready)
  try {
    const t0 = performance.now()
    const files = await listRoll(afc)
    const queue = [...files]
    let bytes = 0
    const nullSink = (): Writable => new Writable({ write: (chunk: Buffer, _e, cb) => ((bytes += chunk.length), cb()), writev: (chunks, cb) => (chunks.forEach((c) => (bytes += (c.chunk as Buffer).length)), cb()) })
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let f = queue.shift(); f; f = queue.shift()) await afc.download(f.path, nullSink(), { size: f.size })
      }),
    )
    return { bytes, ms: performance.now() - t0 }
  } finally {
    afc.close()
    await session.close()
  }
}

/** End to end: the engine's backup run into a fresh library. */
/**
 * `cpuMs`: user+sys of this process (its threads included) from the run's start to its end, so
 * neither opening the device nor removing the temporary library afterwards counts as importing.
 */
async function importRun(ready: Ready, onSample?: () => void, libOpts: LibraryOptions = {}): Promise<{ bytes: number; ms: number; imported: number; cpuMs: number }> {
  const { session, afc } = await open(ready)
  const { lib, remove } = tempLibrary(libOpts)
  try {
    const connection = lib.beginConnection({ udid: ready.udid, name: 'bench' })
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    const counts = await runBackup(
      {
        udid: ready.udid,
        connection,
        files: afcPhoneFiles(afc),
        library: lib,
        now: Date.now,
        log,
        onAssets: () => undefined,
        onProgress: () => onSample?.(),
        onScanned: () => undefined,
      },
      new AbortController().signal,
    )
    const ms = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    if (counts.failed > 0) throw new Error(`${counts.failed} files failed`)
    return { bytes: counts.bytes, ms, imported: counts.imported, cpuMs: (cpu.user + cpu.system) / 1000 }
  } finally {
    afc.close()
    await session.close()
    remove()
  }
}

async function pair(ready: Ready): Promise<void> {
  const { session, afc } = await open(ready)
  afc.close()
  await session.close()
}

// ── 1. throughput ───────────────────────────────────────────────────────────

async function throughput(items: number, passes: number): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-engine-bench-sim-'))
  const sim = await SimChild.start({ workDir: work, photos: { count: items, seed: 3, photoBytes: 4_000_000, videoBytes: 30_000_000, padding: 'random' } })
  try {
    await pair(sim.ready)
    console.log(`roll: ${sim.ready.files} files, ${fmt(sim.ready.totalBytes / MB)} MB (random padding); ${passes} passes each, best shown`)
    const unshaped: LinkFaults = { latencyMs: 0, bandwidthMBps: 0, burstBytes: 0, windowBytes: 0, serviceMs: 0 }
    for (const shape of [{ label: 'USB 2 link model', faults: { ...USB2_LINK } }, { label: 'unshaped', faults: unshaped }]) {
      await sim.setFaults(shape.faults)
      let pullN = 0
      let pull1 = 0
      let imp = 0
      for (let p = 0; p < passes; p++) {
        const a = await pullOnly(sim.ready, IMPORT_CONCURRENCY)
        pullN = Math.max(pullN, mbps(a.bytes, a.ms))
        const b = await importRun(sim.ready)
        imp = Math.max(imp, mbps(b.bytes, b.ms))
        const c = await pullOnly(sim.ready, 1)
        pull1 = Math.max(pull1, mbps(c.bytes, c.ms))
      }
      // The reference is the faster way to pull, so the ratio is not flattered by a slow pull.
      const pull = Math.max(pullN, pull1)
      console.log(
        `  ${shape.label.padEnd(22)} pull-only ${fmt(pull).padStart(6)} MB/s (${IMPORT_CONCURRENCY} files at a time ${fmt(pullN)}, one at a time ${fmt(pull1)})   import ${fmt(imp).padStart(6)} MB/s   ratio ${fmt((imp / pull) * 100, 0)} % (target ≥ 85 %)`,
      )
    }
  } finally {
    await sim.close()
    fs.rmSync(work, { recursive: true, force: true })
  }
}

// ── 1b. CPU ─────────────────────────────────────────────────────────────────

/** user+sys ms of this process (all its threads, the hash worker included) while `f` runs. */
async function cpuOf<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const before = process.cpuUsage()
  const value = await f()
  const d = process.cpuUsage(before)
  return { ms: (d.user + d.system) / 1000, value }
}

/** user+sys ms of a shell command (bash's `time`), for the C reference. */
function commandCpuMs(command: string): number {
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; { time ${command} >/dev/null; } 2>&1`], { encoding: 'utf8' })
  const [u, sy] = r.stdout.trim().split(/\s+/).slice(-2).map(Number)
  return (u! + sy!) * 1000
}

/**
 * CPU of an unshaped import with and without SHA-1 (no destination needs it / Immich configured),
 * against pull-only plus `openssl dgst -sha256` of a file as large (the least any client that pulls
 * and hashes must spend). The simulator's CPU is in its own process and not counted.
 */
async function cpu(items: number, passes: number): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-engine-bench-sim-'))
  const sim = await SimChild.start({ workDir: work, photos: { count: items, seed: 3, photoBytes: 4_000_000, videoBytes: 30_000_000, padding: 'random' } })
  const blob = path.join(work, 'reference.bin')
  try {
    await pair(sim.ready)
    const unshaped: LinkFaults = { latencyMs: 0, bandwidthMBps: 0, burstBytes: 0, windowBytes: 0, serviceMs: 0 }
    await sim.setFaults(unshaped)
    // SHA-256 costs the same whatever the bytes: a file as large as the roll, written once.
    const fd = fs.openSync(blob, 'w')
    const block = Buffer.alloc(16e6, 7)
    for (let left = sim.ready.totalBytes; left > 0; left -= block.length) fs.writeSync(fd, block, 0, Math.min(block.length, left))
    fs.closeSync(fd)
    const best = { pull: Infinity, dgst: Infinity, sha256: Infinity, both: Infinity }
    let bytes = 0
    for (let p = 0; p < passes; p++) {
      best.pull = Math.min(best.pull, (await cpuOf(() => pullOnly(sim.ready, IMPORT_CONCURRENCY))).ms)
      best.dgst = Math.min(best.dgst, commandCpuMs(`openssl dgst -sha256 '${blob}'`))
      // Alternated, so neither variant always runs first after the pull.
      for (const sha1 of p % 2 === 0 ? [false, true] : [true, false]) {
        const run = await cpuOf(() => importRun(sim.ready, undefined, { needsSha1: () => sha1 }))
        if (sha1) best.both = Math.min(best.both, run.value.cpuMs)
        else best.sha256 = Math.min(best.sha256, run.value.cpuMs)
        bytes = run.value.bytes
      }
    }
    const ref = best.pull + best.dgst
    console.log(`  ${fmt(bytes / MB)} MB, unshaped, best of ${passes}; CPU = user + sys of the importing process`)
    console.log(`  reference: pull-only ${fmt(best.pull, 0)} ms + openssl dgst -sha256 ${fmt(best.dgst, 0)} ms = ${fmt(ref, 0)} ms`)
    console.log(`  import, no destination needs SHA-1: ${fmt(best.sha256, 0)} ms = ${fmt(best.sha256 / ref, 2)}× the reference (goal ≤ 2.0×)`)
    console.log(`  import, SHA-1 too (Immich/WebDAV configured): ${fmt(best.both, 0)} ms = ${fmt(best.both / ref, 2)}×`)
  } finally {
    await sim.close()
    fs.rmSync(work, { recursive: true, force: true })
  }
}

// ── 2. peak RSS ─────────────────────────────────────────────────────────────

function vmHwmBytes(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))
    return m ? Number(m[1]) * 1024 : null
  } catch {
    return null
  }
}

async function peakRss(gb: number): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-engine-bench-sim-'))
  // About 44 MB per item with these sizes (photos 20 MB, videos 200 MB, Live videos 50 MB).
  const count = Math.max(1, Math.round((gb * 1e9) / 44e6))
  const sim = await SimChild.start({ workDir: work, photos: { count, seed: 4, photoBytes: 20_000_000, videoBytes: 200_000_000, padding: 'sparse' } })
  try {
    await pair(sim.ready)
    globalThis.gc?.()
    const baseline = process.memoryUsage().rss
    let peak = baseline
    const sample = (): void => void (peak = Math.max(peak, process.memoryUsage().rss))
    const timer = setInterval(sample, 20)
    const r = await importRun(sim.ready, sample)
    clearInterval(timer)
    const hwm = vmHwmBytes()
    console.log(`imported ${r.imported} files, ${fmt(r.bytes / 1e9, 2)} GB (sparse source) at ${fmt(mbps(r.bytes, r.ms))} MB/s`)
    console.log(`  RSS before ${fmt(baseline / MB, 0)} MB, peak while importing ${fmt(peak / MB, 0)} MB (sampled every 20 ms)${hwm ? `, VmHWM ${fmt(hwm / MB, 0)} MB` : ''} (target ≤ 250 MB)`)
  } finally {
    await sim.close()
    fs.rmSync(work, { recursive: true, force: true })
  }
}

// ── 3. no-op re-check ───────────────────────────────────────────────────────

async function recheck(items: number, latencyMs: number): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-engine-bench-sim-'))
  const sim = await SimChild.start({ workDir: work, photos: { count: items, seed: 5 }, faults: { ...USB2_LINK, latencyMs } })
  const { lib, remove } = tempLibrary()
  try {
    console.log(`phone: ${items} items, ${sim.ready.files} files (generated in ${fmt(sim.ready.generateMs / 1000)} s), USB 2 link model with ${latencyMs} ms latency`)
    const signal = new AbortController().signal
    const t0 = performance.now()
    const { session, afc } = await open(sim.ready)
    const tOpen = performance.now() - t0
    try {
      const files = afcPhoneFiles(afc)
      // First connection: everything is listed and stat'ed; then the rows are planted as imported
      // (importing 90,000 files would only make the bench slow; the re-check reads states, not files).
      let t = performance.now()
      const first = await scanCameraRoll(files, sim.ready.udid, lib, signal)
      const plan = lib.planScan(sim.ready.udid, first.folders, lib.beginConnection({ udid: sim.ready.udid, name: 'bench' }))
      console.log(`  first scan: ${first.folders.length} folders, ${first.statted} files stat'ed + plan in ${fmt((performance.now() - t) / 1000, 2)} s (to import: ${plan.toImport.length})`)
      lib.db.prepare("UPDATE device_files SET state = 'done'").run()

      const runs: number[] = []
      let statted = -1
      for (let i = 0; i < 5; i++) {
        t = performance.now()
        const scan = await scanCameraRoll(files, sim.ready.udid, lib, signal)
        const p = lib.planScan(sim.ready.udid, scan.folders, lib.beginConnection({ udid: sim.ready.udid, name: 'bench' }))
        runs.push(performance.now() - t)
        statted = scan.statted
        if (p.toImport.length !== 0 || p.itemsSafe !== sim.ready.files - 1) throw new Error(`re-check planned ${p.toImport.length} imports, ${p.itemsSafe} safe`)
      }
      runs.sort((a, b) => a - b)
      console.log(`  no-op re-check (scan + plan): median ${fmt(runs[2]!, 0)} ms, best ${fmt(runs[0]!, 0)} ms, files stat'ed ${statted} (target ≤ 1000 ms)`)

      t = performance.now()
      const counts = await runBackup({ udid: sim.ready.udid, connection: lib.beginConnection({ udid: sim.ready.udid, name: 'bench' }), files, library: lib, now: Date.now, log, onAssets: () => undefined, onProgress: () => undefined, onScanned: () => undefined }, signal)
      console.log(`  whole no-op backup run (scan, plan, counts): ${fmt(performance.now() - t, 0)} ms, alreadyHad ${counts.alreadyHad}; connecting first (mux, lockdown TLS, AFC) took ${fmt(tOpen, 0)} ms`)

      // Lock-step vs pipelined folder listings (the part of the re-check that talks to the phone).
      const folders = (await afc.listDir('/DCIM')).filter((n) => !n.startsWith('.')).map((n) => `/DCIM/${n}`)
      t = performance.now()
      await Promise.all(folders.map((f) => afc.listDir(f)))
      const piped = performance.now() - t
      t = performance.now()
      for (const f of folders) await afc.listDir(f)
      const lock = performance.now() - t
      console.log(`  listing ${folders.length} folders: pipelined ${fmt(piped, 0)} ms, lock-step ${fmt(lock, 0)} ms`)
    } finally {
      afc.close()
      await session.close()
    }
  } finally {
    remove()
    await sim.close()
    fs.rmSync(work, { recursive: true, force: true })
  }
}

// ── 3b. the whole `cradle backup --once` with nothing new ───────────────────

const BIN = path.resolve(path.dirname(SELF), '..', 'bin', 'cradle.js')
/** BENCH_BEFORE_BIN: another build's bin/cradle.js, run interleaved with this one (before/after in one run). */
const BEFORE_BIN = process.env.BENCH_BEFORE_BIN

const GNU_TIME = '/usr/bin/time'

/**
 * Wall time, and the command's CPU (user + sys, by GNU time when the system has it): on a shared
 * machine the wall time follows the load, the CPU time much less.
 */
function timeCommand(args: string[], env: NodeJS.ProcessEnv): { ms: number; cpuMs: number | null; status: number | null; stderr: string } {
  const cpuFile = fs.existsSync(GNU_TIME) ? path.join(os.tmpdir(), `cradle-bench-cpu-${process.pid}`) : null
  const t = performance.now()
  const r = cpuFile
    ? spawnSync(GNU_TIME, ['-o', cpuFile, '-f', '%U %S', process.execPath, ...args], { env, encoding: 'utf8' })
    : spawnSync(process.execPath, args, { env, encoding: 'utf8' })
  const ms = performance.now() - t
  let cpuMs: number | null = null
  if (cpuFile) {
    const [u, sy] = fs.readFileSync(cpuFile, 'utf8').trim().split('\n').pop()!.split(/\s+/).map(Number)
    fs.rmSync(cpuFile, { force: true })
    cpuMs = (u! + sy!) * 1000
  }
  return { ms, cpuMs, status: r.status, stderr: r.stderr }
}

/**
 * The built CLI, as a user runs it, against the simulator in its own process: a phone of `items`
 * items whose every file the catalog already has (planted after a first scan, as in part 3), then
 * one new photo in one folder. Reference in the same run: `cradle --help` (Node start + the CLI's
 * own start-up) and `node -e 0`.
 */
async function recheckCli(items: number, latencyMs: number, runs: number): Promise<void> {
  if (!fs.existsSync(BIN) || !fs.existsSync(path.resolve(path.dirname(BIN), '..', 'dist'))) throw new Error('build first: npm run build')
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-engine-bench-sim-'))
  const sim = await SimChild.start({ workDir: work, photos: { count: items, seed: 5 }, faults: { ...USB2_LINK, latencyMs } })
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-engine-bench-cli-'))
  const dataDir = path.join(dir, 'data')
  const settings = defaultSettings(path.join(dir, 'Library'))
  try {
    console.log(`phone: ${items} items, ${sim.ready.files} files, USB 2 link model with ${latencyMs} ms latency; cradle backup --once (built CLI, ${runs} runs)`)
    saveSettings(dataDir, settings)
    const lib = Library.open(dataDir, settings, { extraModules: [uploadsSchema, historySchema] })
    lib.prepare()
    const { session, afc } = await open(sim.ready)
    try {
      // The first scan (every folder listed, every file stat'ed, all recorded), timed in this process.
      const t0 = performance.now()
      const first = await scanCameraRoll(afcPhoneFiles(afc), sim.ready.udid, lib, new AbortController().signal)
      lib.planScan(sim.ready.udid, first.folders, lib.beginConnection({ udid: sim.ready.udid, name: 'bench' }))
      console.log(`  first scan (list, stat ${first.statted} files, plan; in the bench process): ${fmt(performance.now() - t0, 0)} ms`)
      lib.db.prepare("UPDATE device_files SET state = 'done'").run()
    } finally {
      afc.close()
      await session.close()
      lib.close()
    }
    const env = { ...process.env, USBMUXD_SOCKET_ADDRESS: sim.ready.address }
    const backup = [BIN, '--data', dataDir, 'backup', '--once']
    // The build before runs on its own copy of the catalog, so each build's runs find the catalog as
    // only it left it. A build of an older schema cannot open a newer catalog: BENCH_BEFORE_SQL
    // takes the copy back (e.g. drops the index a newer migration added and sets its version).
    const beforeDir = path.join(dir, 'data-before')
    if (BEFORE_BIN) {
      fs.cpSync(dataDir, beforeDir, { recursive: true })
      if (process.env.BENCH_BEFORE_SQL) {
        const db = new Database(path.join(beforeDir, CATALOG_FILE))
        db.exec(process.env.BENCH_BEFORE_SQL)
        db.close()
      }
    }
    const before = BEFORE_BIN ? [BEFORE_BIN, '--data', beforeDir, 'backup', '--once'] : null
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    type Times = { ms: number[]; cpu: number[] }
    const times = (): Times => ({ ms: [], cpu: [] })
    const run = (args: string[], into?: Times): ReturnType<typeof timeCommand> => {
      const r = timeCommand(args, env)
      if (r.status !== 0) throw new Error(`backup --once exited ${r.status}: ${r.stderr.slice(0, 500)}`)
      into?.ms.push(r.ms)
      if (r.cpuMs !== null) into?.cpu.push(r.cpuMs)
      return r
    }
    const say = (x: Times): string => `median ${fmt(median(x.ms), 0)} ms, best ${fmt(Math.min(...x.ms), 0)} ms${x.cpu.length ? `; CPU (user+sys) median ${fmt(median(x.cpu), 0)} ms` : ''}`
    const warm = run(backup).ms
    if (before) run(before)
    const t = { node: times(), help: times(), backup: times(), before: times() }
    const load: number[] = []
    for (let i = 0; i < runs; i++) {
      load.push(os.loadavg()[0]!)
      const n = timeCommand(['-e', '0'], env)
      t.node.ms.push(n.ms)
      if (n.cpuMs !== null) t.node.cpu.push(n.cpuMs)
      const h = timeCommand([BIN, '--help'], env)
      t.help.ms.push(h.ms)
      if (h.cpuMs !== null) t.help.cpu.push(h.cpuMs)
      run(backup, t.backup)
      if (before) run(before, t.before)
    }
    console.log(`  load average (1 min) ${load.map((l) => fmt(l)).join(', ')}`)
    console.log(`  node -e 0: ${say(t.node)} (reference)`)
    console.log(`  cradle --help: ${say(t.help)} (reference)`)
    console.log(`  no-op backup --once: ${say(t.backup)} (goal ≤ 1000 ms; first run ${fmt(warm, 0)} ms)`)
    if (before) console.log(`  same, BENCH_BEFORE_BIN (interleaved): ${say(t.before)}`)
    // One new photo in one folder: that folder is listed and its files stat'ed again, one file imported.
    const dcim = path.join(work, sim.ready.udid, 'DCIM')
    const folders = fs.readdirSync(dcim).filter((n) => !n.startsWith('.')).sort()
    const addPhoto = (folder: string, n: number): string => {
      const model = fs.readdirSync(path.join(dcim, folder)).find((f) => f.endsWith('.JPG') || f.endsWith('.HEIC'))!
      const added = `${folder}/IMG_NEW${n}${path.extname(model)}`
      fs.copyFileSync(path.join(dcim, folder, model), path.join(dcim, added))
      fs.appendFileSync(path.join(dcim, added), `new ${n}`) // other bytes: a new asset, not a duplicate
      return added
    }
    const added = addPhoto(folders[0]!, 1)
    const one = run(backup)
    console.log(`  one new photo (${added}): backup --once ${fmt(one.ms, 0)} ms, CPU ${one.cpuMs === null ? '?' : fmt(one.cpuMs, 0)} ms (load ${fmt(os.loadavg()[0]!)})`)
    if (before) {
      const added2 = addPhoto(folders[1] ?? folders[0]!, 2)
      const two = run(before)
      console.log(`  same, BENCH_BEFORE_BIN (${added2}): ${fmt(two.ms, 0)} ms, CPU ${two.cpuMs === null ? '?' : fmt(two.cpuMs, 0)} ms`)
    }
    if (process.env.BENCH_CPU_PROF) {
      const profDir = path.resolve(process.env.BENCH_CPU_PROF)
      timeCommand(['--cpu-prof', '--cpu-prof-dir', profDir, ...backup], env)
      console.log(`  profile written under ${profDir}`)
    }
  } finally {
    await sim.close()
    fs.rmSync(work, { recursive: true, force: true })
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

// ── main ────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'sim-child': { type: 'string' },
      'rss-child': { type: 'boolean', default: false },
      parts: { type: 'string', default: 'throughput,cpu,rss,recheck' },
      passes: { type: 'string', default: '2' },
      items: { type: 'string', default: '24' },
      'rss-gb': { type: 'string', default: '5' },
      'recheck-items': { type: 'string', default: '50000' },
      'recheck-latency-ms': { type: 'string', default: '0.5' },
    },
  })
  if (values['sim-child']) return simChild(JSON.parse(values['sim-child']) as ChildOptions)
  configureLogging({ level: 'silent' })
  if (values['rss-child']) {
    await peakRss(Number(values['rss-gb']))
    return stopHashWorker()
  }
  const parts = new Set(values.parts.split(','))
  console.log(`engine bench on ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; temp folder ${os.tmpdir()}`)
  if (parts.has('throughput')) {
    console.log('\n1. end-to-end import vs pull-only')
    await throughput(Number(values.items), Number(values.passes))
  }
  if (parts.has('cpu')) {
    console.log('\n1b. CPU of an import (this process; the simulator is another)')
    await cpu(Number(values.items), Number(values.passes))
  }
  if (parts.has('rss')) {
    console.log(`\n2. peak RSS importing ~${values['rss-gb']} GB (in a fresh process, so earlier parts do not count)`)
    spawnSync(process.execPath, ['--import', 'tsx', SELF, '--rss-child', '--rss-gb', values['rss-gb']], { stdio: 'inherit' })
  }
  if (parts.has('recheck-cli')) {
    console.log(`\n3b. the whole cradle backup --once, nothing new, ${values['recheck-items']}-item phone`)
    await recheckCli(Number(values['recheck-items']), Number(values['recheck-latency-ms']), Number(values.passes) + 3)
  }
  if (parts.has('recheck')) {
    console.log(`\n3. no-op re-check of a ${values['recheck-items']}-item phone`)
    await recheck(Number(values['recheck-items']), Number(values['recheck-latency-ms']))
  }
  await stopHashWorker()
}

await main()
