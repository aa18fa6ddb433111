/**
 * The catalog side of the phone's Photos library: what the reader found is recorded per phone
 * (photo_assets, photo_files; schema v4 in library/schema.ts) and read back by the metadata source
 * and the completeness counts. One transaction per read of the database, so a crash leaves the
 * previous read or this one, never half of each.
 */
import { stmt, type Db } from '../library/catalog-db.js'
import type { AlbumRef, PhotoMetadata } from './photo-metadata.js'

export type PhotoFileRole = 'original' | 'motion' | 'edited' | 'sidecar'

/** One asset as the catalog keeps it: its metadata, its state on the phone and its files there. */
export interface PhotoRecord extends PhotoMetadata {
  kind: 'photo' | 'video'
  /** In Recently Deleted on the phone. */
  trashed: boolean
  /** The phone has no local original (Optimize iPhone Storage, or taken on another device and never downloaded). */
  iCloudOnly: boolean
  /** AFC path of the original on the phone (null when the database names none). */
  phonePath: string | null
  /** Every AFC path on the phone that belongs to the asset, with what it is. */
  files: readonly { path: string; role: PhotoFileRole }[]
}

interface AssetRow {
  uuid: string
  original_file_name: string
  captured_at: number | null
  capture_offset_minutes: number | null
  favorite: number
  hidden: number
  albums: string
  album_refs: string | null
}

/** Replaces what the catalog knows of this phone's Photos library with one read of its database. */
export function recordPhotoLibrary(db: Db, udid: string, records: readonly PhotoRecord[], now: number): void {
  const upsert = stmt(db, `INSERT INTO photo_assets (udid, uuid, original_file_name, phone_path, kind, captured_at, capture_offset_minutes,
      favorite, hidden, trashed, icloud_only, albums, album_refs, present, updated_at)
    VALUES (@udid, @uuid, @originalFileName, @phonePath, @kind, @capturedAt, @offsetMinutes, @favorite, @hidden, @trashed, @iCloudOnly, @albums, @albumRefs, 1, @now)
    ON CONFLICT (udid, uuid) DO UPDATE SET original_file_name = excluded.original_file_name, phone_path = excluded.phone_path,
      kind = excluded.kind, captured_at = excluded.captured_at, capture_offset_minutes = excluded.capture_offset_minutes,
      favorite = excluded.favorite, hidden = excluded.hidden, trashed = excluded.trashed, icloud_only = excluded.icloud_only,
      albums = excluded.albums, album_refs = excluded.album_refs, present = 1, updated_at = excluded.updated_at`)
  // A path can move to another asset (a name reused after deletion): the newest read wins.
  const file = stmt(db, `INSERT INTO photo_files (udid, path, uuid, role) VALUES (?, ?, ?, ?)
    ON CONFLICT (udid, path) DO UPDATE SET uuid = excluded.uuid, role = excluded.role`)
  db.transaction(() => {
    // Only assets that were in albums can have former titles to keep.
    const stored = new Map(stmt<[string], { uuid: string; album_refs: string }>(db, "SELECT uuid, album_refs FROM photo_assets WHERE udid = ? AND album_refs != '[]'").all(udid).map((x) => [x.uuid, x.album_refs]))
    stmt(db, 'UPDATE photo_assets SET present = 0 WHERE udid = ?').run(udid)
    for (const r of records) {
      upsert.run({
        udid, uuid: r.uuid, originalFileName: r.originalFileName, phonePath: r.phonePath, kind: r.kind,
        capturedAt: r.capturedAt, offsetMinutes: r.offsetMinutes, favorite: r.favorite ? 1 : 0, hidden: r.hidden ? 1 : 0,
        trashed: r.trashed ? 1 : 0, iCloudOnly: r.iCloudOnly ? 1 : 0, albums: JSON.stringify(normaliseAlbums(r.albums)),
        albumRefs: albumRefsJson(r.albumRefs ?? [], stored.get(r.uuid)), now,
      })
      for (const f of r.files) file.run(udid, f.path, r.uuid, f.role)
    }
  })()
}

/** The metadata of a library asset (assets.id) through the phone file it was imported from. */
export function metadataForAsset(db: Db, assetId: number): PhotoMetadata | null {
  // A duplicate's device file points at the same asset: prefer the file that brought the bytes in,
  // then the most recently seen one.
  const row = stmt<[number], AssetRow>(db, `SELECT pa.uuid, pa.original_file_name, pa.captured_at, pa.capture_offset_minutes,
        pa.favorite, pa.hidden, pa.albums, pa.album_refs
      FROM device_files df
      JOIN photo_files pf ON pf.udid = df.udid AND pf.path = df.path
      JOIN photo_assets pa ON pa.udid = pf.udid AND pa.uuid = pf.uuid
      WHERE df.asset_id = ?
      ORDER BY (df.state = 'done') DESC, df.last_seen DESC, df.id DESC
      LIMIT 1`).get(assetId)
  return row ? toMetadata(row) : null
}

