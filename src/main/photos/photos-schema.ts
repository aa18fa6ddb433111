/**
 * Maps a Photos.sqlite (any modelled iOS generation) onto the library model. Nothing is assumed
 * about entity numbers: Z_PRIMARYKEY says which entity is the asset and which the album, the
 * asset table is the asset entity's root, and the album↔asset join table is the Z_<n>ASSETS table
 * whose columns name those two entities (facts and sources: README.md). Only what Cradle uses is
 * read. A database without the asset table or its core columns is an unknown shape.
 */
import type Database from 'better-sqlite3'
import type { PhoneAsset, PhotoLibraryModel } from './library-model.js'
import type { AlbumRef } from './photo-metadata.js'

type Db = Database.Database

/** Seconds from 1970-01-01 to 2001-01-01 (Core Data's reference date). */
const MAC_EPOCH_OFFSET_S = 978_307_200
const ASSET_COLUMNS = ['Z_PK', 'ZUUID', 'ZDIRECTORY', 'ZFILENAME', 'ZKIND', 'ZDATECREATED', 'ZFAVORITE', 'ZHIDDEN', 'ZTRASHEDSTATE'] as const
/** A user's own album (ZGENERICALBUM.ZKIND). */
const USER_ALBUM_KIND = 2
/** ZINTERNALRESOURCE: the original at full size; on the device (1) or not (−1). */
const ORIGINAL_SUBTYPE = 1
const LOCAL = 1

export interface SchemaMap {
  assetTable: string
  albumEnt: number | null
  join: { table: string; albumColumn: string; assetColumn: string } | null
  has: {
    kindSubtype: boolean
    adjustments: boolean
    additionalAttributes: boolean
    originalFileName: boolean
    timezoneOffset: boolean
    internalResource: boolean
    albumTrashed: boolean
    albumUuid: boolean
  }
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`

function tables(db: Db): Set<string> {
  return new Set(db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name))
}

function columns(db: Db, table: string): Set<string> {
  return new Set(db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info(${`'${table.replace(/'/g, "''")}'`})`).all().map((r) => r.name))
}

/** The schema map, or why this database is not one Cradle can read. */
export function describeLibrary(db: Db): SchemaMap | { unknown: string } {
  const all = tables(db)
  if (!all.has('Z_PRIMARYKEY')) return { unknown: 'its database has no Core Data entity table (Z_PRIMARYKEY)' }
  const entities = db.prepare<[], { Z_ENT: number; Z_NAME: string; Z_SUPER: number }>('SELECT Z_ENT, Z_NAME, Z_SUPER FROM Z_PRIMARYKEY').all()
  const byName = new Map(entities.map((e) => [e.Z_NAME, e]))
  const byEnt = new Map(entities.map((e) => [e.Z_ENT, e]))
  const asset = byName.get('Asset')
  if (!asset) return { unknown: 'its database has no Asset entity' }
  let root = asset
  for (let guard = 0; root.Z_SUPER !== 0 && guard < 16; guard++) root = byEnt.get(root.Z_SUPER) ?? root
  const assetTable = `Z${root.Z_NAME.toUpperCase()}`
  if (!all.has(assetTable)) return { unknown: `its database names an asset table (${assetTable}) that is not there` }
  const assetCols = columns(db, assetTable)
  const missing = ASSET_COLUMNS.filter((c) => !assetCols.has(c))
  if (missing.length > 0) return { unknown: `its asset table lacks ${missing.join(', ')}` }

  const album = byName.get('Album') ?? null
  const assetEnts = new Set([asset.Z_ENT, root.Z_ENT])
  let join: SchemaMap['join'] = null
  if (album && all.has('ZGENERICALBUM')) {
    const table = `Z_${album.Z_ENT}ASSETS`
    if (all.has(table)) {
      const cols = [...columns(db, table)]
      const albumColumn = cols.find((c) => c === `Z_${album.Z_ENT}ALBUMS`)
      const assetColumn = cols.find((c) => {
        const m = /^Z_(\d+)ASSETS$/.exec(c)
        return m !== null && assetEnts.has(Number(m[1]))
      })
      if (albumColumn && assetColumn) join = { table, albumColumn, assetColumn }
    }
  }
  const attrCols = all.has('ZADDITIONALASSETATTRIBUTES') ? columns(db, 'ZADDITIONALASSETATTRIBUTES') : new Set<string>()
  const resourceCols = all.has('ZINTERNALRESOURCE') ? columns(db, 'ZINTERNALRESOURCE') : new Set<string>()
  return {
    assetTable,
    albumEnt: album?.Z_ENT ?? null,
    join,
    has: {
      kindSubtype: assetCols.has('ZKINDSUBTYPE'),
      adjustments: assetCols.has('ZHASADJUSTMENTS'),
      additionalAttributes: assetCols.has('ZADDITIONALATTRIBUTES') && attrCols.has('Z_PK'),
      originalFileName: attrCols.has('ZORIGINALFILENAME'),
      timezoneOffset: attrCols.has('ZTIMEZONEOFFSET'),
      internalResource: ['ZASSET', 'ZDATASTORESUBTYPE', 'ZLOCALAVAILABILITY'].every((c) => resourceCols.has(c)),
      albumTrashed: all.has('ZGENERICALBUM') && columns(db, 'ZGENERICALBUM').has('ZTRASHEDSTATE'),
      albumUuid: all.has('ZGENERICALBUM') && columns(db, 'ZGENERICALBUM').has('ZUUID'),
    },
  }
}

