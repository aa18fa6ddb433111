/**
 * XMP sidecars (issue 15): the codec (a fresh packet, an update over a packet another tool wrote),
 * and syncSidecars over a library folder — writing every sidecar, then a pass where nothing
 * changed (each sidecar read, re-rendered and compared, nothing written).
 *
 *   npx tsx bench/sidecars.bench.ts [--files 5000] [--runs 5]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import type { PhotoMetadata } from '../src/main/photos/photo-metadata.js'
import { syncSidecars, type SidecarItem } from '../src/main/photos/sidecar-writer.js'
import { renderXmp } from '../src/main/photos/xmp-sidecar.js'

const { values } = parseArgs({ options: { files: { type: 'string' }, runs: { type: 'string' } } })
const files = Number(values.files ?? 5000)
const runs = Number(values.runs ?? 5)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const meta = (i: number): PhotoMetadata => ({
  uuid: `9F0A1C55-2B7E-4C3D-8E11-${String(i).padStart(12, '0')}`,
  originalFileName: `IMG_${String(i).padStart(4, '0')}.HEIC`,
  capturedAt: Date.UTC(2024, 4, 1) + i * 60_000,
  offsetMinutes: 120,
  favorite: i % 7 === 0,
  hidden: i % 50 === 0,
  albums: i % 3 === 0 ? ['Été 2024', 'Family'] : ['Family'],
})

// 1. The codec alone.
{
  const n = 20_000
  const foreign = renderXmp(meta(1)).replace('cradle:Hidden="False"', 'cradle:Hidden="False" xmlns:darktable="http://darktable.sf.net/" darktable:xmp_version="5"')
  const fresh: number[] = []
  const update: number[] = []
  for (let r = 0; r < runs; r++) {
    let t = performance.now()
    for (let i = 0; i < n; i++) renderXmp(meta(i))
    fresh.push(((performance.now() - t) * 1000) / n)
    t = performance.now()
    for (let i = 0; i < n; i++) renderXmp(meta(i), foreign)
    update.push(((performance.now() - t) * 1000) / n)
  }
  console.log(`renderXmp fresh: median ${median(fresh).toFixed(1)} µs per sidecar; update over another tool's packet: ${median(update).toFixed(1)} µs`)
}

// 2. syncSidecars over a library folder.
{
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-sidecar-bench-'))
  try {
    const items: SidecarItem[] = []
    for (let i = 0; i < files; i++) {
      const rel = `2024/2024-${String((i % 12) + 1).padStart(2, '0')}/IMG_${String(i).padStart(5, '0')}.HEIC`
      fs.mkdirSync(path.join(root, path.dirname(rel)), { recursive: true })
      fs.writeFileSync(path.join(root, rel), 'x')
      items.push({ libraryPath: rel, meta: meta(i) })
    }
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => quiet } as never
    let t = performance.now()
    const first = await syncSidecars(root, items, { log: quiet })
    const write = performance.now() - t
    t = performance.now()
    const again = await syncSidecars(root, items, { log: quiet })
    const same = performance.now() - t
    console.log(`syncSidecars, ${files} files: first pass ${(write / 1000).toFixed(2)} s (${first.written} written, each fsynced), unchanged pass ${(same / 1000).toFixed(2)} s (${again.unchanged} unchanged, 0 written)`)
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
}