function toMetadata(row: AssetRow): PhotoMetadata {
  return {
    uuid: row.uuid,
    originalFileName: row.original_file_name,
    capturedAt: row.captured_at,
    offsetMinutes: row.capture_offset_minutes,
    favorite: row.favorite === 1,
    hidden: row.hidden === 1,
    albums: parseAlbums(row.albums),
    albumRefs: parseAlbumRefs(row.album_refs),
  }
}

function parseAlbumRefs(json: string | null): AlbumRef[] {
  try {
    const v: unknown = JSON.parse(json ?? '[]')
    if (!Array.isArray(v)) return []
    return v.filter((r): r is AlbumRef => typeof r?.uuid === 'string' && typeof r?.title === 'string').map((r) => {
      const former = Array.isArray(r.formerTitles) ? r.formerTitles.filter((t): t is string => typeof t === 'string') : []
      return former.length > 0 ? { uuid: r.uuid, title: r.title, formerTitles: former } : { uuid: r.uuid, title: r.title }
    })
  } catch {
    return []
  }
}

/** Former titles kept per album id; a few are enough to bridge renames between two applications. */
const MAX_FORMER_TITLES = 4

/**
 * This read's refs, each with the titles earlier reads saw for its id (a rename on the phone keeps
 * the id): a destination that never learnt the id can still find the album it made under an old title.
 */
function albumRefsJson(refs: readonly AlbumRef[], storedJson: string | undefined): string {
  const plain = JSON.stringify(refs.map((r) => ({ uuid: r.uuid, title: r.title })))
  // Unchanged since the last read (the usual case), or nothing stored: nothing to merge.
  if (storedJson === undefined || storedJson === plain || refs.length === 0) return plain
  return JSON.stringify(withFormerTitles(refs, storedJson))
}

function withFormerTitles(refs: readonly AlbumRef[], storedJson: string): AlbumRef[] {
  const before = new Map(parseAlbumRefs(storedJson).map((r) => [r.uuid, r]))
  return refs.map((r) => {
    const old = before.get(r.uuid)
    const former = old ? [old.title, ...(old.formerTitles ?? [])].filter((t, i, all) => t !== r.title && all.indexOf(t) === i).slice(0, MAX_FORMER_TITLES) : []
    return former.length > 0 ? { uuid: r.uuid, title: r.title, formerTitles: former } : { uuid: r.uuid, title: r.title }
  })
}

function normaliseAlbums(albums: readonly string[]): string[] {
  return [...new Set(albums)].sort()
}

/** The album titles the catalog keeps as a JSON array; anything else (or nothing) reads as none. */
export function parseAlbums(json: string | null): string[] {
  if (!json) return []
  try {
    const v: unknown = JSON.parse(json)
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : []
  } catch {
    return []
  }
}

/** Records that this read of the phone's Photos library could not be used, and why. */
export function recordUnavailableLibrary(db: Db, udid: string, code: string, reason: string, now: number): void {
  db.transaction(() => {
    // Nothing is known now: no asset counts as trashed or iCloud-only, so DCIM is backed up as before.
    stmt(db, 'UPDATE photo_assets SET present = 0 WHERE udid = ?').run(udid)
    stmt(db, `INSERT INTO photo_library_reads (udid, read_at, available, code, reason, shape, signature) VALUES (?, ?, 0, ?, ?, NULL, NULL)
      ON CONFLICT (udid) DO UPDATE SET read_at = excluded.read_at, available = 0, code = excluded.code, reason = excluded.reason, shape = NULL,
        signature = NULL`).run(udid, now, code, reason)
  })()
}

/** Records a read that was used (with recordPhotoLibrary in the same transaction). */
export function recordAvailableLibrary(db: Db, udid: string, records: readonly PhotoRecord[], shape: unknown, now: number, signature: string | null = null): void {
  db.transaction(() => {
    recordPhotoLibrary(db, udid, records, now)
    stmt(db, `INSERT INTO photo_library_reads (udid, read_at, available, code, reason, shape, signature) VALUES (?, ?, 1, NULL, NULL, ?, ?)
      ON CONFLICT (udid) DO UPDATE SET read_at = excluded.read_at, available = 1, code = NULL, reason = NULL, shape = excluded.shape,
        signature = excluded.signature`).run(udid, now, JSON.stringify(shape), signature)
  })()
}

/** The signature of the last read, when it was used (null: read it again). */
export function lastReadSignature(db: Db, udid: string): string | null {
  return stmt<[string], { signature: string | null }>(db, 'SELECT signature FROM photo_library_reads WHERE udid = ? AND available = 1').get(udid)?.signature ?? null
}

