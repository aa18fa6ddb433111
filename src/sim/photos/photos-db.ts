/**
 * Writes a Photos.sqlite the way a phone leaves it: WAL mode, the newest rows only in the -wal.
 * The database is built in a scratch folder with automatic checkpoints off: older rows, a
 * checkpoint (they move into the main file), then the newest rows (they stay in the -wal). The
 * three files are copied while the connection is still open, because closing would checkpoint.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { MAC_EPOCH_OFFSET_S, SCHEMAS, type PhotosSchema } from './schemas.js'

export interface DbAsset {
  uuid: string
  /** Relative to the media root, e.g. DCIM/100APPLE or PhotoData/CPLAssets/group338. */
  directory: string
  filename: string
  originalFileName: string
  /** 0 photo, 1 video (ZKIND). */
  kind: 0 | 1
  /** 2 = Live Photo (ZKINDSUBTYPE), else 0. */
  kindSubtype: number
  createdUtcMs: number
  offsetMinutes: number
  favorite: boolean
  hidden: boolean
  trashed: boolean
  /** The original is on the phone (ZINTERNALRESOURCE.ZLOCALAVAILABILITY 1, else −1). */
  localOriginal: boolean
  hasAdjustments: boolean
  /** Indexes into the album list. */
  albums: number[]
  /** Written after the checkpoint: only the -wal has it. */
  inWal: boolean
}

export interface DbAlbum {
  uuid: string
  title: string
}

export const PHOTOS_DB_FILES = ['Photos.sqlite', 'Photos.sqlite-wal', 'Photos.sqlite-shm'] as const

