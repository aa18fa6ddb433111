/**
 * Where a `cradle serve` process's memory is: preloaded into it by the serve-memory bench with
 * `--probe` (NODE_OPTIONS=--require …/memory-probe.cjs, only acts in a process whose argv has
 * `serve`), it samples every 250 ms and writes, at exit, one JSON line to $CRADLE_MEMORY_PROBE:
 * the peak of each figure (RSS, anonymous RSS, V8 heap used/total, external, arrayBuffers), the
 * whole sample at the RSS peak, and at that peak the anonymous mappings of /proc/self/smaps
 * grouped by kind (brk heap, 64 MiB-reserved regions = glibc malloc arenas, V8 pages, other).
 * SIGUSR2 writes a heap snapshot next to the output file.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (--require) */
'use strict'
const fs = require('node:fs')
const v8 = require('node:v8')

const out = process.env.CRADLE_MEMORY_PROBE
if (out && process.argv.includes('serve')) {
  const t0 = Date.now()
  const kib = (re, text) => Number(re.exec(text)?.[1] ?? 0) * 1024
  const peak = {}
  let atPeak = null
  let smapsAtPeak = null
  const samples = []
  const smapsSummary = () => {
    // Anonymous private mappings with the most resident memory: glibc arenas show as a rw part of
    // a 64 MiB reservation, V8 as 256 KiB pages (and its large-object pages), thread stacks as 8 MiB.
    const text = fs.readFileSync('/proc/self/smaps', 'utf8')
    const maps = []
    let cur = null
    for (const line of text.split('\n')) {
      const h = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(.*)$/.exec(line)
      if (h) {
        cur = { at: h[1], sizeKiB: (parseInt(h[2], 16) - parseInt(h[1], 16)) / 1024, perms: h[3], name: h[5] || 'anon', rssKiB: 0 }
        maps.push(cur)
        continue
      }
      const r = /^Rss:\s+(\d+) kB/.exec(line)
      if (r && cur) cur.rssKiB = Number(r[1])
    }
    const anon = maps.filter((m) => m.name === 'anon' || m.name === '[heap]' || m.name === '[stack]')
    const bySize = {}
    for (const m of anon) {
      const k = m.name !== 'anon' ? m.name : m.sizeKiB <= 256 ? 'anon <= 256 KiB' : m.sizeKiB <= 1024 ? 'anon 256 KiB..1 MiB' : m.sizeKiB <= 8192 ? 'anon 1..8 MiB' : 'anon > 8 MiB'
      bySize[k] ??= { count: 0, rssKiB: 0 }
      bySize[k].count++
      bySize[k].rssKiB += m.rssKiB
    }
    return { bySize, top: anon.sort((a, b) => b.rssKiB - a.rssKiB).slice(0, 20) }
  }
  const sample = () => {
    const status = fs.readFileSync('/proc/self/status', 'utf8')
    const m = process.memoryUsage()
    const s = { t: (Date.now() - t0) / 1000, rss: kib(/^VmRSS:\s+(\d+)/m, status), anon: kib(/^RssAnon:\s+(\d+)/m, status), file: kib(/^RssFile:\s+(\d+)/m, status), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers }
    for (const [k, v] of Object.entries(s)) if (k !== 't') peak[k] = Math.max(peak[k] ?? 0, v)
    if (!atPeak || s.rss > atPeak.rss) {
      atPeak = s
      try { smapsAtPeak = smapsSummary() } catch { /* racing exit */ }
      // V8's spaces (committed, physical): the young generation grows to 2 × 16 MiB semi-spaces.
      smapsAtPeak.v8SpacesPhysicalKiB = Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, Math.round(x.physical_space_size / 1024)]))
    }
    if (samples.length === 0 || s.t - samples[samples.length - 1].t >= 5) samples.push(s)
  }
  const timer = setInterval(sample, 250)
  timer.unref()
  process.on('SIGUSR2', () => { v8.writeHeapSnapshot(`${out}.${Date.now()}.heapsnapshot`) })
  process.on('exit', () => {
    sample()
    const MiB = (b) => Math.round(b / 2 ** 20 * 10) / 10
    const mibOf = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 't' ? v : MiB(v)]))
    fs.writeFileSync(out, JSON.stringify({ peakMiB: mibOf(peak), atPeakMiB: mibOf(atPeak), smapsAtPeak, samplesMiB: samples.map(mibOf) }) + '\n')
  })
}