/** Originals outside DCIM the last read said are on the phone: AFC path and original name. */
export function recordedOutsideDcim(db: Db, udid: string): { phonePath: string; originalFileName: string }[] {
  return stmt<[string], { phonePath: string; originalFileName: string }>(db, `SELECT phone_path AS phonePath, original_file_name AS originalFileName
    FROM photo_assets WHERE udid = ? AND present = 1 AND icloud_only = 0 AND phone_path LIKE '/PhotoData/CPLAssets/%' ORDER BY phone_path`).all(udid)
}

/** Edit files under /PhotoData/Mutations a read recorded for assets still present: path, and the original's path and name. */
export function recordedEdits(db: Db, udid: string): { path: string; phonePath: string; originalFileName: string }[] {
  return stmt<[string], { path: string; phonePath: string; originalFileName: string }>(db, `SELECT pf.path, pa.phone_path AS phonePath, pa.original_file_name AS originalFileName
    FROM photo_files pf JOIN photo_assets pa ON pa.udid = pf.udid AND pa.uuid = pf.uuid
    WHERE pf.udid = ? AND pa.present = 1 AND pa.phone_path IS NOT NULL AND pf.path LIKE '/PhotoData/Mutations/%' ORDER BY pf.path`).all(udid)
}

/** How many paths the view lists by name (the counts are always whole). */
export const LISTED_PATHS = 20

export interface LibraryReport {
  available: boolean
  reason: string | null
  photosOnPhone: number
  videosOnPhone: number
  photosSafe: number
  videosSafe: number
  inICloudOnly: number
  inRecentlyDeletedNotCopied: number
  unknownFiles: string[]
  unknownFileCount: number
  missingFiles: string[]
  missingFileCount: number
}

/** The completeness answer for one phone from the catalog (null: its library was never read). */
export function photoLibraryReport(db: Db, udid: string): LibraryReport | null {
  const read = stmt<[string], { available: number; reason: string | null }>(db, 'SELECT available, reason FROM photo_library_reads WHERE udid = ?').get(udid)
  if (!read) return null
  // An original is safe when the file it was listed as is in the library and not found damaged.
  // The unary + on present and state keeps SQLite on the (udid, path) index: without it the planner
  // picks (udid, present, state) and scans every present file of the phone once per asset — minutes
  // of a blocked event loop for a 50,000-item phone (the window showed no rows).
  const SAFE = `EXISTS (SELECT 1 FROM device_files df WHERE df.udid = pa.udid AND df.path = pa.phone_path AND +df.present = 1
      AND +df.state IN ('done','duplicate') AND df.asset_id NOT IN (SELECT id FROM assets WHERE damage IS NOT NULL))`
  const c = stmt<[string], { photos: number; videos: number; photosSafe: number; videosSafe: number; cloud: number; trashed: number }>(db, `SELECT
      COALESCE(SUM(trashed = 0 AND icloud_only = 0 AND kind = 'photo'), 0) AS photos,
      COALESCE(SUM(trashed = 0 AND icloud_only = 0 AND kind = 'video'), 0) AS videos,
      COALESCE(SUM(trashed = 0 AND icloud_only = 0 AND kind = 'photo' AND ${SAFE}), 0) AS photosSafe,
      COALESCE(SUM(trashed = 0 AND icloud_only = 0 AND kind = 'video' AND ${SAFE}), 0) AS videosSafe,
      COALESCE(SUM(trashed = 0 AND icloud_only = 1), 0) AS cloud,
      COALESCE(SUM(trashed = 1 AND icloud_only = 0 AND NOT ${SAFE}), 0) AS trashed
    FROM photo_assets pa WHERE udid = ? AND present = 1`).get(udid)!
  const available = read.available === 1
  const unknown = available
    ? stmt<[string], { path: string }>(db, `SELECT path FROM device_files df WHERE udid = ? AND present = 1 AND path LIKE '/DCIM/%'
        AND NOT EXISTS (SELECT 1 FROM photo_files pf WHERE pf.udid = df.udid AND pf.path = df.path) GROUP BY path ORDER BY path`).all(udid).map((r) => r.path)
    : []
  const missing = available
    ? stmt<[string], { path: string }>(db, `SELECT phone_path AS path FROM photo_assets pa WHERE udid = ? AND present = 1 AND icloud_only = 0 AND phone_path IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM device_files df WHERE df.udid = pa.udid AND df.path = pa.phone_path AND +df.present = 1) ORDER BY phone_path`).all(udid).map((r) => r.path)
    : []
  return {
    available,
    reason: read.reason,
    photosOnPhone: c.photos,
    videosOnPhone: c.videos,
    photosSafe: c.photosSafe,
    videosSafe: c.videosSafe,
    inICloudOnly: c.cloud,
    inRecentlyDeletedNotCopied: c.trashed,
    unknownFiles: unknown.slice(0, LISTED_PATHS),
    unknownFileCount: unknown.length,
    missingFiles: missing.slice(0, LISTED_PATHS),
    missingFileCount: missing.length,
  }
}
