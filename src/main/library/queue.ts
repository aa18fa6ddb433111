/**
 * Queue rows for the UI (listQueue): one row per photo or video, as the Photos app counts them —
 * a family of device files (source folder + base stem: a Live Photo's still and video, an edit's
 * render and .AAE), from every source, a page at a time, in a stable order (discovery order of the
 * family's first file, device_files.family_id, stored at scan time so a page is an index range).
 * A row's state is its family's: failed if any file failed, waiting while any file waits, not on
 * the phone while a file is only in iCloud, in the library when every file is. Upload states are
 * joined by the engine. Files that left the phone before they were imported drop out of the queue
 * (in_queue = 0). "Waiting" and "Failed" are about every copy, not only the import: a photo with a
 * file still waiting for, or refused by, any destination is listed and counted there too.
 */
import { isErrorCode, type ErrorCode } from '../../shared/errors.js'
import { toWireError } from '../../shared/error-text.js'
import type { ImportState, QueueCounts, QueueFileView, QueueFilter, QueueItemView } from '../../shared/state.js'
import { hasTable, stmt, type Db } from './catalog-db.js'
import { parseName, ROLE_ORDER } from './naming.js'
import { parseAlbums } from '../photos/catalog-photo-store.js'
import { mayHaveThumbnail } from './thumbnails.js'

export type LibraryQueueFile = Omit<QueueFileView, 'uploads'> & { assetId: number | null }
export type LibraryQueueItem = Omit<QueueItemView, 'uploads' | 'files'> & { udid: string; files: LibraryQueueFile[] }

export interface LibraryQueuePage {
  total: number
  offset: number
  items: LibraryQueueItem[]
}

export interface QueueQuery {
  filter: QueueFilter
  offset: number
  limit: number
  search?: string
}

/** Whether the library stored a thumbnail for a file's bytes (the phone's own; library/thumbnail-store.ts). */
export type StoredThumbnail = (sha256: string) => boolean

/**
 * An upload of the file's asset to some destination waits, or failed. Uncorrelated, so SQLite
 * builds the set of such assets once per statement (from uploads_work, one range per destination)
 * instead of probing the uploads for each of 100,000 files.
 */
const uploadSet = (states: string): string =>
  `d.asset_id IN (SELECT u.asset_id FROM uploads u WHERE u.destination_id IN (SELECT id FROM upload_destinations) AND u.state IN (${states}))`
const UPLOAD_WAITS = uploadSet("'pending','uploading'")
const UPLOAD_FAILED = uploadSet("'failed'")

/** Families (device_families f) with an imported file whose upload waits, or failed: built once per statement from the uploads. */
const familiesWithUpload = (set: string): string =>
  `f.id IN (SELECT d.family_id FROM device_files d WHERE ${set} AND +d.in_queue = 1 AND +d.state IN ('done','duplicate'))`

/** Which families (f, in the queue) a filter lists, import states only (device_families.state is the family's). */
const IMPORT_FILTER_SQL: Record<QueueFilter, string> = {
  all: '',
  pending: "AND f.state = 'pending'",
  failed: "AND f.state = 'failed'",
  'not-on-phone': "AND f.state = 'not-on-phone'",
  done: "AND f.state = 'done'",
}

/** The same with the uploads: a family with an imported file whose upload waits (or failed) is listed there too. */
const FILTER_SQL: Record<QueueFilter, string> = {
  ...IMPORT_FILTER_SQL,
  pending: `AND (f.state = 'pending' OR ${familiesWithUpload(UPLOAD_WAITS)})`,
  failed: `AND (f.state = 'failed' OR ${familiesWithUpload(UPLOAD_FAILED)})`,
}

const uploadsKnown = new WeakMap<Db, boolean>()

/** Whether this catalog has the uploads table (opened with the uploads module: the engine, `status`). */
function hasUploads(db: Db): boolean {
  let known = uploadsKnown.get(db)
  if (known === undefined) {
    known = hasTable(db, 'uploads')
    uploadsKnown.set(db, known)
  }
  return known
}

