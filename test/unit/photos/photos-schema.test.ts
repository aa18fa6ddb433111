import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeLibrary, readLibrary, toAsset, type AssetRow } from '../../../src/main/photos/photos-schema.js'
import { writePhotosDb, type DbAsset } from '../../../src/sim/photos/photos-db.js'
import { PHOTOS_SCHEMAS, SCHEMAS, type PhotosSchema } from '../../../src/sim/photos/schemas.js'

let dir: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photos-schema-'))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const base: DbAsset = {
  uuid: 'U-1', directory: 'DCIM/100APPLE', filename: 'IMG_0001.HEIC', originalFileName: 'IMG_0001.HEIC', kind: 0, kindSubtype: 0,
  createdUtcMs: Date.UTC(2024, 6, 14, 8, 30, 5), offsetMinutes: 120, favorite: false, hidden: false, trashed: false,
  localOriginal: true, hasAdjustments: false, albums: [], inWal: false,
}
const ASSETS: DbAsset[] = [
  { ...base, favorite: true, albums: [0, 1], kindSubtype: 2 },
  { ...base, uuid: 'U-2', filename: 'IMG_0002.MOV', originalFileName: 'IMG_0002.MOV', kind: 1, hidden: true, albums: [1] },
  { ...base, uuid: 'U-3', filename: 'IMG_0003.JPG', originalFileName: 'IMG_0003.JPG', trashed: true, hasAdjustments: true },
  { ...base, uuid: 'U-4', directory: 'PhotoData/CPLAssets/group338', filename: 'U-4.JPG', originalFileName: 'IMG_7421.JPG', inWal: true, albums: [0] },
  { ...base, uuid: 'U-5', directory: 'PhotoData/CPLAssets/group12', filename: 'U-5.HEIC', originalFileName: 'IMG_7422.HEIC', localOriginal: false, inWal: true },
  // A shared album's asset lives outside the camera roll: not Cradle's to back up.
  { ...base, uuid: 'U-6', directory: 'PhotoData/PhotoCloudSharingData/4/ABC', filename: 'IMG_9.JPG', originalFileName: 'IMG_9.JPG' },
]
const ALBUMS = [{ uuid: 'A-1', title: 'Berlin' }, { uuid: 'A-2', title: 'Été 2024 🌊' }]

function build(schema: PhotosSchema): Database.Database {
  const d = fs.mkdtempSync(path.join(dir, `${schema}-`))
  writePhotosDb(d, schema, ASSETS, ALBUMS)
  return new Database(path.join(d, 'Photos.sqlite'))
}

describe('describeLibrary / readLibrary', () => {
  it.each(PHOTOS_SCHEMAS)('%s: finds the tables from Z_PRIMARYKEY and reads every camera-roll asset, the -wal rows too', (schema) => {
    const db = build(schema)
    try {
      const map = describeLibrary(db)
      if ('unknown' in map) throw new Error(map.unknown)
      const shape = SCHEMAS[schema]
      expect(map.assetTable).toBe(shape.assetTable)
      expect(map.join).toEqual({ table: `Z_${shape.albumEnt}ASSETS`, albumColumn: `Z_${shape.albumEnt}ALBUMS`, assetColumn: `Z_${shape.assetRootEnt}ASSETS` })
      const model = readLibrary(db, map)
      expect(model.assets.map((a) => a.uuid)).toEqual(['U-1', 'U-2', 'U-3', 'U-4', 'U-5'])
      const [live, video, trashed, cpl, cloudOnly] = model.assets
      expect(live).toEqual({
        uuid: 'U-1', phonePath: '/DCIM/100APPLE/IMG_0001.HEIC', originalFileName: 'IMG_0001.HEIC', kind: 'photo', livePhoto: true,
        motionPath: '/DCIM/100APPLE/IMG_0001.MOV', adjustmentsDir: null, capturedAt: Date.UTC(2024, 6, 14, 8, 30, 5), offsetMinutes: 120,
        favorite: true, hidden: false, trashed: false, iCloudOnly: false, albums: ['Berlin', 'Été 2024 🌊'],
        // Photos' own album ids, which a rename on the phone keeps.
        albumRefs: [{ uuid: 'A-1', title: 'Berlin' }, { uuid: 'A-2', title: 'Été 2024 🌊' }],
      })
      expect(video).toMatchObject({ kind: 'video', hidden: true, albums: ['Été 2024 🌊'], livePhoto: false, motionPath: null })
      expect(trashed).toMatchObject({ trashed: true, albums: [], adjustmentsDir: '/PhotoData/Mutations/DCIM/100APPLE/IMG_0003/Adjustments' })
      expect(cpl).toMatchObject({ phonePath: '/PhotoData/CPLAssets/group338/U-4.JPG', originalFileName: 'IMG_7421.JPG', iCloudOnly: false, albums: ['Berlin'] })
      expect(cloudOnly).toMatchObject({ iCloudOnly: true })
    } finally {
      db.close()
    }
  })

  it('says why a database of another shape cannot be read', () => {
    const db = new Database(':memory:')
    expect(describeLibrary(db)).toEqual({ unknown: expect.stringContaining('Z_PRIMARYKEY') })
    db.exec("CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER, Z_NAME TEXT, Z_SUPER INTEGER, Z_MAX INTEGER); INSERT INTO Z_PRIMARYKEY VALUES (3, 'Asset', 0, 0)")
    expect(describeLibrary(db)).toEqual({ unknown: expect.stringContaining('ZASSET') })
    db.exec('CREATE TABLE ZASSET (Z_PK INTEGER PRIMARY KEY, ZUUID TEXT, ZFILENAME TEXT)')
    expect(describeLibrary(db)).toEqual({ unknown: expect.stringContaining('ZDIRECTORY') })
    db.close()
  })

  it('reads assets without albums when the join table is not where Z_PRIMARYKEY says', () => {
    const db = build('ios17')
    try {
      db.exec('DROP TABLE Z_28ASSETS')
      const map = describeLibrary(db)
      if ('unknown' in map) throw new Error(map.unknown)
      expect(map.join).toBeNull()
      expect(readLibrary(db, map).assets[0]!.albums).toEqual([])
    } finally {
      db.close()
    }
  })
})

describe('toAsset', () => {
  const row: AssetRow = {
    pk: 1, uuid: 'U', directory: 'DCIM/100APPLE/', filename: 'IMG_0001.HEIC', kind: 0, subtype: 0, adjusted: 0, created: 0, favorite: 0, hidden: 0,
    trashed: 0, original: null, offset: null, originals: null, local: null,
  }
  it('dates from Core Data seconds (2001-01-01) and falls back to the file name without an original name', () => {
    expect(toAsset(row, [])).toMatchObject({ capturedAt: Date.UTC(2001, 0, 1), originalFileName: 'IMG_0001.HEIC', phonePath: '/DCIM/100APPLE/IMG_0001.HEIC', offsetMinutes: null })
    expect(toAsset({ ...row, created: null, offset: -18_000 }, []).capturedAt).toBeNull()
    expect(toAsset({ ...row, offset: -18_000 }, []).offsetMinutes).toBe(-300)
  })
  it('calls an asset iCloud-only only when the database lists its original and none is local', () => {
    expect(toAsset({ ...row, originals: null, local: null }, []).iCloudOnly).toBe(false)
    expect(toAsset({ ...row, originals: 1, local: 1 }, []).iCloudOnly).toBe(false)
    expect(toAsset({ ...row, originals: 1, local: 0 }, []).iCloudOnly).toBe(true)
  })
})
