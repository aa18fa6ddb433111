/**
 * The library's catalog queries the unit tests check by operation count (issue 13): how long the
 * no-op re-check of an unchanged phone takes (library part: changedFolders + planScan with folder
 * signatures only) and how long a queue page and the queue counts take over 100,000 rows, also
 * with two destinations' uploads (Waiting and Failed then look at every upload of a file).
 *
 *   npx tsx bench/library.bench.ts [--items 50000] [--rows 100000] [--runs 5]
 */
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { folderSignature } from '../src/main/library/scan-plan.js'
import { uploadsSchema } from '../src/main/destinations/queue/uploads-schema.js'
import { tempLibrary } from '../test/integration/library/helpers.js'
import { seedQueueWithUploads } from '../test/helpers/queue-with-uploads.js'

const { values } = parseArgs({ options: { items: { type: 'string' }, rows: { type: 'string' }, runs: { type: 'string' } } })
const items = Number(values.items ?? 50_000)
const rows = Number(values.rows ?? 100_000)
const runs = Number(values.runs ?? 5)

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}
function time(fn: () => unknown): number {
  const t = performance.now()
  fn()
  return performance.now() - t
}
const ms = (x: number): string => `${x.toFixed(1)} ms`

{
  const t = tempLibrary()
  try {
    const c = t.lib.beginConnection({ udid: 'P', name: 'P' })
    const folders = 10
    const perFolder = Math.ceil(items / folders)
    const ps = Array.from({ length: folders }, (_, f) => {
      const folder = `/DCIM/${100 + f}APPLE`
      const files = Array.from({ length: perFolder }, (_, i) => {
        const ns = BigInt(1_600_000_000 + f * 100_000 + i) * 1_000_000_000n
        return { path: `${folder}/IMG_${String(i + 1).padStart(4, '0')}.HEIC`, size: 1_000_000 + i, mtimeNs: ns, birthtimeNs: ns }
      })
      return { folder, signature: folderSignature(files.map((x) => x.path.slice(folder.length + 1)), BigInt(f)), files }
    })
    t.lib.planScan('P', ps, c)
    t.lib.db.prepare("UPDATE device_files SET state = 'done'").run()
    const sigs = ps.map((p) => ({ folder: p.folder, signature: p.signature }))
    const times = Array.from({ length: runs }, (_, i) => time(() => {
      t.lib.changedFolders('P', sigs)
      t.lib.planScan('P', sigs, c + 1 + i)
    }))
    console.log(`no-op re-check of ${folders * perFolder} items (library part): median ${ms(median(times))}, best ${ms(Math.min(...times))}`)
  } finally {
    t.cleanup()
  }
}

{
  const t = tempLibrary()
  try {
    t.lib.beginConnection({ udid: 'P', name: 'P' })
    t.lib.db.exec(`
      INSERT INTO groups (id, source_udid, source_folder, source_stem, library_folder, stem, created_at) VALUES (1, 'P', '/DCIM/100APPLE', 'IMG_0001', '2024/2024-01', 'IMG_0001', 0);
      INSERT INTO assets (id, sha256, sha1, size, library_path, file_name, mime, captured_at, group_id, role, imported_at)
        VALUES (1, 'aa', 'bb', 10, '2024/2024-01/IMG_0001.HEIC', 'IMG_0001.HEIC', 'image/heic', 1700000000000, 1, 'original', 0);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
      INSERT INTO device_files (udid, path, folder, file_name, base_stem, size, mtime_ns, birthtime_ns, state, asset_id, group_id, error_code, first_seen, last_seen)
      SELECT 'P', '/DCIM/' || (100 + i / 10000) || 'APPLE/IMG_' || i || '.HEIC', '/DCIM/' || (100 + i / 10000) || 'APPLE', 'IMG_' || i || '.HEIC', 'IMG_' || i, i, i, i,
        CASE WHEN i % 10 = 0 THEN 'failed' WHEN i % 7 = 0 THEN 'not-on-phone' WHEN i % 3 = 0 THEN 'pending' ELSE 'done' END,
        CASE WHEN i % 10 != 0 AND i % 7 != 0 AND i % 3 != 0 THEN 1 END,
        CASE WHEN i % 10 != 0 AND i % 7 != 0 AND i % 3 != 0 THEN 1 END,
        CASE WHEN i % 10 = 0 THEN 'device-protocol' WHEN i % 7 = 0 THEN 'file-not-on-device' END, 0, 0
      FROM n;`)
    const cases: [string, () => unknown][] = [
      ['page at offset 90,000', () => t.lib.listQueue({ filter: 'all', offset: 90_000, limit: 100 })],
      ['first pending page', () => t.lib.listQueue({ filter: 'pending', offset: 0, limit: 100 })],
      ['failed page at offset 5,000', () => t.lib.listQueue({ filter: 'failed', offset: 5_000, limit: 100 })],
      ['search "123" among done', () => t.lib.listQueue({ filter: 'done', offset: 0, limit: 100, search: '123' })],
      ['counts', () => t.lib.queueCounts()],
    ]
    const figures = cases.map(([name, fn]) => `${name} ${ms(median(Array.from({ length: runs }, () => time(fn))))}`)
    console.log(`queue over ${rows} rows (median of ${runs}): ${figures.join(', ')}`)
  } finally {
    t.cleanup()
  }
}

{
  // The catalog as the engine opens it: every imported file an asset with an upload row for each
  // of two destinations; one refused every 4th, the other still waits for every 5th.
  const t = tempLibrary({ extraModules: [uploadsSchema] })
  try {
    t.lib.beginConnection({ udid: 'P', name: 'P' })
    seedQueueWithUploads(t.lib.db, rows, { spread: true })
    const cases: [string, () => unknown][] = [
      ['first waiting page', () => t.lib.listQueue({ filter: 'pending', offset: 0, limit: 100 })],
      ['failed page at offset 5,000', () => t.lib.listQueue({ filter: 'failed', offset: 5_000, limit: 100 })],
      ['counts', () => t.lib.queueCounts()],
    ]
    const figures = cases.map(([name, fn]) => `${name} ${ms(median(Array.from({ length: runs }, () => time(fn))))}`)
    console.log(`queue with two destinations' uploads over ${rows} rows (median of ${runs}): ${figures.join(', ')}`)
  } finally {
    t.cleanup()
  }
}