export interface AssetRow {
  pk: number
  uuid: string | null
  directory: string | null
  filename: string | null
  kind: number | null
  subtype: number | null
  adjusted: number | null
  created: number | null
  favorite: number | null
  hidden: number | null
  trashed: number | null
  original: string | null
  offset: number | null
  originals: number | null
  local: number | null
}

/** Only the camera roll's own files: DCIM and originals downloaded from iCloud (shared albums live elsewhere). */
const inLibrary = (directory: string): boolean => directory.startsWith('DCIM/') || directory.startsWith('PhotoData/CPLAssets/')

/** Reads the assets the map describes. */
export function readLibrary(db: Db, map: SchemaMap): PhotoLibraryModel {
  const A = ident(map.assetTable)
  const h = map.has
  const attrs = h.additionalAttributes
  const sql = `SELECT a.Z_PK AS pk, a.ZUUID AS uuid, a.ZDIRECTORY AS directory, a.ZFILENAME AS filename, a.ZKIND AS kind,
      ${h.kindSubtype ? 'a.ZKINDSUBTYPE' : 'NULL'} AS subtype, ${h.adjustments ? 'a.ZHASADJUSTMENTS' : 'NULL'} AS adjusted, a.ZDATECREATED AS created, a.ZFAVORITE AS favorite, a.ZHIDDEN AS hidden,
      a.ZTRASHEDSTATE AS trashed,
      ${attrs && h.originalFileName ? 'x.ZORIGINALFILENAME' : 'NULL'} AS original,
      ${attrs && h.timezoneOffset ? 'x.ZTIMEZONEOFFSET' : 'NULL'} AS offset
    FROM ${A} a ${attrs ? 'LEFT JOIN ZADDITIONALASSETATTRIBUTES x ON x.Z_PK = a.ZADDITIONALATTRIBUTES' : ''}
    ORDER BY a.Z_PK`
  const albums = albumsByAsset(db, map)
  const originals = originalsByAsset(db, map)
  const assets: PhoneAsset[] = []
  for (const r of db.prepare<[], Omit<AssetRow, 'originals' | 'local'>>(sql).iterate()) {
    if (!r.uuid || !r.directory || !r.filename || !inLibrary(r.directory)) continue
    const o = originals?.get(r.pk)
    assets.push(toAsset({ ...r, originals: originals ? (o?.originals ?? 0) : null, local: originals ? (o?.local ?? 0) : null }, albums.get(r.pk) ?? []))
  }
  return { shape: { assetTable: map.assetTable, albumEntity: map.albumEnt, joinTable: map.join?.table ?? null }, assets }
}

