/**
 * Queue rows for the UI (listQueue): device files from every source, a page at a time, in a
 * stable order (discovery order, id ascending). Upload states are joined by the engine.
 * Files that left the phone before they were imported drop out of the queue (in_queue = 0).
 * "Waiting" and "Failed" are about every copy, not only the import: an imported file still waiting
 * for, or refused by, any destination is listed and counted there too.
 */
import { isErrorCode, type ErrorCode } from '../../shared/errors.js'
import { toWireError } from '../../shared/error-text.js'
import type { ImportState, QueueCounts, QueueFilter, QueueItemView } from '../../shared/state.js'
import { hasTable, type Db } from './catalog-db.js'
import { mayHaveThumbnail } from './thumbnails.js'

export type LibraryQueueItem = Omit<QueueItemView, 'uploads'> & { assetId: number | null; udid: string }

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

const IN_LIBRARY = "d.state IN ('done','duplicate')"
/**
 * An upload of the file's asset to some destination waits, or failed. Uncorrelated, so SQLite
 * builds the set of such assets once per statement (from uploads_work, one range per destination)
 * instead of probing the uploads for each of 100,000 files.
 */
const uploadSet = (states: string): string =>
  `d.asset_id IN (SELECT u.asset_id FROM uploads u WHERE u.destination_id IN (SELECT id FROM upload_destinations) AND u.state IN (${states}))`
const UPLOAD_WAITS = uploadSet("'pending','uploading'")
const UPLOAD_FAILED = uploadSet("'failed'")

/** Import-only filters: a library opened without the uploads module (tests, tools) has no uploads table. */
const IMPORT_FILTER_SQL: Record<QueueFilter, string> = {
  all: '',
  pending: "AND d.state IN ('pending','importing')",
  failed: "AND d.state = 'failed'",
  'not-on-phone': "AND d.state = 'not-on-phone'",
  done: `AND ${IN_LIBRARY}`,
}

const FILTER_SQL: Record<QueueFilter, string> = {
  ...IMPORT_FILTER_SQL,
  pending: `AND (d.state IN ('pending','importing') OR (${IN_LIBRARY} AND ${UPLOAD_WAITS}))`,
  failed: `AND (d.state = 'failed' OR (${IN_LIBRARY} AND ${UPLOAD_FAILED}))`,
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
  id: number; udid: string; file_name: string; size: number; state: ImportState; staged_bytes: number
  error_code: string | null; source_name: string; captured_at: number | null; library_path: string | null
  asset_id: number | null; sha256: string | null; group_kind: 'single' | 'live' | 'edited' | null
  damage: 'corrupt' | 'missing' | null; verified_at: number | null
  favorite: number | null; albums: string | null
}

