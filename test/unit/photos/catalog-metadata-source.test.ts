import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openCatalogDb, type Db } from '../../../src/main/library/catalog-db.js'
import { librarySchema } from '../../../src/main/library/schema.js'
import { recordPhotoLibrary, type PhotoRecord } from '../../../src/main/photos/catalog-photo-store.js'
import { CatalogMetadataSource } from '../../../src/main/photos/catalog-metadata-source.js'

const UDID = '00008110-0000000000000001'

let dir: string
let db: Db

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-photos-'))
  db = openCatalogDb(path.join(dir, 'catalog.sqlite'), [librarySchema])
  db.prepare("INSERT INTO devices (udid, name, first_seen, last_seen) VALUES (?, 'iPhone', 0, 0)").run(UDID)
})
afterEach(() => {
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** An imported file the way the import pipeline leaves it: group, asset, device file pointing at it. */
function imported(phonePath: string, sha: string, state: 'done' | 'duplicate' = 'done', assetId?: number): number {
  const g = Number(db.prepare(`INSERT INTO groups (source_udid, source_folder, source_stem, library_folder, stem, created_at)
    VALUES (?, '/DCIM/100APPLE', ?, '2024/2024-07', ?, 0)`).run(UDID, sha, sha).lastInsertRowid)
  const id = assetId ?? Number(db.prepare(`INSERT INTO assets (sha256, sha1, size, library_path, file_name, mime, group_id, role, imported_at)
    VALUES (?, 'x', 1, ?, ?, 'image/heic', ?, 'original', 0)`).run(sha, `2024/2024-07/${sha}`, sha, g).lastInsertRowid)
  db.prepare(`INSERT INTO device_files (udid, path, folder, file_name, base_stem, size, mtime_ns, birthtime_ns, state, asset_id, group_id, first_seen, last_seen)
    VALUES (?, ?, ?, ?, ?, 1, '1', '1', ?, ?, ?, 0, 0)`).run(UDID, phonePath, path.posix.dirname(phonePath), path.posix.basename(phonePath), sha, state, id, g)
  return id
}

const record = (o: Partial<PhotoRecord> & Pick<PhotoRecord, 'uuid' | 'files'>): PhotoRecord => ({
  originalFileName: 'IMG_0001.HEIC', capturedAt: Date.UTC(2024, 6, 14, 10), offsetMinutes: 120, favorite: false, hidden: false,
  albums: [], kind: 'photo', trashed: false, iCloudOnly: false, phonePath: o.files[0]?.path ?? null, ...o,
})

describe('CatalogMetadataSource', () => {
  it('describes an imported photo and its Live Photo video from what the reader recorded', () => {
    const photo = imported('/DCIM/100APPLE/IMG_0001.HEIC', 'a')
    const motion = imported('/DCIM/100APPLE/IMG_0001.MOV', 'b')
    recordPhotoLibrary(db, UDID, [record({
      uuid: 'U1', favorite: true, hidden: true, albums: ['Été 2024 🌊', 'Berlin', 'Berlin'],
      albumRefs: [{ uuid: 'A-1', title: 'Berlin' }, { uuid: 'A-2', title: 'Été 2024 🌊' }],
      files: [{ path: '/DCIM/100APPLE/IMG_0001.HEIC', role: 'original' }, { path: '/DCIM/100APPLE/IMG_0001.MOV', role: 'motion' }],
    })], 1000)
    const source = new CatalogMetadataSource(db)
    const expected = {
      uuid: 'U1', originalFileName: 'IMG_0001.HEIC', capturedAt: Date.UTC(2024, 6, 14, 10), offsetMinutes: 120,
      favorite: true, hidden: true, albums: ['Berlin', 'Été 2024 🌊'],
      // The albums' Photos ids come back too: what lets a destination follow a rename.
      albumRefs: [{ uuid: 'A-1', title: 'Berlin' }, { uuid: 'A-2', title: 'Été 2024 🌊' }],
    }
    expect(source.forAsset(photo)).toEqual(expected)
    expect(source.forAsset(motion)).toEqual(expected)
  })

  it('returns null for an asset the database did not describe, and for an unknown id', () => {
    const other = imported('/DCIM/100APPLE/IMG_0002.HEIC', 'c')
    recordPhotoLibrary(db, UDID, [record({ uuid: 'U1', files: [{ path: '/DCIM/100APPLE/IMG_0001.HEIC', role: 'original' }] })], 1000)
    const source = new CatalogMetadataSource(db)
    expect(source.forAsset(other)).toBeNull()
    expect(source.forAsset(9999)).toBeNull()
  })

  it('follows the phone: a later read replaces favorites and albums instead of adding to them', () => {
    const photo = imported('/DCIM/100APPLE/IMG_0001.HEIC', 'a')
    const files = [{ path: '/DCIM/100APPLE/IMG_0001.HEIC', role: 'original' as const }]
    recordPhotoLibrary(db, UDID, [record({ uuid: 'U1', favorite: true, albums: ['A', 'B'], files })], 1000)
    recordPhotoLibrary(db, UDID, [record({ uuid: 'U1', favorite: false, albums: ['B'], files })], 2000)
    expect(new CatalogMetadataSource(db).forAsset(photo)).toMatchObject({ favorite: false, albums: ['B'] })
    expect(db.prepare('SELECT COUNT(*) AS n FROM photo_assets').get()).toEqual({ n: 1 })
  })

  it('keeps the titles an album id had in earlier reads, newest first, so a destination can find the album it made under one', () => {
    const photo = imported('/DCIM/100APPLE/IMG_0001.HEIC', 'a')
    const files = [{ path: '/DCIM/100APPLE/IMG_0001.HEIC', role: 'original' as const }]
    const read = (title: string, at: number): void =>
      recordPhotoLibrary(db, UDID, [record({ uuid: 'U1', albums: [title, 'Berlin'], albumRefs: [{ uuid: 'A-1', title }, { uuid: 'A-2', title: 'Berlin' }], files })], at)
    read('Trip', 1000)
    read('Trip', 1500)
    expect(new CatalogMetadataSource(db).forAsset(photo)?.albumRefs).toEqual([{ uuid: 'A-1', title: 'Trip' }, { uuid: 'A-2', title: 'Berlin' }])
    read('Rome', 2000)
    read('Rome, spring', 3000)
    expect(new CatalogMetadataSource(db).forAsset(photo)?.albumRefs).toEqual([
      { uuid: 'A-1', title: 'Rome, spring', formerTitles: ['Rome', 'Trip'] }, { uuid: 'A-2', title: 'Berlin' },
    ])
    // Back to an earlier title: that one is the title now, not a former one.
    read('Trip', 4000)
    expect(new CatalogMetadataSource(db).forAsset(photo)?.albumRefs?.[0]).toEqual({ uuid: 'A-1', title: 'Trip', formerTitles: ['Rome, spring', 'Rome'] })
  })

  it('keeps the metadata of an asset the phone no longer lists (the library keeps the file)', () => {
    const photo = imported('/DCIM/100APPLE/IMG_0001.HEIC', 'a')
    recordPhotoLibrary(db, UDID, [record({ uuid: 'U1', favorite: true, files: [{ path: '/DCIM/100APPLE/IMG_0001.HEIC', role: 'original' }] })], 1000)
    recordPhotoLibrary(db, UDID, [], 2000)
    expect(new CatalogMetadataSource(db).forAsset(photo)).toMatchObject({ uuid: 'U1', favorite: true })
    expect(db.prepare('SELECT present FROM photo_assets').get()).toEqual({ present: 0 })
  })

  it('a duplicate device file (same bytes under another path) does not hide the file that was imported', () => {
    const photo = imported('/DCIM/100APPLE/IMG_0001.HEIC', 'a')
    imported('/DCIM/101APPLE/IMG_0500.HEIC', 'dup', 'duplicate', photo)
    recordPhotoLibrary(db, UDID, [
      record({ uuid: 'U1', favorite: true, files: [{ path: '/DCIM/100APPLE/IMG_0001.HEIC', role: 'original' }] }),
      record({ uuid: 'U2', originalFileName: 'IMG_0500.HEIC', files: [{ path: '/DCIM/101APPLE/IMG_0500.HEIC', role: 'original' }] }),
    ], 1000)
    expect(new CatalogMetadataSource(db).forAsset(photo)).toMatchObject({ uuid: 'U1' })
  })
})
