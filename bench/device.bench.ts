/**
 * Device client speed against the virtual iPhone, which runs as a separate process (`cradle sim`)
 * so the figures and the RSS are the client's alone.
 *   npx tsx bench/device.bench.ts [--pull-mb 1500] [--shaped-mb 400] [--walk-files 50000] [--skip-lockstep]
 * 1. Pull over the simulator's USB 2 link model (`cradle sim --usb2`: 40 MB/s cap, 1 ms latency,
 *    64 KiB burst, 128 KiB window per connection, 0.1 ms service per AFC request). Target ≥ 90 % of the cap.
 * 2. Pull, unshaped on loopback: --pull-mb into a discarding sink, then once to a file on disk.
 *    Target ≥ 250 MB/s with the client's peak RSS under 150 MB.
 * 3. walk('/DCIM') of a --walk-files camera roll at 0.5 ms per reply: pipelined (64 in flight)
 *    and lock-step (1 in flight) side by side. Target ≤ 3 s pipelined. Then pipelined over the
 *    USB 2 link model, where the phone's 0.1 ms per request is paid one request at a time.
 * MB = 10^6 bytes. On a shared two-core machine the figures are noisy; run it twice.
 */
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, createWriteStream, openSync, promises as fs, readFileSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startSimProcess } from './sim-process.js'
import { connectDevice, MuxClient, type AfcClient, type DeviceSession } from '../src/main/device/index.js'

const { values } = parseArgs({
  options: {
    'pull-mb': { type: 'string', default: '1500' },
    'shaped-mb': { type: 'string', default: '400' },
    'walk-files': { type: 'string', default: '50000' },
    'skip-lockstep': { type: 'boolean', default: false },
  },
})
const PULL_MB = Number(values['pull-mb'])
const SHAPED_MB = Number(values['shaped-mb'])
const WALK_FILES = Number(values['walk-files'])
const MB = 1e6
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

let peakRss = 0
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20)
const resetRss = (): void => {
  peakRss = process.memoryUsage().rss
}

/** A file of `mb` megabytes from a repeated random block, written synchronously (no stream buffers left in RSS). */
function bigFile(file: string, mb: number): number {
  const block = randomBytes(4 * 1024 * 1024)
  const total = Math.round(mb * MB)
  const fd = openSync(file, 'w')
  try {
    for (let left = total; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(block.length, left))
  } finally {
    closeSync(fd)
  }
  return total
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux; 0 elsewhere). */
function procCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // utime + stime in USER_HZ (100)
  } catch {
    return 0
  }
}

function clientCpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** Wall time plus the CPU the client and the simulator spent, so a busy machine can be read through. */
async function measured<T>(sim: ChildProcess, fn: () => Promise<T>): Promise<{ value: T; secs: number; clientCpu: number; simCpu: number; load: number }> {
  const c0 = clientCpuMs()
  const s0 = procCpuMs(sim.pid)
  const t = performance.now()
  const value = await fn()
  return { value, secs: (performance.now() - t) / 1000, clientCpu: (clientCpuMs() - c0) / 1000, simCpu: (procCpuMs(sim.pid) - s0) / 1000, load: os.loadavg()[0]! }
}

const cpuNote = (m: { clientCpu: number; simCpu: number; load: number }): string => `[CPU: client ${m.clientCpu.toFixed(2)} s, simulator ${m.simCpu.toFixed(2)} s; load avg ${m.load.toFixed(1)} on ${os.cpus().length} CPUs]`

/** Starts `cradle sim` in its own process; resolves with its socket once it prints the ready line. */
function startSim(args: string[]): Promise<{ address: string; child: ChildProcess }> {
  return startSimProcess(['--import', 'tsx', path.join(ROOT, 'src/main/headless/cli/bin.ts'), 'sim', ...args], ROOT)
}

async function stopSim(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}

async function withPhone<T>(simArgs: string[], fn: (afc: AfcClient, sim: ChildProcess, session: DeviceSession) => Promise<T>): Promise<T> {
  const { address, child } = await startSim(simArgs)
  try {
    const mux = new MuxClient({ address })
    const session = await connectDevice(mux, (await mux.findDevice(undefined)).udid)
    const afc = await session.openAfc()
    try {
      return await fn(afc, child, session)
    } finally {
      afc.close()
      await session.close()
    }
  } finally {
    await stopSim(child)
  }
}

const discard = (): Writable => new Writable({ highWaterMark: 8 * 1024 * 1024, write: (_c, _e, cb) => cb() })