function like(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/** One page of the queue and the total for the filter. */
export function listQueue(db: Db, q: QueueQuery, storedThumbnail: StoredThumbnail = () => false): LibraryQueuePage {
  const where = `d.in_queue = 1 ${(hasUploads(db) ? FILTER_SQL : IMPORT_FILTER_SQL)[q.filter]} ${q.search ? "AND d.file_name LIKE @search ESCAPE '\\'" : ''}`
  const params: Record<string, string | number> = q.search ? { search: like(q.search) } : {}
  const total = db.prepare<[Record<string, string | number>], { n: number }>(`SELECT COUNT(*) AS n FROM device_files d WHERE ${where}`).get(params)?.n ?? 0
  // Page the ids on the index first, then join only the page: OFFSET 90,000 stays cheap.
  const rows = db
    .prepare<[Record<string, string | number>], Row>(
      `SELECT d.id, d.udid, d.file_name, d.size, d.state, d.staged_bytes, d.error_code, v.name AS source_name,
              a.captured_at, a.library_path, a.id AS asset_id, a.sha256, g.kind AS group_kind, a.damage, a.verified_at,
              pa.favorite, pa.albums
       FROM (SELECT d.id FROM device_files d WHERE ${where} ORDER BY d.id LIMIT @limit OFFSET @offset) page
       JOIN device_files d ON d.id = page.id JOIN devices v ON v.udid = d.udid
       LEFT JOIN assets a ON a.id = d.asset_id LEFT JOIN groups g ON g.id = d.group_id
       LEFT JOIN photo_files pf ON pf.udid = d.udid AND pf.path = d.path
       LEFT JOIN photo_assets pa ON pa.udid = pf.udid AND pa.uuid = pf.uuid
       ORDER BY d.id`,
    )
    .all({ ...params, limit: q.limit, offset: q.offset })
  return { total, offset: q.offset, items: rows.map((r) => toItem(r, storedThumbnail)) }
}

function toItem(r: Row, storedThumbnail: StoredThumbnail): LibraryQueueItem {
  const code: ErrorCode | null = r.error_code && isErrorCode(r.error_code) ? r.error_code : null
  // Errors show only where they explain the row: failed, or not on the phone.
  const showError = code !== null && (r.state === 'failed' || r.state === 'not-on-phone')
  return {
    id: String(r.id),
    udid: r.udid,
    fileName: r.file_name,
    groupKind: r.group_kind ?? 'single',
    size: r.size,
    sourceName: r.source_name,
    importState: r.state,
    importPercent: r.state === 'importing' && r.size > 0 ? Math.min(100, Math.floor((r.staged_bytes / r.size) * 100)) : null,
    // "Couldn't read IMG_0001.HEIC from your iPhone": the refused file by name.
    error: showError ? toWireError(code, code === 'file-unreadable' ? { path: r.file_name } : {}) : null,
    capturedAt: r.captured_at,
    libraryPath: r.library_path,
    // Its own cheap picture (JPEG, PNG), or the phone's stored with its bytes (HEIC, video).
    thumbnail: r.size > 0 && (mayHaveThumbnail(r.library_path) || (r.sha256 !== null && storedThumbnail(r.sha256))),
    assetId: r.asset_id,
    libraryCopy: r.asset_id === null ? null : { damage: r.damage, verifiedAt: r.verified_at },
    // What the phone's Photos library says about the photo the file belongs to (photo_files ties them).
    favorite: r.favorite === 1,
    albums: albumsOf(r.albums),
  }
}

/** The catalog keeps album titles as a JSON array; anything else reads as none. */
function albumsOf(json: string | null): string[] {
  if (!json) return []
  try {
    const v: unknown = JSON.parse(json)
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : []
  } catch {
    return []
  }
}

/**
 * Counts per filter over every source. `pending` and `failed` count files, each once, whose import
 * or any upload waits or failed (as the filters list them); `importPending`/`importFailed` the
 * imports alone.
 */
export function queueCounts(db: Db): QueueCounts {
  const rows = db.prepare<[], { state: ImportState; n: number }>('SELECT state, COUNT(*) AS n FROM device_files WHERE in_queue = 1 GROUP BY state').all()
  const c: QueueCounts = { all: 0, pending: 0, failed: 0, notOnPhone: 0, done: 0, importPending: 0, importFailed: 0 }
  for (const r of rows) {
    c.all += r.n
    if (r.state === 'pending' || r.state === 'importing') c.importPending += r.n
    else if (r.state === 'failed') c.importFailed += r.n
    else if (r.state === 'not-on-phone') c.notOnPhone += r.n
    else c.done += r.n
  }
  c.pending = c.importPending
  c.failed = c.importFailed
  if (hasUploads(db)) {
    // Driven by the (usually short) list of assets with such uploads, through device_files_asset.
    // (The unary + keeps SQLite from scanning every imported file through device_files_queue instead.)
    const inLibraryWith = (set: string): string => `(SELECT COUNT(*) FROM device_files d WHERE ${set} AND +d.in_queue = 1 AND +d.state IN ('done','duplicate'))`
    const u = db.prepare<[], { waits: number; failed: number }>(`SELECT ${inLibraryWith(UPLOAD_WAITS)} AS waits, ${inLibraryWith(UPLOAD_FAILED)} AS failed`).get()!
    c.pending += u.waits
    c.failed += u.failed
  }
  return c
}
