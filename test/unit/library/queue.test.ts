import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempLibrary, type TempLibrary } from '../../integration/library/helpers.js'
import { countStatements } from '../../helpers/statement-counter.js'
import { seedQueueWithUploads } from '../../helpers/queue-with-uploads.js'
import { uploadsSchema } from '../../../src/main/destinations/queue/uploads-schema.js'

let t: TempLibrary
const N = 100_000

beforeAll(() => {
  t = tempLibrary()
  t.lib.beginConnection({ udid: 'P', name: 'Ann’s iPhone' })
  // 100,000 rows, states spread: every 10th failed, every 7th not on the phone, 1 in 3 still pending.
  t.lib.db.exec(`
    INSERT INTO groups (id, source_udid, source_folder, source_stem, library_folder, stem, created_at) VALUES (1, 'P', '/DCIM/100APPLE', 'IMG_0001', '2024/2024-01', 'IMG_0001', 0);
    INSERT INTO assets (id, sha256, sha1, size, library_path, file_name, mime, captured_at, group_id, role, imported_at)
      VALUES (1, 'aa', 'bb', 10, '2024/2024-01/IMG_0001.HEIC', 'IMG_0001.HEIC', 'image/heic', 1700000000000, 1, 'original', 0);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
    INSERT INTO device_files (udid, path, folder, file_name, base_stem, size, mtime_ns, birthtime_ns, state, asset_id, group_id, error_code, first_seen, last_seen)
    SELECT 'P', '/DCIM/' || (100 + i / 10000) || 'APPLE/IMG_' || i || '.HEIC', '/DCIM/' || (100 + i / 10000) || 'APPLE', 'IMG_' || i || '.HEIC', 'IMG_' || i, i, i, i,
      CASE WHEN i % 10 = 0 THEN 'failed' WHEN i % 7 = 0 THEN 'not-on-phone' WHEN i % 3 = 0 THEN 'pending' ELSE 'done' END,
      CASE WHEN i % 10 != 0 AND i % 7 != 0 AND i % 3 != 0 THEN 1 END,
      CASE WHEN i % 10 != 0 AND i % 7 != 0 AND i % 3 != 0 THEN 1 END,
      CASE WHEN i % 10 = 0 THEN 'device-protocol' WHEN i % 7 = 0 THEN 'file-not-on-device' END, 0, 0
    FROM n;`)
})
afterAll(() => t.cleanup())

