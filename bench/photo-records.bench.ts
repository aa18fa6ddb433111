/**
 * What a phone's files and its Photos library cost to record (issue 15): the first full listing
 * (planScan of new files; every name goes through naming.ts phoneFileName) and a read of the
 * Photos library (recordPhotoLibrary; album ids keep their former titles). `--root` runs another
 * checkout's code (a worktree of an earlier commit), so before and after can be interleaved.
 *
 *   npx tsx bench/photo-records.bench.ts [--items 100000] [--runs 3] [--root DIR]
 */
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type * as HelpersModule from '../test/integration/library/helpers.js'
import type * as ScanPlanModule from '../src/main/library/scan-plan.js'
import type * as StoreModule from '../src/main/photos/catalog-photo-store.js'

const { values } = parseArgs({ options: { items: { type: 'string' }, runs: { type: 'string' }, root: { type: 'string' } } })
const items = Number(values.items ?? 100_000)
const runs = Number(values.runs ?? 3)
const root = path.resolve(values.root ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'))

const { tempLibrary } = (await import(path.join(root, 'test/integration/library/helpers.ts'))) as typeof HelpersModule
const { folderSignature } = (await import(path.join(root, 'src/main/library/scan-plan.ts'))) as typeof ScanPlanModule
const { recordPhotoLibrary } = (await import(path.join(root, 'src/main/photos/catalog-photo-store.ts'))) as typeof StoreModule

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ms = (xs: number[]): string => `median ${median(xs).toFixed(0)} ms (${xs.map((v) => v.toFixed(0)).join(', ')})`
const scan: number[] = []
const firstRead: number[] = []
const reRead: number[] = []
for (let r = 0; r < runs; r++) {
  const t = tempLibrary()
  try {
    const c = t.lib.beginConnection({ udid: 'P', name: 'P' })
    const folders = 10
    const per = Math.ceil(items / folders)
    const ps = Array.from({ length: folders }, (_, f) => {
      const folder = `/DCIM/${100 + f}APPLE`
      const files = Array.from({ length: per }, (_, i) => {
        const ns = BigInt(1_600_000_000 + f * 100_000 + i) * 1_000_000_000n
        return { path: `${folder}/IMG_${String(i + 1).padStart(4, '0')}.HEIC`, size: 1_000_000 + i, mtimeNs: ns, birthtimeNs: ns }
      })
      return { folder, signature: folderSignature(files.map((x) => x.path.slice(folder.length + 1)), BigInt(f)), files }
    })
    let t0 = performance.now()
    t.lib.planScan('P', ps, c)
    scan.push(performance.now() - t0)
    // A fifth of the assets in two albums, as the simulator's roll has them.
    const records = ps.flatMap((p) => p.files).map((f, i) => ({
      uuid: `U${i}`, originalFileName: f.path.slice(f.path.lastIndexOf('/') + 1), capturedAt: 0, offsetMinutes: 0, favorite: false, hidden: false,
      albums: i % 5 === 0 ? ['Berlin', 'Été 2024 🌊'] : [],
      albumRefs: i % 5 === 0 ? [{ uuid: 'A1', title: 'Berlin' }, { uuid: 'A2', title: 'Été 2024 🌊' }] : [],
      kind: 'photo' as const, trashed: false, iCloudOnly: false, phonePath: f.path, files: [{ path: f.path, role: 'original' as const }],
    }))
    t0 = performance.now()
    recordPhotoLibrary(t.lib.db, 'P', records, 1)
    firstRead.push(performance.now() - t0)
    t0 = performance.now()
    recordPhotoLibrary(t.lib.db, 'P', records, 2)
    reRead.push(performance.now() - t0)
  } finally {
    t.cleanup()
  }
}
console.log(`${root}: ${items} files`)
console.log(`  first listing recorded (planScan, all new): ${ms(scan)}`)
console.log(`  Photos library recorded, first read: ${ms(firstRead)}`)
console.log(`  Photos library recorded, re-read: ${ms(reRead)}`)