/** Pure: one database row → one asset. */
export function toAsset(r: AssetRow, albums: readonly { title: string; uuid: string | null }[]): PhoneAsset {
  const directory = r.directory!.replace(/^\/+|\/+$/g, '')
  const filename = r.filename!
  const phonePath = `/${directory}/${filename}`
  const livePhoto = r.subtype === 2
  const dot = filename.lastIndexOf('.')
  const stem = dot > 0 ? filename.slice(0, dot) : filename
  return {
    uuid: r.uuid!,
    phonePath,
    originalFileName: r.original && r.original.trim() !== '' ? r.original : filename,
    kind: r.kind === 1 ? 'video' : 'photo',
    livePhoto,
    motionPath: livePhoto ? `/${directory}/${stem}.MOV` : null,
    adjustmentsDir: r.adjusted === 1 ? `/PhotoData/Mutations/${directory}/${stem}/Adjustments` : null,
    capturedAt: typeof r.created === 'number' ? Math.round((r.created + MAC_EPOCH_OFFSET_S) * 1000) : null,
    offsetMinutes: typeof r.offset === 'number' ? Math.round(r.offset / 60) : null,
    favorite: r.favorite === 1,
    hidden: r.hidden === 1,
    trashed: r.trashed === 1,
    // Known only where the database keeps resources: an original listed, none of them local.
    iCloudOnly: r.originals !== null && r.originals > 0 && r.local === 0,
    albums: [...new Set(albums.map((a) => a.title))].sort(),
    albumRefs: albums.filter((a): a is AlbumRef => a.uuid !== null).sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : a.uuid < b.uuid ? -1 : 1)),
  }
}

/** Per asset: how many full-size originals the database lists, and how many are on the device (one pass, no per-row lookups). */
function originalsByAsset(db: Db, map: SchemaMap): Map<number, { originals: number; local: number }> | null {
  if (!map.has.internalResource) return null
  const out = new Map<number, { originals: number; local: number }>()
  const rows = db.prepare<[], { asset: number; originals: number; local: number }>(`SELECT ZASSET AS asset, COUNT(*) AS originals,
      COALESCE(SUM(ZLOCALAVAILABILITY = ${LOCAL}), 0) AS local
    FROM ZINTERNALRESOURCE WHERE ZDATASTORESUBTYPE = ${ORIGINAL_SUBTYPE} AND ZASSET IS NOT NULL GROUP BY ZASSET`).all()
  for (const r of rows) out.set(r.asset, { originals: r.originals, local: r.local })
  return out
}

function albumsByAsset(db: Db, map: SchemaMap): Map<number, { title: string; uuid: string | null }[]> {
  const out = new Map<number, { title: string; uuid: string | null }[]>()
  if (!map.join) return out
  const { table, albumColumn, assetColumn } = map.join
  // ZUUID stays the same when the album is renamed on the phone: destinations follow a rename by it.
  const rows = db.prepare<[], { asset: number; title: string; uuid: string | null }>(`SELECT j.${ident(assetColumn)} AS asset, g.ZTITLE AS title,
      ${map.has.albumUuid ? 'g.ZUUID' : 'NULL'} AS uuid
    FROM ${ident(table)} j JOIN ZGENERICALBUM g ON g.Z_PK = j.${ident(albumColumn)}
    WHERE g.ZKIND = ${USER_ALBUM_KIND} AND g.ZTITLE IS NOT NULL ${map.has.albumTrashed ? 'AND COALESCE(g.ZTRASHEDSTATE, 0) = 0' : ''}`).all()
  for (const r of rows) out.set(r.asset, [...(out.get(r.asset) ?? []), { title: r.title, uuid: typeof r.uuid === 'string' && r.uuid !== '' ? r.uuid : null }])
  return out
}
