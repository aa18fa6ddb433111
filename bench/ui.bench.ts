/**
 * The window's figures, measured in Debian's Chromium (headless) against the headless HTTP server
 * and the scripted engine:
 *   - initial render with 50,000 queue rows: navigation start → first queue row on screen
 *   - frame times (requestAnimationFrame deltas) while the engine publishes at 10 Hz and the queue's
 *     revision moves with every snapshot, idle and while scrolling the 50,000-row list
 *   - the JS/CSS bundle size, raw and gzip
 * Then the same two figures against the real engine (issue 16): `cradle sim --usb2` with a
 * --items camera roll in its own process, and `cradle serve` (engine, catalog, web server) in
 * another, importing while the window is measured — the scripted engine's figures above are the
 * reference from the same run.
 * Run: npx tsx bench/ui.bench.ts [--runs 5] [--seconds 10] [--parts scripted,real] [--items 50000]
 * (the real part runs the built CLI: npm run build first)
 * The machine may be shared: figures are indicative; run twice and compare.
 */
import { spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { chromium, type Browser, type Page } from 'playwright'
import { build } from 'vite'
import { configureLogging } from '../src/main/logging/logger.js'
import { startCli, stopCli } from './cli-process.js'
import { startHttpServer } from '../src/main/headless/http/server.js'
import { ScriptedEngine } from '../test/fakes/scripted-engine.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const ROWS = 50_000

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

const ms = (n: number): string => `${n.toFixed(1)} ms`
const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`

async function buildRenderer(): Promise<{ dir: string; cleanup: () => void }> {
  if (process.env.CRADLE_E2E_RENDERER) return { dir: process.env.CRADLE_E2E_RENDERER, cleanup: () => undefined }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cradle-ui-bench-'))
  await build({ configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } })
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

function bundleSizes(dir: string): { file: string; raw: number; gzip: number }[] {
  const assets = path.join(dir, 'assets')
  return readdirSync(assets)
    .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
    .map((f) => {
      const bytes = readFileSync(path.join(assets, f))
      return { file: f, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }
    })
}

/**
 * Injected before the page's own scripts: records (page clock, ms since navigation start) when the
 * phone card and the first loaded queue row enter the DOM, so Playwright's polling latency on a
 * busy machine does not count.
 */
const MARKS_PROBE = `(() => {
  const marks = (window.__cradleMarks = {})
  const look = () => {
    if (marks.card === undefined && document.querySelector('article.device')) marks.card = performance.now()
    if (marks.rows === undefined && document.querySelector('[data-row-loaded]')) marks.rows = performance.now()
    if (marks.rows !== undefined && marks.card !== undefined) observer.disconnect()
  }
  const observer = new MutationObserver(look)
  document.addEventListener('DOMContentLoaded', () => {
    marks.dcl = performance.now()
    observer.observe(document.body, { childList: true, subtree: true, attributes: true })
  })
})()`

/** Navigation start → DOMContentLoaded, → the phone card shown, → the first loaded queue rows. */
async function firstRender(page: Page, url: string): Promise<{ dcl: number; card: number; rows: number }> {
  await page.addInitScript(MARKS_PROBE)
  await page.goto(url, { waitUntil: 'commit' })
  await page.waitForSelector('[data-row-loaded]', { timeout: 60_000 })
  await page.waitForFunction('window.__cradleMarks && window.__cradleMarks.rows !== undefined && window.__cradleMarks.card !== undefined')
  return (await page.evaluate('window.__cradleMarks')) as { dcl: number; card: number; rows: number }
}

/**
 * Runs in the page: rAF deltas for `seconds`, optionally scrolling the queue every frame. A string,
 * not a function, because tsx's keepNames helpers (__name) do not exist in the page.
 */
const FRAME_PROBE = `(async ({ seconds, scroll }) => {
  const list = document.querySelector('.vlist')
  const deltas = []
  let longTasks = 0
  const observer = new PerformanceObserver((entries) => { longTasks += entries.getEntries().length })
  try { observer.observe({ type: 'longtask', buffered: false }) } catch {}
  return await new Promise((resolve) => {
    const end = performance.now() + seconds * 1000
    let last = 0
    const step = (now) => {
      deltas.push(now - last)
      last = now
      // ~3,000 px a second: a brisk scroll through the list, wrapping at the end.
      if (scroll) list.scrollTop = (list.scrollTop + 50) % (list.scrollHeight - list.clientHeight)
      if (now < end) requestAnimationFrame(step)
      else { observer.disconnect(); resolve({ deltas: deltas.slice(1), longTasks }) }
    }
    requestAnimationFrame((t) => { last = t; requestAnimationFrame(step) })
  })
})`

async function frameTimes(page: Page, seconds: number, scroll: boolean): Promise<{ deltas: number[]; longTasks: number }> {
  return page.evaluate(`${FRAME_PROBE}(${JSON.stringify({ seconds, scroll })})`) as Promise<{ deltas: number[]; longTasks: number }>
}

function describeFrames(label: string, r: { deltas: number[]; longTasks: number }): string {
  const sorted = [...r.deltas].sort((a, b) => a - b)
  const over = r.deltas.filter((d) => d > 1000 / 60 * 1.5).length
  return `${label.padEnd(44)} frames ${String(r.deltas.length).padStart(4)}  p50 ${ms(quantile(sorted, 0.5)).padStart(8)}  p95 ${ms(quantile(sorted, 0.95)).padStart(8)}  max ${ms(sorted.at(-1) ?? Number.NaN).padStart(8)}  >25 ms: ${over}  long tasks: ${r.longTasks}`
}

async function main(): Promise<void> {
  configureLogging({ level: 'silent' })
  const runs = option('runs', 5)
  const seconds = option('seconds', 10)
  const parts = (process.argv.includes('--parts') ? process.argv[process.argv.indexOf('--parts') + 1]! : 'scripted,real').split(',')
  const renderer = parts.includes('scripted') ? await buildRenderer() : { dir: '', cleanup: () => undefined }
  const browser = await chromium.launch({ executablePath: process.env.CRADLE_CHROMIUM ?? '/usr/bin/chromium', args: ARGS })
  try {
    console.log(`Cradle UI bench — Chromium ${browser.version()}, Node ${process.version}, ${os.cpus().length} CPUs (shared machine: figures are indicative)\n`)
    if (parts.includes('scripted')) await scripted(browser, renderer.dir, runs, seconds)
    if (parts.includes('real')) await realEngine(browser, runs, seconds, option('items', ROWS))
  } finally {
    await browser.close()
    renderer.cleanup()
  }
}

/** The scripted engine (test/fakes): the window's own cost, with no engine work beside it. */
async function scripted(browser: Browser, rendererDir: string, runs: number, seconds: number): Promise<void> {
  {

    console.log('Bundle (dist/renderer/assets):')
    let jsRaw = 0
    let jsGzip = 0
    for (const b of bundleSizes(rendererDir)) {
      console.log(`  ${b.file.padEnd(28)} ${kb(b.raw).padStart(10)}  gzip ${kb(b.gzip).padStart(9)}`)
      if (b.file.endsWith('.js')) {
        jsRaw += b.raw
        jsGzip += b.gzip
      }
    }
    console.log(`  JS total                     ${kb(jsRaw).padStart(10)}  gzip ${kb(jsGzip).padStart(9)}\n`)

    // Initial render: a still engine with 50,000 rows; a fresh page (no cache) per run.
    const still = new ScriptedEngine({ queueRows: ROWS, autoTick: false, attached: true, settings: { autoRunOnConnect: false } })
    const stillServer = await startHttpServer({ handler: still, port: 0, staticDir: rendererDir })
    const firsts: { dcl: number; card: number; rows: number }[] = []
    try {
      for (let i = 0; i < runs; i++) {
        const context = await browser.newContext({ viewport: { width: 1100, height: 1000 } })
        firsts.push(await firstRender(await context.newPage(), stillServer.accessUrl))
        await context.close()
      }
    } finally {
      await stillServer.close()
      still.stop()
    }
    console.log(`Initial render, ${ROWS.toLocaleString('en-US')} queue rows, ${runs} runs (fresh page each):`)
    const labels = { dcl: 'navigation → DOMContentLoaded', card: 'navigation → phone card shown', rows: 'navigation → first queue rows' }
    for (const key of ['dcl', 'card', 'rows'] as const) {
      const sorted = firsts.map((f) => f[key]).sort((a, b) => a - b)
      const label = labels[key]
      console.log(`  ${label.padEnd(32)} median ${ms(quantile(sorted, 0.5)).padStart(9)}  min ${ms(sorted[0]!).padStart(9)}  max ${ms(sorted.at(-1)!).padStart(9)}`)
    }
    console.log('')

    // 10 Hz: an import running (every snapshot bumps the queue revision) over 50,000 rows.
    const busy = new ScriptedEngine({ queueRows: ROWS, photos: 20_000, itemsPerTick: 2, attached: true })
    const busyServer = await startHttpServer({ handler: busy, port: 0, staticDir: rendererDir })
    let idle: Awaited<ReturnType<typeof frameTimes>>
    let scrolling: typeof idle
    let seqBefore: number, seqMid: number, seqAfter: number, queueRows: number
    try {
      const context = await browser.newContext({ viewport: { width: 1100, height: 1000 } })
      const page = await context.newPage()
      await page.goto(busyServer.accessUrl)
      await page.waitForSelector('[role="progressbar"]')
      await page.waitForSelector('[data-row-loaded]')
      seqBefore = busy.current().seq
      idle = await frameTimes(page, seconds, false)
      seqMid = busy.current().seq
      scrolling = await frameTimes(page, seconds, true)
      seqAfter = busy.current().seq
      queueRows = await page.locator('.vlist [role="listitem"]').count()
      await context.close()
    } finally {
      await busyServer.close()
      busy.stop()
    }
    console.log(`Frame times while the engine publishes at 10 Hz (${((seqMid - seqBefore) / seconds).toFixed(1)} and ${((seqAfter - seqMid) / seconds).toFixed(1)} snapshots/s), ${seconds} s each:`)
    console.log(`  ${describeFrames('import running, queue updating', idle)}`)
    console.log(`  ${describeFrames('… and scrolling the 50,000-row queue', scrolling)}`)
    console.log(`  ${fps('import running', idle)}; ${fps('scrolling', scrolling)}`)
    console.log(`  rows in the DOM: ${queueRows} (of ${ROWS.toLocaleString('en-US')} + ${(20_000).toLocaleString('en-US')})`)
  }
}

/**
 * The real engine: `cradle sim --usb2 --photos N` and `cradle serve` on a fresh catalog and library,
 * each in its own process. Once the window shows the import running (the first scan done, the
 * queue filled), fresh pages measure the first rows and one page the frames while the queue moves.
 */
async function realEngine(browser: Browser, runs: number, seconds: number, items: number): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'cradle-ui-bench-real-'))
  const children: ChildProcess[] = []
  try {
    const t0 = performance.now()
    const sim = await startCli(['sim', '--photos', String(items), '--out', path.join(work, 'roll'), '--padding', 'sparse', '--usb2', '--charging', '--external-power'], { ...process.env, CRADLE_LOG: 'silent' })
    children.push(sim.child)
    const env = { ...process.env, CRADLE_LOG: 'silent', USBMUXD_SOCKET_ADDRESS: String(sim.ready.socket) }
    const dirs = ['--data', path.join(work, 'data'), '--library', path.join(work, 'library')]
    const paired = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cradle.js'), ...dirs, 'pair'], { env, encoding: 'utf8' })
    if (paired.status !== 0) throw new Error(`cradle pair failed: ${paired.stderr}`)
    const t1 = performance.now()
    // CRADLE_BENCH_SERVE_PROF=<dir>: a CPU profile of `cradle serve` alone (written when it stops).
    const profDir = process.env.CRADLE_BENCH_SERVE_PROF
    const serve = await startCli([...dirs, 'serve', '--port', '0'], env, { nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [] })
    children.push(serve.child)
    const accessUrl = String(serve.ready.accessUrl)
    // Wait for the first scan and plan: the import is running and the queue has its rows.
    const context = await browser.newContext({ viewport: { width: 1100, height: 1000 } })
    const page = await context.newPage()
    await page.goto(accessUrl)
    await page.waitForSelector('[role="progressbar"]', { timeout: 15 * 60_000 })
    await page.waitForSelector('[data-row-loaded]', { timeout: 60_000 })
    const t2 = performance.now()
    console.log(`\nReal engine: cradle sim --usb2 --photos ${items.toLocaleString('en-US')} (roll made in ${((t1 - t0) / 1000).toFixed(1)} s) + cradle serve; first scan until the import ran: ${((t2 - t1) / 1000).toFixed(1)} s; load avg ${os.loadavg()[0]!.toFixed(1)}`)

    const firsts: { dcl: number; card: number; rows: number }[] = []
    for (let i = 0; i < runs; i++) {
      const fresh = await browser.newContext({ viewport: { width: 1100, height: 1000 } })
      firsts.push(await firstRender(await fresh.newPage(), accessUrl))
      await fresh.close()
    }
    console.log(`Initial render during the import, ${runs} runs (fresh page each; goal: first rows ≤ 1 s):`)
    const labels = { dcl: 'navigation → DOMContentLoaded', card: 'navigation → phone card shown', rows: 'navigation → first queue rows' }
    for (const key of ['dcl', 'card', 'rows'] as const) {
      const sorted = firsts.map((f) => f[key]).sort((a, b) => a - b)
      console.log(`  ${labels[key].padEnd(32)} median ${ms(quantile(sorted, 0.5)).padStart(9)}  min ${ms(sorted[0]!).padStart(9)}  max ${ms(sorted.at(-1)!).padStart(9)}`)
    }
    const progress = async (): Promise<string> => (await page.locator('[role="progressbar"]').first().getAttribute('aria-valuenow')) ?? '?'
    const p0 = await progress()
    const idle = await frameTimes(page, seconds, false)
    const p1 = await progress()
    const scrolling = await frameTimes(page, seconds, true)
    const p2 = await progress()
    const queueRows = await page.locator('.vlist [role="listitem"]').count()
    console.log(`Frame times while the real engine imports (progress ${p0} → ${p1} → ${p2}), ${seconds} s each; load avg ${os.loadavg()[0]!.toFixed(1)}:`)
    console.log(`  ${describeFrames('import running, queue updating', idle)}`)
    console.log(`  ${describeFrames('… and scrolling the queue', scrolling)}`)
    console.log(`  ${fps('import running', idle)}; ${fps('scrolling', scrolling)}; rows in the DOM: ${queueRows}`)
    await context.close()
  } finally {
    for (const child of children.reverse()) await stopCli(child)
    rmSync(work, { recursive: true, force: true })
  }
}

const fps = (label: string, r: { deltas: number[] }): string => `${label}: ${(r.deltas.length / (r.deltas.reduce((a, b) => a + b, 0) / 1000)).toFixed(1)} frames/s`

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
