/**
 * Recent backups and upload runs, with counts and the error a run ended on, kept in the catalog
 * (schema module 'history') so "last time it worked" survives restarts.
 */
import { isErrorCode, type ErrorContext, type WireError } from '../../shared/errors.js'
import { toWireError } from '../../shared/error-text.js'
import type { HistoryEntry } from '../../shared/state.js'
import { stmt, type Db, type SchemaModule } from '../library/catalog-db.js'
import type { UploadBatchSummary } from '../destinations/upload-batch.js'

export const historySchema: SchemaModule = {
  name: 'history',
  migrations: [
    (db) => {
      db.exec(`CREATE TABLE history (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('import', 'upload')),
        source_name TEXT NOT NULL,
        udid TEXT,
        imported INTEGER NOT NULL DEFAULT 0,
        already_had INTEGER NOT NULL DEFAULT 0,
        unavailable INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        duration_ms INTEGER NOT NULL DEFAULT 0,
        error_code TEXT,
        error_context TEXT
      )`)
      db.exec('CREATE INDEX history_at ON history (at DESC)')
      db.exec('CREATE INDEX history_udid ON history (udid, at DESC)')
    },
    // Files the phone refused with an AFC status ("couldn't read"), apart from iCloud-only ones.
    (db) => {
      db.exec('ALTER TABLE history ADD COLUMN unreadable INTEGER NOT NULL DEFAULT 0')
    },
    // Photos and videos (families of files), apart from files; NULL in rows recorded before.
    (db) => {
      db.exec('ALTER TABLE history ADD COLUMN photos_imported INTEGER')
      db.exec('ALTER TABLE history ADD COLUMN photos_not_backed_up INTEGER')
    },
    // What was already safe and what is only in iCloud, in photos and videos too; NULL before.
    (db) => {
      db.exec('ALTER TABLE history ADD COLUMN photos_already_safe INTEGER')
      db.exec('ALTER TABLE history ADD COLUMN photos_in_icloud_only INTEGER')
    },
  ],
}

export type HistoryRecord = Omit<HistoryEntry, 'id' | 'error'> & { error: { code: WireError['code']; context?: ErrorContext } | null }

interface Row {
  id: number
  at: number
  kind: 'import' | 'upload'
  source_name: string
  udid: string | null
  imported: number
  already_had: number
  unavailable: number
  unreadable: number
  failed: number
  photos_imported: number | null
  photos_not_backed_up: number | null
  photos_already_safe: number | null
  photos_in_icloud_only: number | null
  bytes: number
  duration_ms: number
  error_code: string | null
  error_context: string | null
}

export class History {
  constructor(private readonly db: Db) {}

  add(record: HistoryRecord): void {
    stmt(this.db,
        `INSERT INTO history (at, kind, source_name, udid, imported, already_had, unavailable, unreadable, failed, photos_imported, photos_not_backed_up, photos_already_safe, photos_in_icloud_only, bytes, duration_ms, error_code, error_context)
         VALUES (@at, @kind, @sourceName, @udid, @imported, @alreadyHad, @unavailable, @unreadable, @failed, @photosImported, @photosNotBackedUp, @photosAlreadySafe, @photosInICloudOnly, @bytes, @durationMs, @errorCode, @errorContext)`,
      )
      .run({
        ...record,
        errorCode: record.error?.code ?? null,
        errorContext: record.error?.context ? JSON.stringify(record.error.context) : null,
      })
    // Keep the table small: a year of nightly backups from a few phones.
    stmt(this.db, 'DELETE FROM history WHERE id NOT IN (SELECT id FROM history ORDER BY at DESC LIMIT 2000)').run()
  }

  /** Newest first; `kind`: only imports or only destination batches. */
  recent(limit = 20, kind?: HistoryEntry['kind']): HistoryEntry[] {
    const rows = kind
      ? stmt<[string, number], Row>(this.db, 'SELECT * FROM history WHERE kind = ? ORDER BY at DESC, id DESC LIMIT ?').all(kind, limit)
      : stmt<[number], Row>(this.db, 'SELECT * FROM history ORDER BY at DESC, id DESC LIMIT ?').all(limit)
    return rows.map((r) => ({
      id: String(r.id),
      at: r.at,
      kind: r.kind,
      sourceName: r.source_name,
      udid: r.udid,
      imported: r.imported,
      // Rows from before photos were counted apart: the file counts are the best figure there is.
      photosImported: r.photos_imported ?? r.imported,
      photosNotBackedUp: r.photos_not_backed_up ?? r.failed + r.unreadable,
      photosAlreadySafe: r.photos_already_safe ?? r.already_had,
      photosInICloudOnly: r.photos_in_icloud_only ?? r.unavailable,
      alreadyHad: r.already_had,
      unavailable: r.unavailable,
      unreadable: r.unreadable,
      failed: r.failed,
      bytes: r.bytes,
      durationMs: r.duration_ms,
      // The sentence names the run's phone or destination ("Anna's iPhone was unplugged", not "your iPhone …").
      error: r.error_code && isErrorCode(r.error_code)
        ? toWireError(r.error_code, { [r.kind === 'import' ? 'deviceName' : 'destinationName']: r.source_name, ...parseContext(r.error_context) })
        : null,
    }))
  }

  /** The last import of this phone that ended without an error. */
  lastSuccess(udid: string): number | null {
    const row = stmt<[string], { at: number }>(this.db, "SELECT at FROM history WHERE udid = ? AND kind = 'import' AND error_code IS NULL ORDER BY at DESC LIMIT 1")
      .get(udid)
    return row?.at ?? null
  }
}

/**
 * A destination's batch as a History entry ("Uploaded 210 photos and videos to Immich · 12 not
 * uploaded: …"): photos in photosImported / photosNotBackedUp, files in imported / failed, and the
 * reason the others did not get there as its error.
 */
export function uploadBatchRecord(b: UploadBatchSummary, at: number): HistoryRecord {
  return {
    at,
    kind: 'upload',
    sourceName: b.destinationName,
    udid: null,
    imported: b.files,
    photosImported: b.photos,
    photosNotBackedUp: b.notUploaded,
    photosAlreadySafe: 0,
    photosInICloudOnly: 0,
    alreadyHad: 0,
    unavailable: 0,
    unreadable: 0,
    failed: b.failedFiles,
    bytes: b.bytes,
    durationMs: 0,
    error: b.error,
  }
}

function parseContext(text: string | null): ErrorContext {
  if (!text) return {}
  try {
    const value = JSON.parse(text) as unknown
    return typeof value === 'object' && value !== null ? (value as ErrorContext) : {}
  } catch {
    return {}
  }
}