describe('queue pages over 100,000 rows', () => {
  it('counts every filter', () => {
    const failed = N / 10
    const notOnPhone = Math.floor(N / 7) - Math.floor(N / 70)
    const pending = Math.floor(N / 3) - Math.floor(N / 30) - Math.floor(N / 21) + Math.floor(N / 210)
    expect(t.lib.queueCounts()).toEqual({ all: N, failed, notOnPhone, pending, done: N - failed - notOnPhone - pending, importFailed: failed, importPending: pending })
  })

  it('returns stable pages in discovery order with rows shaped for the UI', () => {
    const p1 = t.lib.listQueue({ filter: 'all', offset: 0, limit: 3 })
    expect(p1.total).toBe(N)
    expect(p1.items.map((i) => i.id)).toEqual(['1', '2', '3'])
    expect(p1.items[0]).toEqual({
      id: '1', udid: 'P', fileName: 'IMG_1.HEIC', groupKind: 'single', size: 1, sourceName: 'Ann’s iPhone', importState: 'done',
      importPercent: null, error: null, capturedAt: 1700000000000, libraryPath: '2024/2024-01/IMG_0001.HEIC', thumbnail: false, assetId: 1, libraryCopy: { damage: null, verifiedAt: null }, favorite: false, albums: [],
    })
    expect(t.lib.listQueue({ filter: 'all', offset: 2, limit: 2 }).items.map((i) => i.id)).toEqual(['3', '4'])
    const failed = t.lib.listQueue({ filter: 'failed', offset: 0, limit: 2 })
    expect(failed.items.map((i) => [i.id, i.importState, i.error?.code])).toEqual([['10', 'failed', 'device-protocol'], ['20', 'failed', 'device-protocol']])
    expect(t.lib.listQueue({ filter: 'not-on-phone', offset: 0, limit: 1 }).items[0]).toMatchObject({ id: '7', error: { code: 'file-not-on-device' } })
  })

  it('searches by file name, treating % and _ literally', () => {
    const page = t.lib.listQueue({ filter: 'all', offset: 0, limit: 50, search: 'IMG_9999' })
    expect(page.items.map((i) => i.fileName)).toEqual(['IMG_9999.HEIC', 'IMG_99990.HEIC', 'IMG_99991.HEIC', 'IMG_99992.HEIC', 'IMG_99993.HEIC', 'IMG_99994.HEIC', 'IMG_99995.HEIC', 'IMG_99996.HEIC', 'IMG_99997.HEIC', 'IMG_99998.HEIC', 'IMG_99999.HEIC'])
    expect(t.lib.listQueue({ filter: 'all', offset: 0, limit: 5, search: '%' }).total).toBe(0)
  })

  it('leaves files that left the phone unimported out of the queue, but keeps what is safe', () => {
    t.lib.db.prepare('UPDATE device_files SET present = 0 WHERE id IN (1, 3)').run()
    expect(t.lib.listQueue({ filter: 'all', offset: 0, limit: 3 }).items.map((i) => i.id)).toEqual(['1', '2', '4'])
    t.lib.db.prepare('UPDATE device_files SET present = 1 WHERE id IN (1, 3)').run()
  })

  it('answers a page and the counts without reading the whole queue (speed: bench/library.bench.ts)', () => {
    const pages = [
      () => t.lib.listQueue({ filter: 'all', offset: 90_000, limit: 100 }),
      () => t.lib.listQueue({ filter: 'pending', offset: 0, limit: 100 }),
      () => t.lib.listQueue({ filter: 'failed', offset: 5_000, limit: 100 }),
      () => t.lib.listQueue({ filter: 'done', offset: 0, limit: 100, search: '123' }),
    ]
    for (const page of pages) {
      const { value, counts } = countStatements(t.lib.db, page)
      expect(value.items.length).toBeLessThanOrEqual(100)
      // A page is a few statements and about a page of rows (plus the total), never the 100,000.
      expect(counts.executions).toBeLessThanOrEqual(5)
      expect(counts.rows).toBeLessThanOrEqual(value.items.length + 5)
    }
    expect(countStatements(t.lib.db, pages[0]!).value).toMatchObject({ total: N, items: { length: 100 } })
    const counts = countStatements(t.lib.db, () => t.lib.queueCounts()).counts
    expect(counts.rows).toBeLessThanOrEqual(10)
  })

})

describe('Waiting and Failed with uploads (the catalog the engine opens)', () => {
  let u: TempLibrary
  const M = 20_000
  beforeAll(() => {
    u = tempLibrary({ extraModules: [uploadsSchema] })
    u.lib.beginConnection({ udid: 'P', name: 'Ann’s iPhone' })
    seedQueueWithUploads(u.lib.db, M)
  })
  afterAll(() => u.cleanup())

  const ids = (filter: 'pending' | 'failed') => u.lib.listQueue({ filter, offset: 0, limit: M }).items.map((i) => Number(i.id))
  const range = (pred: (i: number) => boolean) => Array.from({ length: M }, (_, k) => k + 1).filter(pred)
  const imported = (i: number) => i % 10 !== 0 && i % 3 !== 0

  it('lists a file under Failed when its import or any upload failed, under Waiting when either waits', () => {
    expect(ids('failed')).toEqual(range((i) => i % 10 === 0 || (imported(i) && i % 4 === 0)))
    expect(ids('pending')).toEqual(range((i) => (i % 10 !== 0 && i % 3 === 0) || (imported(i) && i % 5 === 0)))
  })

  it('counts what the filters list, and the imports alone', () => {
    const c = u.lib.queueCounts()
    expect(c).toMatchObject({
      all: M,
      failed: ids('failed').length,
      pending: ids('pending').length,
      importFailed: range((i) => i % 10 === 0).length,
      importPending: range((i) => i % 10 !== 0 && i % 3 === 0).length,
      done: range(imported).length,
    })
    expect(u.lib.listQueue({ filter: 'failed', offset: 0, limit: 1 }).total).toBe(c.failed)
    expect(countStatements(u.lib.db, () => u.lib.queueCounts()).counts.rows).toBeLessThanOrEqual(10)
  })
})
