/**
 * Queue rows for the UI (listQueue): device files from every source, a page at a time, in a
 * stable order (discovery order, id ascending). Upload states are joined by the engine.
 * Files that left the phone before they were imported drop out of the queue (in_queue = 0).
 */
import { isErrorCode, type ErrorCode } from '../../shared/errors.js'
import { toWireError } from '../../shared/error-text.js'
import type { ImportState, QueueCounts, QueueFilter, QueueItemView } from '../../shared/state.js'
import type { Db } from './catalog-db.js'
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

const FILTER_SQL: Record<QueueFilter, string> = {
  all: '',
  pending: "AND d.state IN ('pending','importing')",
  failed: "AND d.state = 'failed'",
  'not-on-phone': "AND d.state = 'not-on-phone'",
  done: "AND d.state IN ('done','duplicate')",
}

interface Row {
  id: number; udid: string; file_name: string; size: number; state: ImportState; staged_bytes: number
  error_code: string | null; source_name: string; captured_at: number | null; library_path: string | null
  asset_id: number | null; group_kind: 'single' | 'live' | 'edited' | null
  damage: 'corrupt' | 'missing' | null; verified_at: number | null
}

function like(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/** One page of the queue and the total for the filter. */
export function listQueue(db: Db, q: QueueQuery): LibraryQueuePage {
  const where = `d.in_queue = 1 ${FILTER_SQL[q.filter]} ${q.search ? "AND d.file_name LIKE @search ESCAPE '\\'" : ''}`
  const params: Record<string, string | number> = q.search ? { search: like(q.search) } : {}
  const total = db.prepare<[Record<string, string | number>], { n: number }>(`SELECT COUNT(*) AS n FROM device_files d WHERE ${where}`).get(params)?.n ?? 0
  // Page the ids on the index first, then join only the page: OFFSET 90,000 stays cheap.
  const rows = db
    .prepare<[Record<string, string | number>], Row>(
      `SELECT d.id, d.udid, d.file_name, d.size, d.state, d.staged_bytes, d.error_code, v.name AS source_name,
              a.captured_at, a.library_path, a.id AS asset_id, g.kind AS group_kind, a.damage, a.verified_at
       FROM (SELECT d.id FROM device_files d WHERE ${where} ORDER BY d.id LIMIT @limit OFFSET @offset) page
       JOIN device_files d ON d.id = page.id JOIN devices v ON v.udid = d.udid
       LEFT JOIN assets a ON a.id = d.asset_id LEFT JOIN groups g ON g.id = d.group_id
       ORDER BY d.id`,
    )
    .all({ ...params, limit: q.limit, offset: q.offset })
  return { total, offset: q.offset, items: rows.map(toItem) }
}

function toItem(r: Row): LibraryQueueItem {
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
    thumbnail: r.size > 0 && mayHaveThumbnail(r.library_path),
    assetId: r.asset_id,
    libraryCopy: r.asset_id === null ? null : { damage: r.damage, verifiedAt: r.verified_at },
  }
}

/** Counts per filter over every source. */
export function queueCounts(db: Db): QueueCounts {
  const rows = db.prepare<[], { state: ImportState; n: number }>('SELECT state, COUNT(*) AS n FROM device_files WHERE in_queue = 1 GROUP BY state').all()
  const c: QueueCounts = { all: 0, pending: 0, failed: 0, notOnPhone: 0, done: 0 }
  for (const r of rows) {
    c.all += r.n
    if (r.state === 'pending' || r.state === 'importing') c.pending += r.n
    else if (r.state === 'failed') c.failed += r.n
    else if (r.state === 'not-on-phone') c.notOnPhone += r.n
    else c.done += r.n
  }
  return c
}