async function main(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'cradle-devbench-'))
  const fmt = (n: number, d = 1): string => n.toFixed(d)
  try {
    console.log(`device bench — node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load avg ${fmt(os.loadavg()[0]!)}; a shared machine makes wall times noisy, the CPU figures less so`)
    // 1 + 2: one big video in a DCIM folder served by the simulator.
    const dcim = path.join(work, 'DCIM')
    await fs.mkdir(path.join(dcim, '100APPLE'), { recursive: true })
    const size = bigFile(path.join(dcim, '100APPLE', 'IMG_0001.MOV'), Math.max(PULL_MB, SHAPED_MB))
    const remote = '/DCIM/100APPLE/IMG_0001.MOV'

    await withPhone(['--dcim', dcim], async (afc, sim) => {
      const before = process.memoryUsage().rss
      resetRss()
      const mem = await measured(sim, () => afc.download(remote, discard()))
      const mbps = mem.value.bytesWritten / MB / mem.secs
      console.log(`pull, unshaped, to a discarding sink: ${fmt(mem.value.bytesWritten / MB, 0)} MB in ${fmt(mem.secs, 2)} s = ${fmt(mbps)} MB/s, client peak RSS ${fmt(peakRss / 2 ** 20, 0)} MiB (${fmt(before / 2 ** 20, 0)} MiB before) — targets ≥ 250 MB/s, < 150 MB ${cpuNote(mem)}`)
      resetRss()
      const file = path.join(work, 'pulled.mov')
      const out = createWriteStream(file)
      const disk = await measured(sim, () => afc.download(remote, out))
      await new Promise<void>((r) => out.end(r))
      console.log(`pull, unshaped, to a file on disk:   ${fmt(disk.value.bytesWritten / MB, 0)} MB in ${fmt(disk.secs, 2)} s = ${fmt(disk.value.bytesWritten / MB / disk.secs)} MB/s, client peak RSS ${fmt(peakRss / 2 ** 20, 0)} MiB ${cpuNote(disk)}`)
      const st = await fs.stat(file)
      if (st.size !== size) throw new Error(`pulled ${st.size} bytes, expected ${size}`)
      await fs.rm(file)
    })

    await withPhone(['--dcim', dcim, '--usb2'], async (afc, sim) => {
      const bytes = Math.round(SHAPED_MB * MB)
      let got = 0
      const stop = new AbortController()
      const m = await measured(sim, () =>
        afc.download(remote, discard(), { signal: stop.signal, onProgress: (d) => { got = d; if (d >= bytes) stop.abort() } }).catch((e: { code?: string }) => {
          if (e.code !== 'aborted') throw e
        }),
      )
      const mbps = got / MB / m.secs
      console.log(`pull, USB 2 link model (40 MB/s, 1 ms, 64 KiB burst, 128 KiB window, 0.1 ms service): ${fmt(got / MB, 0)} MB in ${fmt(m.secs, 2)} s = ${fmt(mbps)} MB/s (${fmt((mbps / 40) * 100)} % of the cap; target ≥ 90 %) ${cpuNote(m)}`)
    })
    await fs.rm(dcim, { recursive: true })

    // 3: a 50,000-file camera roll, 1,000 files per folder (small files: only listing and stat matter).
    const roll = path.join(work, 'ROLL')
    const folders = Math.ceil(WALK_FILES / 1000)
    for (let f = 0; f < folders; f++) {
      const dir = path.join(roll, `${100 + f}APPLE`)
      await fs.mkdir(dir, { recursive: true })
      const n = Math.min(1000, WALK_FILES - f * 1000)
      await Promise.all(Array.from({ length: n }, (_, i) => fs.writeFile(path.join(dir, `IMG_${String(i).padStart(4, '0')}.HEIC`), 'x')))
    }
    await withPhone(['--dcim', roll, '--latency-ms', '0.5'], async (afc, sim) => {
      const piped = await measured(sim, () => afc.walk('/DCIM', { window: 64 }))
      console.log(`walk of ${piped.value.files.length} files in ${piped.value.dirs.length} folders at 0.5 ms/reply, pipelined (64 in flight): ${fmt(piped.secs, 2)} s (target ≤ 3 s) ${cpuNote(piped)}`)
      if (!values['skip-lockstep']) {
        const lock = await measured(sim, () => afc.walk('/DCIM', { window: 1 }))
        if (lock.value.files.length !== piped.value.files.length) throw new Error('lock-step walk found a different number of files')
        console.log(`walk, lock-step (1 in flight):                          ${fmt(lock.secs, 2)} s — pipelined is ${fmt(lock.secs / piped.secs)}× faster ${cpuNote(lock)}`)
      }
    })
    await withPhone(['--dcim', roll, '--usb2'], async (afc, sim) => {
      const piped = await measured(sim, () => afc.walk('/DCIM', { window: 64 }))
      const requests = piped.value.files.length + piped.value.dirs.length
      console.log(`walk over the USB 2 link model, pipelined: ${fmt(piped.secs, 2)} s for ${requests} requests (the phone's 0.1 ms each, one at a time, is ${fmt(requests * 0.1e-3, 2)} s of it) ${cpuNote(piped)}`)
    })
  } finally {
    clearInterval(sampler)
    await fs.rm(work, { recursive: true, force: true })
  }
}

await main()