interface Row {
  id: number; family_id: number; udid: string; file_name: string; size: number; state: ImportState; staged_bytes: number
  error_code: string | null; source_name: string; captured_at: number | null; library_path: string | null
  asset_id: number | null; sha256: string | null; damage: 'corrupt' | 'missing' | null; verified_at: number | null
  favorite: number | null; albums: string | null
}

function like(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/** One page of the queue (photos and videos, each with its files) and the total for the filter. */
export function listQueue(db: Db, q: QueueQuery, storedThumbnail: StoredThumbnail = () => false): LibraryQueuePage {
  // For a search, a family is listed when any of its files' names matches.
  const search = q.search ? "AND f.id IN (SELECT d.family_id FROM device_files d WHERE d.in_queue = 1 AND d.file_name LIKE @search ESCAPE '\\')" : ''
  const where = `f.in_queue = 1 ${(hasUploads(db) ? FILTER_SQL : IMPORT_FILTER_SQL)[q.filter]} ${search}`
  const params: Record<string, string | number> = q.search ? { search: like(q.search) } : {}
  const total = stmt<[Record<string, string | number>], { n: number }>(db, `SELECT COUNT(*) AS n FROM device_families f WHERE ${where}`).get(params)?.n ?? 0
  // Page the family ids on the index first, then join only the page's files (CROSS JOIN keeps the page
  // the outer loop: SQLite would otherwise scan every file and probe the page): OFFSET 90,000 stays cheap.
  const rows = stmt<[Record<string, string | number>], Row>(
    db,
    `SELECT d.id, d.family_id, d.udid, d.file_name, d.size, d.state, d.staged_bytes, d.error_code, v.name AS source_name,
            a.captured_at, a.library_path, a.id AS asset_id, a.sha256, a.damage, a.verified_at, pa.favorite, pa.albums
     FROM (SELECT f.id FROM device_families f WHERE ${where} ORDER BY f.id LIMIT @limit OFFSET @offset) page
     CROSS JOIN device_files d ON d.family_id = page.id AND d.in_queue = 1 JOIN devices v ON v.udid = d.udid
     LEFT JOIN assets a ON a.id = d.asset_id
     LEFT JOIN photo_files pf ON pf.udid = d.udid AND pf.path = d.path
     LEFT JOIN photo_assets pa ON pa.udid = pf.udid AND pa.uuid = pf.uuid
     ORDER BY d.family_id, d.id`,
  ).all({ ...params, limit: q.limit, offset: q.offset })
  const families: Row[][] = []
  for (const r of rows) {
    const last = families[families.length - 1]
    if (last && last[0]!.family_id === r.family_id) last.push(r)
    else families.push([r])
  }
  return { total, offset: q.offset, items: families.map((f) => toItem(f, storedThumbnail)) }
}

/** Import states in the order a family takes the first one any of its files has. */
const STATE_RANK: Record<ImportState, number> = { failed: 0, importing: 1, pending: 2, 'not-on-phone': 3, duplicate: 4, done: 5 }

function familyState(files: readonly Row[]): ImportState {
  const worst = files.reduce((w, f) => (STATE_RANK[f.state] < STATE_RANK[w] ? f.state : w), files[0]!.state)
  // Every file in the library: 'done' unless every one was already there.
  return worst === 'duplicate' && files.some((f) => f.state === 'done') ? 'done' : worst
}

function groupKindOf(files: readonly Row[]): QueueItemView['groupKind'] {
  const roles = files.map((f) => parseName(f.file_name).role)
  if (roles.some((r) => r === 'edited' || r === 'edited-motion' || r === 'sidecar')) return 'edited'
  return roles.includes('original') && roles.includes('motion') ? 'live' : 'single'
}

function percent(staged: number, size: number): number {
  return size > 0 ? Math.min(100, Math.floor((staged / size) * 100)) : 0
}

function errorOf(r: Row): QueueFileView['error'] {
  const code: ErrorCode | null = r.error_code && isErrorCode(r.error_code) ? r.error_code : null
  // Errors show only where they explain the file: failed, or not on the phone.
  if (code === null || (r.state !== 'failed' && r.state !== 'not-on-phone')) return null
  // "Couldn't read IMG_0001.HEIC from your iPhone": the refused file by name.
  return toWireError(code, code === 'file-unreadable' ? { path: r.file_name } : {})
}

function toFile(r: Row): LibraryQueueFile {
  return {
    id: String(r.id),
    fileName: r.file_name,
    size: r.size,
    importState: r.state,
    importPercent: r.state === 'importing' && r.size > 0 ? percent(r.staged_bytes, r.size) : null,
    error: errorOf(r),
    libraryPath: r.library_path,
    assetId: r.asset_id,
  }
}

function toItem(family: Row[], storedThumbnail: StoredThumbnail): LibraryQueueItem {
  const files = [...family].sort((a, b) => ROLE_ORDER[parseName(a.file_name).role] - ROLE_ORDER[parseName(b.file_name).role] || a.id - b.id)
  const main = files[0]!
  const state = familyState(files)
  const size = files.reduce((s, f) => s + f.size, 0)
  // The file that explains the family's state: the failed one, or the one only in iCloud.
  const why = files.find((f) => f.state === state && errorOf(f) !== null)
  const imported = files.filter((f) => f.asset_id !== null)
  const damaged = imported.find((f) => f.damage !== null)
  const verified = imported.map((f) => f.verified_at)
  // Photos-library facts are the asset's: any file tied to it says them (the still, usually).
  const meta = files.find((f) => f.favorite !== null) ?? main
  return {
    id: String(main.id),
    udid: main.udid,
    fileName: main.file_name,
    groupKind: groupKindOf(files),
    size,
    sourceName: main.source_name,
    importState: state,
    importPercent: state === 'importing' && size > 0 ? percent(files.reduce((s, f) => s + (f.state === 'done' || f.state === 'duplicate' ? f.size : f.staged_bytes), 0), size) : null,
    error: why ? errorOf(why) : null,
    capturedAt: main.captured_at ?? imported[0]?.captured_at ?? null,
    libraryPath: main.library_path,
    // The main file's own cheap picture (JPEG, PNG), or the phone's stored with its bytes (HEIC, video).
    thumbnail: main.size > 0 && (mayHaveThumbnail(main.library_path) || (main.sha256 !== null && storedThumbnail(main.sha256))),
    // The library side of the ledger once a file is in: damaged if any file is, checked when the least recently checked was.
    libraryCopy: imported.length === 0 ? null : { damage: damaged?.damage ?? null, verifiedAt: verified.includes(null) ? null : Math.min(...(verified as number[])) },
    favorite: meta.favorite === 1,
    albums: parseAlbums(meta.albums),
    files: files.map(toFile),
  }
}


/**
 * Counts per filter over every source, in photos and videos (families), as the rows list them:
 * `pending` and `failed` count each photo once whose import or any upload waits or failed;
 * `importPending`/`importFailed` the imports alone. all = importFailed + importPending + notOnPhone + done.
 */
export function queueCounts(db: Db): QueueCounts {
  const rows = stmt<[], { state: 'failed' | 'pending' | 'not-on-phone' | 'done'; n: number }>(db, 'SELECT state, COUNT(*) AS n FROM device_families WHERE in_queue = 1 GROUP BY state').all()
  const n = (state: string): number => rows.find((r) => r.state === state)?.n ?? 0
  const c: QueueCounts = {
    all: rows.reduce((s, r) => s + r.n, 0), pending: n('pending'), failed: n('failed'), notOnPhone: n('not-on-phone'), done: n('done'),
    importPending: n('pending'), importFailed: n('failed'),
  }
  if (hasUploads(db)) {
    // Families not already counted by their import, with an imported file whose upload waits (failed):
    // driven by the (usually short) list of assets with such uploads, through device_files_asset.
    // (The unary + keeps SQLite from scanning every imported file through device_files_queue instead.)
    const more = (set: string, counted: string): string =>
      `(SELECT COUNT(DISTINCT d.family_id) FROM device_files d JOIN device_families f ON f.id = d.family_id
        WHERE ${set} AND +d.in_queue = 1 AND +d.state IN ('done','duplicate') AND f.state != '${counted}')`
    const u = stmt<[], { waits: number; failed: number }>(db, `SELECT ${more(UPLOAD_WAITS, 'pending')} AS waits, ${more(UPLOAD_FAILED, 'failed')} AS failed`).get()!
    c.pending += u.waits
    c.failed += u.failed
  }
  return c
}
