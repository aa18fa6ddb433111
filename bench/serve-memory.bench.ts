/**
 * Peak memory of the whole `cradle serve` process (engine, catalog, web server, upload manager)
 * while it imports ~5 GB from the virtual iPhone and uploads it to one folder destination
 * (issue 16: ≤ 150 MB).
 *
 *   npm run build && npx tsx bench/serve-memory.bench.ts [--gb 5] [--usb2] [--timeout-min 60]
 *     [--probe] [--node-options '--trace-gc'] [--serve-env K=V,…] [--bin OTHER/bin/cradle.js]
 *
 * `cradle sim` (sparse padding: the roll costs no disk, the library copy does) and `cradle serve`
 * each run in their own process, from the built CLI, as a user runs them; the figure is serve's
 * VmHWM from /proc (the kernel's own peak of its resident set), with VmRSS sampled every 250 ms
 * to say when the peak happened. References from the same run: the peak RSS of `node -e 0` and of
 * `cradle --help`. Needs ~2 × --gb free in the temp folder (library + destination).
 * `--probe` preloads bench/memory-probe.cjs into serve and prints where its memory was at the
 * peak (V8 heap, external/ArrayBuffers, anonymous mappings); `--node-options` and `--serve-env`
 * go to serve only (experiments: a smaller young generation, MALLOC_ARENA_MAX); `--bin` runs
 * another build's bin/cradle.js (a worktree of the commit before a change, interleaved).
 */
import { spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { AppState } from '../src/shared/state.js'
import { startCli, stopCli } from './cli-process.js'

const { values } = parseArgs({ options: { gb: { type: 'string', default: '5' }, usb2: { type: 'boolean', default: false }, 'timeout-min': { type: 'string', default: '60' }, probe: { type: 'boolean', default: false }, 'node-options': { type: 'string', default: '' }, 'serve-env': { type: 'string', default: '' }, bin: { type: 'string', default: '' } } })
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = values.bin ? path.resolve(values.bin) : path.join(ROOT, 'bin', 'cradle.js')
const MB = 1e6

const targetBytes = Number(values.gb) * 1e9

function cli(args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`cradle ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return r.stdout
}

/** kB fields of /proc/<pid>/status (VmHWM, VmRSS), in bytes; null once the process is gone. */
function procStatus(pid: number): { hwm: number; rss: number; anon: number; file: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024
    return { hwm: field('VmHWM'), rss: field('VmRSS'), anon: field('RssAnon'), file: field('RssFile') }
  } catch {
    return null
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** Peak RSS of a short command (GNU time's %M, in KiB). */
function peakOf(args: string[]): number | null {
  if (!fs.existsSync('/usr/bin/time')) return null
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' })
  return Number(r.stderr.trim().split('\n').pop()) * 1024
}

function treeBytes(dir: string): { files: number; bytes: number } {
  let files = 0
  let bytes = 0
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) {
        files++
        bytes += fs.statSync(p).size
      }
    }
  }
  if (fs.existsSync(dir)) walk(dir)
  return { files, bytes }
}

async function getState(accessUrl: string): Promise<AppState> {
  const url = new URL(accessUrl)
  const token = new URLSearchParams(url.hash.slice(1)).get('token') ?? url.hash.slice(1)
  const res = await fetch(new URL('/api/commands/getState', url.origin), { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' })
  const wire = (await res.json()) as { ok: boolean; value?: AppState; error?: unknown }
  if (!wire.ok || !wire.value) throw new Error(`getState: ${JSON.stringify(wire.error)}`)
  return wire.value
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(path.dirname(BIN), '..', 'dist'))) throw new Error('build first: npm run build')
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-serve-memory-'))
  const children: ChildProcess[] = []
  try {
    // With 6 MB photos and 40 MB videos a generated roll averages ~12.3 MB an item (Live Photo videos included).
    const items = Math.max(10, Math.round(targetBytes / 12.3e6))
    const simArgs = ['sim', '--photos', String(items), '--photo-bytes', '6000000', '--video-bytes', '40000000', '--padding', 'sparse', '--out', path.join(work, 'roll'), '--charging', '--external-power', ...(values.usb2 ? ['--usb2'] : [])]
    const sim = await startCli(simArgs, { ...process.env, CRADLE_LOG: 'silent' }, { closeStdin: true, bin: BIN })
    children.push(sim.child)
    const dcim = String((sim.ready.devices as { dcim: string }[])[0]!.dcim)
    const roll = treeBytes(dcim)
    const env = { ...process.env, CRADLE_LOG: 'silent', USBMUXD_SOCKET_ADDRESS: String(sim.ready.socket) }
    const dirs = ['--data', path.join(work, 'data'), '--library', path.join(work, 'library')]
    cli([...dirs, 'pair'], env)
    fs.mkdirSync(path.join(work, 'dest'))
    cli([...dirs, 'destination', 'add', 'folder', '--name', 'Backup', '--path', path.join(work, 'dest')], env)

    const references = { node: peakOf(['-e', '0']), help: peakOf([BIN, '--help']) }
    const load0 = os.loadavg()[0]!
    console.log(`cradle sim ${values.usb2 ? '--usb2' : '(unshaped)'}: ${items} items, ${roll.files} files, ${(roll.bytes / 1e9).toFixed(2)} GB (sparse); cradle serve → library + folder destination; load average ${load0.toFixed(1)}`)

    const t0 = performance.now()
    const probeOut = path.join(work, 'memory-probe.json')
    const serveEnv: NodeJS.ProcessEnv = { ...env }
    const nodeOptions = [values['node-options'], values.probe ? `--require ${path.join(ROOT, 'bench', 'memory-probe.cjs')}` : ''].filter(Boolean).join(' ')
    if (nodeOptions) serveEnv.NODE_OPTIONS = nodeOptions
    if (values.probe) serveEnv.CRADLE_MEMORY_PROBE = probeOut
    for (const kv of values['serve-env'].split(',').filter(Boolean)) serveEnv[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1)
    if (nodeOptions || values['serve-env']) console.log(`  serve with NODE_OPTIONS='${nodeOptions}' ${values['serve-env']}`)
    const serve = await startCli([...dirs, 'serve', '--port', '0'], serveEnv, { closeStdin: true, bin: BIN })
    children.push(serve.child)
    const pid = serve.child.pid!
    const accessUrl = String(serve.ready.accessUrl)
    let peak = { rss: 0, anon: 0, file: 0, at: 0, phase: '' }
    let phase = 'starting'
    const sampler = setInterval(() => {
      const s = procStatus(pid)
      if (s && s.rss > peak.rss) peak = { rss: s.rss, anon: s.anon, file: s.file, at: (performance.now() - t0) / 1000, phase }
    }, 250)
    const marks: { phase: string; at: number; hwm: number }[] = []
    const mark = (p: string): void => {
      const s = procStatus(pid)
      marks.push({ phase: p, at: (performance.now() - t0) / 1000, hwm: s?.hwm ?? 0 })
      console.log(`  ${marks.at(-1)!.at.toFixed(0).padStart(5)} s  ${p.padEnd(34)} VmHWM so far ${mib(marks.at(-1)!.hwm)}; now ${mib(s?.rss ?? 0)} = ${mib(s?.anon ?? 0)} anonymous + ${mib(s?.file ?? 0)} files (load ${os.loadavg()[0]!.toFixed(1)})`)
    }
    mark('serve ready')
    const deadline = performance.now() + Number(values['timeout-min']) * 60_000
    let done = false
    let last = ''
    while (!done && performance.now() < deadline) {
      await sleep(2000)
      const state = await getState(accessUrl)
      const device = state.devices[0]
      const dest = state.destinations[0]
      const now = `${device?.phase ?? 'no phone'}${dest && dest.counts.done > 0 ? ', uploading' : ''}`
      if (process.env.BENCH_DEBUG) console.log(JSON.stringify({ q: state.queue.counts, d: dest?.counts, p: device?.phase, w: dest?.waitingReason, pr: dest?.problem }))
      phase = device?.phase ?? phase
      if (now !== last) mark(`phone ${now}`)
      last = now
      // (The roll's Recently Deleted photos stay on the phone, not imported: importPending need not reach 0.)
      done = device?.phase === 'done' && dest !== undefined && dest.counts.pending === 0 && dest.counts.done > 0
      if (dest?.counts.failed) throw new Error(`${dest.counts.failed} uploads failed: ${JSON.stringify(dest.problem)}`)
    }
    clearInterval(sampler)
    if (!done) console.log('  (timed out before the import and uploads finished: the figure covers only what ran)')
    mark('imported and uploaded')
    const wall = (performance.now() - t0) / 1000
    const final = procStatus(pid)!
    const cpu = cpuSeconds(pid)
    const library = treeBytes(path.join(work, 'library'))
    const dest = treeBytes(path.join(work, 'dest'))
    console.log(`  library ${library.files} files ${(library.bytes / 1e9).toFixed(2)} GB, destination ${dest.files} files ${(dest.bytes / 1e9).toFixed(2)} GB, in ${wall.toFixed(0)} s (${(roll.bytes / MB / wall).toFixed(1)} MB/s end to end); serve used ${cpu.toFixed(1)} s CPU (user + system)`)
    console.log(`  peak RSS of cradle serve (VmHWM): ${mib(final.hwm)} (goal ≤ 150 MB = 143 MiB); sampled peak ${mib(peak.rss)} (${mib(peak.anon)} anonymous + ${mib(peak.file)} files) at ${peak.at.toFixed(0)} s (${peak.phase}); RSS at the end ${mib(final.rss)}`)
    console.log(`  references, same run: node -e 0 ${references.node === null ? '?' : mib(references.node)}, cradle --help ${references.help === null ? '?' : mib(references.help)}; load average ${load0.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)}`)
    if (values.probe) {
      await stopCli(serve.child)
      const probe = JSON.parse(fs.readFileSync(probeOut, 'utf8')) as { peakMiB: Record<string, number>; atPeakMiB: Record<string, number>; smapsAtPeak: { bySize: Record<string, { count: number; rssKiB: number }>; top: { sizeKiB: number; perms: string; rssKiB: number }[] } }
      console.log(`  probe: peaks (MiB) ${JSON.stringify(probe.peakMiB)}`)
      console.log(`  probe: at the RSS peak (MiB) ${JSON.stringify(probe.atPeakMiB)}`)
      console.log(`  probe: anonymous mappings at the peak ${JSON.stringify(probe.smapsAtPeak.bySize)}`)
      console.log(`  probe: V8 spaces at the peak (physical KiB) ${JSON.stringify((probe.smapsAtPeak as unknown as { v8SpacesPhysicalKiB: unknown }).v8SpacesPhysicalKiB)}`)
      console.log(`  probe: largest ${probe.smapsAtPeak.top.slice(0, 10).map((m) => `${m.perms} ${m.sizeKiB} KiB → ${m.rssKiB} KiB resident`).join('; ')}`)
      if (process.env.BENCH_KEEP_PROBE) fs.copyFileSync(probeOut, process.env.BENCH_KEEP_PROBE)
    }
  } finally {
    for (const child of children.reverse()) await stopCli(child)
    fs.rmSync(work, { recursive: true, force: true })
  }
}

await main()
