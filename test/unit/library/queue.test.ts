import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempLibrary, type TempLibrary } from '../../integration/library/helpers.js'
import { countStatements } from '../../helpers/statement-counter.js'
import { seedQueueWithUploads } from '../../helpers/queue-with-uploads.js'
import { uploadsSchema } from '../../../src/main/destinations/queue/uploads-schema.js'
import type { QueueFilter } from '../../../src/shared/state.js'
import { migrate } from '../../../src/main/library/catalog-db.js'
import { librarySchema } from '../../../src/main/library/schema.js'
import { listQueue, queueCounts } from '../../../src/main/library/queue.js'

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
      importPercent: null, error: null, capturedAt: 1700000000000, libraryPath: '2024/2024-01/IMG_0001.HEIC', thumbnail: false, libraryCopy: { damage: null, verifiedAt: null }, favorite: false, albums: [],
      files: [{ id: '1', fileName: 'IMG_1.HEIC', size: 1, importState: 'done', importPercent: null, error: null, libraryPath: '2024/2024-01/IMG_0001.HEIC', assetId: 1 }],
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

describe('one row per photo: a Live Photo, an edit and its .AAE are one family of files', () => {
  let f: TempLibrary
  beforeAll(() => {
    f = tempLibrary({ extraModules: [uploadsSchema] })
    const connection = f.lib.beginConnection({ udid: 'P', name: 'Ann’s iPhone' })
    const folder = '/DCIM/100APPLE'
    // Listed in name order, as a phone lists them: the .AAE comes before its photo.
    const names = ['IMG_0001.HEIC', 'IMG_0001.MOV', 'IMG_0002.AAE', 'IMG_0002.JPG', 'IMG_E0002.JPG', 'IMG_0003.JPG', 'IMG_0004.HEIC', 'IMG_0004.MOV', 'IMG_0005.MOV']
    const files = names.map((name, i) => ({ path: `${folder}/${name}`, size: 100 + i, mtimeNs: BigInt(i + 1) * 1_000_000_000n, birthtimeNs: BigInt(i + 1) * 1_000_000_000n }))
    f.lib.planScan('P', [{ folder, signature: 's1', files }], connection)
    const set = f.lib.db.prepare('UPDATE device_files SET state = ?, error_code = ? WHERE file_name = ?')
    // IMG_0001: both in the library. IMG_0002: the edit failed. IMG_0003: waits. IMG_0004: the video only in iCloud. IMG_0005: in the library.
    for (const n of ['IMG_0001.HEIC', 'IMG_0001.MOV', 'IMG_0002.AAE', 'IMG_0002.JPG', 'IMG_0004.HEIC', 'IMG_0005.MOV']) set.run('done', null, n)
    set.run('failed', 'device-protocol', 'IMG_E0002.JPG')
    set.run('not-on-phone', 'file-not-on-device', 'IMG_0004.MOV')
  })
  afterAll(() => f.cleanup())

  const page = (filter: QueueFilter, search?: string) => f.lib.listQueue({ filter, offset: 0, limit: 50, ...(search ? { search } : {}) })

  it('lists one row per photo, main file first, with its files and the family’s state', () => {
    const all = page('all')
    expect(all.total).toBe(5)
    expect(all.items.map((i) => [i.fileName, i.groupKind, i.importState, i.files.map((x) => `${x.fileName} ${x.importState}`)])).toEqual([
      ['IMG_0001.HEIC', 'live', 'done', ['IMG_0001.HEIC done', 'IMG_0001.MOV done']],
      ['IMG_0002.JPG', 'edited', 'failed', ['IMG_0002.JPG done', 'IMG_E0002.JPG failed', 'IMG_0002.AAE done']],
      ['IMG_0003.JPG', 'single', 'pending', ['IMG_0003.JPG pending']],
      ['IMG_0004.HEIC', 'live', 'not-on-phone', ['IMG_0004.HEIC done', 'IMG_0004.MOV not-on-phone']],
      ['IMG_0005.MOV', 'single', 'done', ['IMG_0005.MOV done']],
    ])
    // The row is its still (its thumbnail), its size the family's, its error the file that failed.
    const edited = all.items[1]!
    expect(edited.id).toBe(edited.files[0]!.id)
    expect(edited.size).toBe(103 + 104 + 102)
    expect(edited.error?.code).toBe('device-protocol')
    expect(all.items[3]!.error?.code).toBe('file-not-on-device')
  })

  it('counts photos, not files, and each filter lists what its count says', () => {
    const c = f.lib.queueCounts()
    expect(c).toEqual({ all: 5, failed: 1, pending: 1, notOnPhone: 1, done: 2, importFailed: 1, importPending: 1 })
    expect(page('failed').items.map((i) => i.fileName)).toEqual(['IMG_0002.JPG'])
    expect(page('pending').items.map((i) => i.fileName)).toEqual(['IMG_0003.JPG'])
    expect(page('not-on-phone').items.map((i) => i.fileName)).toEqual(['IMG_0004.HEIC'])
    expect(page('done').items.map((i) => i.fileName)).toEqual(['IMG_0001.HEIC', 'IMG_0005.MOV'])
    expect(page('done').total).toBe(c.done)
  })

  it('finds a photo by any of its files, and shows all of them', () => {
    const found = page('all', 'IMG_E0002')
    expect(found.total).toBe(1)
    expect(found.items[0]!.files.map((x) => x.fileName)).toEqual(['IMG_0002.JPG', 'IMG_E0002.JPG', 'IMG_0002.AAE'])
  })

  it('keeps a file found later (an edit made since the last backup) in its photo’s row', () => {
    const connection = f.lib.beginConnection({ udid: 'P', name: 'Ann’s iPhone' })
    const ns = 99n * 1_000_000_000n
    const folder = '/DCIM/100APPLE'
    const files = f.lib.db.prepare<[], { path: string; size: number; mtime_ns: string; birthtime_ns: string }>('SELECT path, size, mtime_ns, birthtime_ns FROM device_files').all()
      .map((r) => ({ path: r.path, size: r.size, mtimeNs: BigInt(r.mtime_ns), birthtimeNs: BigInt(r.birthtime_ns) }))
    f.lib.planScan('P', [{ folder, signature: 's2', files: [...files, { path: `${folder}/IMG_0001.AAE`, size: 7, mtimeNs: ns, birthtimeNs: ns }] }], connection)
    const live = page('all').items[0]!
    expect([live.groupKind, live.importState, live.files.map((x) => x.fileName)]).toEqual(['edited', 'pending', ['IMG_0001.HEIC', 'IMG_0001.MOV', 'IMG_0001.AAE']])
    expect(f.lib.queueCounts()).toMatchObject({ all: 5, pending: 2, done: 1 })
  })

  it('keeps a rendered edit Photos keeps under /PhotoData/Mutations in its original’s row', () => {
    const connection = f.lib.beginConnection({ udid: 'P', name: 'Ann’s iPhone' })
    const folder = '/PhotoData/Mutations/DCIM/100APPLE'
    const ns = 98n * 1_000_000_000n
    const render = { path: `${folder}/IMG_0003/Adjustments/FullSizeRender.jpg`, name: 'IMG_E0003.JPG', size: 9, mtimeNs: ns, birthtimeNs: ns }
    // A scan lists every folder of the source: DCIM as it was, and the Mutations folder.
    const dcim = f.lib.db.prepare<[], { path: string; size: number; mtime_ns: string; birthtime_ns: string }>("SELECT path, size, mtime_ns, birthtime_ns FROM device_files WHERE folder = '/DCIM/100APPLE'").all()
      .map((r) => ({ path: r.path, size: r.size, mtimeNs: BigInt(r.mtime_ns), birthtimeNs: BigInt(r.birthtime_ns) }))
    f.lib.planScan('P', [{ folder: '/DCIM/100APPLE', signature: 's3', files: dcim }, { folder, signature: 'm1', files: [render] }], connection)
    const row = page('all', '0003').items
    expect(row.map((i) => [i.fileName, i.groupKind, i.files.map((x) => x.fileName)])).toEqual([['IMG_0003.JPG', 'edited', ['IMG_0003.JPG', 'IMG_E0003.JPG']]])
    expect(f.lib.queueCounts().all).toBe(5)
  })

  it('counts a photo once under Failed and Waiting when several of its files wait for, or failed at, a destination', () => {
    f.lib.db.exec(`
      INSERT INTO groups (id, source_udid, source_folder, source_stem, library_folder, stem, created_at) VALUES (1, 'P', '/DCIM/100APPLE', 'IMG_0005', '2024', 'IMG_0005', 0);
      INSERT INTO assets (id, sha256, sha1, size, library_path, file_name, mime, group_id, role, imported_at)
        SELECT id, 'h' || id, 's' || id, size, '2024/' || file_name, file_name, 'image/heic', 1, 'original', 0 FROM device_files WHERE state = 'done';
      UPDATE device_files SET asset_id = id WHERE state = 'done';
      INSERT INTO upload_destinations (id, name, kind, config_json, created_at) VALUES ('nas', 'NAS', 'folder', '{}', 0);
      INSERT INTO uploads (destination_id, asset_id, state, updated_at) SELECT 'nas', id, CASE WHEN file_name LIKE 'IMG_0005%' THEN 'pending' ELSE 'failed' END, 0 FROM assets;`)
    // Failed: IMG_0002 (import), IMG_0001 and IMG_0004 (both files refused by NAS: counted once). Waiting: IMG_0001 (its new .AAE), IMG_0003, IMG_0005 (upload).
    expect(f.lib.queueCounts()).toMatchObject({ all: 5, failed: 3, pending: 3, importFailed: 1, importPending: 2 })
    expect(page('failed').items.map((i) => i.fileName)).toEqual(['IMG_0001.HEIC', 'IMG_0002.JPG', 'IMG_0004.HEIC'])
    expect(page('pending').items.map((i) => i.fileName)).toEqual(['IMG_0001.HEIC', 'IMG_0003.JPG', 'IMG_0005.MOV'])
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

describe('the catalog migration that stores families', () => {
  it('gives the files of a catalog made before it their family and the family its state', () => {
    const db = new Database(':memory:')
    try {
      migrate(db, [{ name: 'library', migrations: librarySchema.migrations.slice(0, 6) }])
      db.exec(`
        INSERT INTO devices (udid, name, first_seen, last_seen) VALUES ('P', 'Ann', 0, 0);
        INSERT INTO device_files (udid, path, folder, file_name, base_stem, size, mtime_ns, birthtime_ns, state, first_seen, last_seen) VALUES
          ('P', '/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/100APPLE', 'IMG_0001.HEIC', 'IMG_0001', 1, '1', '1', 'done', 0, 0),
          ('P', '/DCIM/100APPLE/IMG_0002.HEIC', '/DCIM/100APPLE', 'IMG_0002.HEIC', 'IMG_0002', 1, '1', '1', 'pending', 0, 0),
          ('P', '/DCIM/100APPLE/IMG_0001.MOV', '/DCIM/100APPLE', 'IMG_0001.MOV', 'IMG_0001', 1, '1', '1', 'failed', 0, 0),
          ('P', '/DCIM/101APPLE/IMG_0001.HEIC', '/DCIM/101APPLE', 'IMG_0001.HEIC', 'IMG_0001', 1, '1', '1', 'done', 0, 0);`)
      migrate(db, [librarySchema])
      expect(db.prepare('SELECT id, family_id FROM device_files ORDER BY id').all()).toEqual([
        { id: 1, family_id: 1 }, { id: 2, family_id: 2 }, { id: 3, family_id: 1 }, { id: 4, family_id: 4 },
      ])
      expect(queueCounts(db)).toMatchObject({ all: 3, failed: 1, pending: 1, done: 1 })
      // Then the triggers keep them: the Live Photo's video imported at last.
      db.prepare("UPDATE device_files SET state = 'done' WHERE id = 3").run()
      expect(queueCounts(db)).toMatchObject({ all: 3, failed: 0, pending: 1, done: 2 })
      expect(listQueue(db, { filter: 'done', offset: 0, limit: 10 }).items.map((i) => i.files.map((f) => f.id))).toEqual([['1', '3'], ['4']])
    } finally {
      db.close()
    }
  })
})