/** Writes Photos.sqlite, -wal and -shm into `dir`. */
export function writePhotosDb(dir: string, schema: PhotosSchema, assets: readonly DbAsset[], albums: readonly DbAlbum[]): void {
  const shape = SCHEMAS[schema]
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-sim-photos-'))
  const db = new Database(path.join(scratch, 'Photos.sqlite'))
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('wal_autocheckpoint = 0')
    const A = shape.assetTable
    const join = `Z_${shape.albumEnt}ASSETS`
    const albumCol = `Z_${shape.albumEnt}ALBUMS`
    const assetCol = `Z_${shape.assetRootEnt}ASSETS`
    db.exec(`
      CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
      CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
      CREATE TABLE ${A} (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZUUID VARCHAR, ZDIRECTORY VARCHAR, ZFILENAME VARCHAR,
        ZKIND INTEGER, ZKINDSUBTYPE INTEGER, ZDATECREATED TIMESTAMP, ZADDEDDATE TIMESTAMP, ZFAVORITE INTEGER, ZHIDDEN INTEGER,
        ZTRASHEDSTATE INTEGER, ZTRASHEDDATE TIMESTAMP, ZVISIBILITYSTATE INTEGER, ZSAVEDASSETTYPE INTEGER, ZCLOUDLOCALSTATE INTEGER,
        ZCLOUDASSETGUID VARCHAR, ZHASADJUSTMENTS INTEGER, ZADDITIONALATTRIBUTES INTEGER);
      CREATE TABLE ZADDITIONALASSETATTRIBUTES (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZASSET INTEGER,
        ZORIGINALFILENAME VARCHAR, ZTIMEZONEOFFSET INTEGER, ZTIMEZONENAME VARCHAR);
      CREATE TABLE ZGENERICALBUM (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZKIND INTEGER, ZTITLE VARCHAR, ZUUID VARCHAR,
        ZTRASHEDSTATE INTEGER, ZCLOUDLOCALSTATE INTEGER, ZPARENTFOLDER INTEGER);
      CREATE TABLE ${join} (${albumCol} INTEGER, ${assetCol} INTEGER, Z_FOK_${assetCol.slice(2)} INTEGER, PRIMARY KEY (${albumCol}, ${assetCol}));
      CREATE TABLE ZINTERNALRESOURCE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZASSET INTEGER, ZRESOURCETYPE INTEGER,
        ZDATASTORESUBTYPE INTEGER, ZLOCALAVAILABILITY INTEGER, ZREMOTEAVAILABILITY INTEGER);
      -- Core Data indexes every to-one relationship's foreign key.
      CREATE INDEX ZINTERNALRESOURCE_ZASSET_INDEX ON ZINTERNALRESOURCE (ZASSET);
      CREATE INDEX ZADDITIONALASSETATTRIBUTES_ZASSET_INDEX ON ZADDITIONALASSETATTRIBUTES (ZASSET);
      CREATE INDEX ${A}_ZADDITIONALATTRIBUTES_INDEX ON ${A} (ZADDITIONALATTRIBUTES);
    `)
    const entity = db.prepare('INSERT INTO Z_PRIMARYKEY (Z_ENT, Z_NAME, Z_SUPER, Z_MAX) VALUES (?, ?, ?, 0)')
    for (const [ent, name, sup] of shape.entities) entity.run(ent, name, sup)
    db.prepare('INSERT INTO Z_METADATA (Z_VERSION, Z_UUID, Z_PLIST) VALUES (1, ?, NULL)').run('5F0C1D52-0000-4000-8000-00000000C0DE')

    // The root folder of user albums, then the albums (ZKIND 2 = a user's own album).
    db.prepare(`INSERT INTO ZGENERICALBUM (Z_PK, Z_ENT, Z_OPT, ZKIND, ZTITLE, ZUUID, ZTRASHEDSTATE, ZCLOUDLOCALSTATE, ZPARENTFOLDER)
      VALUES (1, ?, 1, 3999, NULL, 'ROOT-FOLDER', 0, 0, NULL)`).run(shape.entities.find(([, n]) => n === 'Folder')![0])
    const album = db.prepare(`INSERT INTO ZGENERICALBUM (Z_PK, Z_ENT, Z_OPT, ZKIND, ZTITLE, ZUUID, ZTRASHEDSTATE, ZCLOUDLOCALSTATE, ZPARENTFOLDER)
      VALUES (?, ?, 1, 2, ?, ?, 0, 1, 1)`)
    albums.forEach((a, i) => album.run(i + 2, shape.albumEnt, a.title, a.uuid))

    const asset = db.prepare(`INSERT INTO ${A} (Z_PK, Z_ENT, Z_OPT, ZUUID, ZDIRECTORY, ZFILENAME, ZKIND, ZKINDSUBTYPE, ZDATECREATED, ZADDEDDATE,
        ZFAVORITE, ZHIDDEN, ZTRASHEDSTATE, ZTRASHEDDATE, ZVISIBILITYSTATE, ZSAVEDASSETTYPE, ZCLOUDLOCALSTATE, ZCLOUDASSETGUID, ZHASADJUSTMENTS, ZADDITIONALATTRIBUTES)
      VALUES (@pk, @ent, 1, @uuid, @directory, @filename, @kind, @kindSubtype, @created, @created, @favorite, @hidden, @trashed, @trashedAt, 0, @saved, 1, @guid, @adjusted, @pk)`)
    const attrs = db.prepare(`INSERT INTO ZADDITIONALASSETATTRIBUTES (Z_PK, Z_ENT, Z_OPT, ZASSET, ZORIGINALFILENAME, ZTIMEZONEOFFSET, ZTIMEZONENAME)
      VALUES (?, ?, 1, ?, ?, ?, ?)`)
    const member = db.prepare(`INSERT INTO ${join} (${albumCol}, ${assetCol}, Z_FOK_${assetCol.slice(2)}) VALUES (?, ?, ?)`)
    const resource = db.prepare(`INSERT INTO ZINTERNALRESOURCE (Z_ENT, Z_OPT, ZASSET, ZRESOURCETYPE, ZDATASTORESUBTYPE, ZLOCALAVAILABILITY, ZREMOTEAVAILABILITY)
      VALUES (?, 1, ?, ?, ?, ?, 1)`)
    const insert = (a: DbAsset, pk: number): void => {
      const created = a.createdUtcMs / 1000 - MAC_EPOCH_OFFSET_S
      asset.run({
        pk, ent: shape.assetEnt, uuid: a.uuid, directory: a.directory, filename: a.filename, kind: a.kind, kindSubtype: a.kindSubtype,
        created, favorite: a.favorite ? 1 : 0, hidden: a.hidden ? 1 : 0, trashed: a.trashed ? 1 : 0, trashedAt: a.trashed ? created + 86_400 : null,
        // 3 = taken on this phone, 6 = came from iCloud Photos (iLEAPP's ZSAVEDASSETTYPE table).
        saved: a.directory.startsWith('PhotoData/CPLAssets') ? 6 : 3, guid: a.uuid, adjusted: a.hasAdjustments ? 1 : 0,
      })
      attrs.run(pk, shape.additionalAttributesEnt, pk, a.originalFileName, a.offsetMinutes * 60, null)
      // The original's resource: ZDATASTORESUBTYPE 1 = the original at full size; ZRESOURCETYPE 0 photo, 1 video.
      resource.run(shape.internalResourceEnt, pk, a.kind, 1, a.localOriginal ? 1 : -1)
      a.albums.forEach((i, order) => member.run(i + 2, pk, 1024 * (order + 1)))
    }
    const older = assets.map((a, i) => [a, i + 1] as const).filter(([a]) => !a.inWal)
    const newer = assets.map((a, i) => [a, i + 1] as const).filter(([a]) => a.inWal)
    db.transaction(() => older.forEach(([a, pk]) => insert(a, pk)))()
    db.pragma('wal_checkpoint(TRUNCATE)')
    db.transaction(() => {
      newer.forEach(([a, pk]) => insert(a, pk))
      db.prepare(`UPDATE Z_PRIMARYKEY SET Z_MAX = ? WHERE Z_ENT IN (?, ?)`).run(assets.length, shape.assetEnt, shape.assetRootEnt)
    })()
    fs.mkdirSync(dir, { recursive: true })
    // Copy -shm and -wal before the main file is closed: the connection stays open, nothing checkpoints.
    for (const name of PHOTOS_DB_FILES) fs.copyFileSync(path.join(scratch, name), path.join(dir, name))
  } finally {
    db.close()
    fs.rmSync(scratch, { recursive: true, force: true })
  }
}
