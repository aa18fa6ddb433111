/**
 * The persistent upload queue: SQL over the 'uploads' table. Every state change is one statement,
 * so a crash leaves each row either before or after it; rows left 'uploading' by a crash go back
 * to 'pending' at start (resetInterrupted) and their resumable session is kept.
 */
import type { Db } from '../../library/catalog-db.js'
import type { UploadState } from '../../../shared/state.js'
import type { AssetRole, UploadItem } from '../destination.js'

export interface ClaimedRow {
  item: UploadItem
  attempts: number
  session: unknown
}

export interface RowError {
  code: string
  detail: string
}

/** In photos and videos (asset groups), apart from the bytes and files still to send. */
export interface DestinationCounts {
  done: number
  pending: number
  uploading: number
  failed: number
  skipped: number
  deduped: number
  pendingBytes: number
  /** Files still pending or uploading (a photo with a failed file may still have one to send). */
  waitingFiles: number
}

interface AssetRow {
  asset_id: number
  sha256: string
  sha1: string
  size: number
  library_path: string
  file_name: string
  mime: string
  captured_at: number | null
  capture_offset_minutes: number | null
  group_id: number
  role: AssetRole
  imported_at: number
  attempts: number
  session_json: string | null
}

const ITEM_COLUMNS = `a.id AS asset_id, a.sha256, a.sha1, a.size, a.library_path, a.file_name, a.mime, a.captured_at,
  a.capture_offset_minutes, a.group_id, a.role, a.imported_at, u.attempts, u.session_json`

/**
 * A still waits while its motion part is queued on the same destination (Immich links it by id).
 * The motion part is found through its group (assets_group), then its upload by key: CROSS JOIN
 * fixes that order, else SQLite walked every waiting upload of the destination (uploads_work) for
 * each candidate, which made one claim cost seconds while a big phone's files waited.
 */
const LIVE_PHOTO_GATE = `NOT (a.role IN ('original','edited') AND EXISTS (
    SELECT 1 FROM assets m CROSS JOIN uploads mu ON mu.asset_id = m.id AND mu.destination_id = u.destination_id
    WHERE m.group_id = a.group_id AND m.role = CASE a.role WHEN 'original' THEN 'motion' ELSE 'edited-motion' END
      AND mu.state IN ('pending','uploading')))`

function toItem(r: AssetRow): UploadItem {
  return {
    assetId: r.asset_id,
    sha256: r.sha256,
    sha1: r.sha1,
    size: r.size,
    libraryPath: r.library_path,
    fileName: r.file_name,
    mime: r.mime,
    capturedAt: r.captured_at,
    captureOffsetMinutes: r.capture_offset_minutes,
    groupId: r.group_id,
    role: r.role,
    importedAt: r.imported_at,
  }
}

function parseSession(json: string | null): unknown {
  if (json === null) return null
  try {
    return JSON.parse(json) as unknown
  } catch {
    return null
  }
}

export class UploadQueue {
  constructor(private readonly db: Db) {}

  /**
   * Adds a row for every (asset, destination) pair that has none: one INSERT…SELECT. Roles a
   * destination does not take are recorded as 'skipped'. Returns the number of rows added.
   */
  enqueue(now: number, options: { destinationId?: string; assetIds?: readonly number[] } = {}): number {
    const byAsset = options.assetIds !== undefined
    const sql = `INSERT OR IGNORE INTO uploads (destination_id, asset_id, state, updated_at)
      SELECT d.id, a.id, CASE WHEN instr(d.skip_roles, ',' || a.role || ',') > 0 THEN 'skipped' ELSE 'pending' END, @now
      FROM ${byAsset ? '(SELECT CAST(value AS INTEGER) AS id FROM json_each(@ids)) x JOIN assets a ON a.id = x.id' : 'assets a'}
      CROSS JOIN upload_destinations d
      WHERE (@dest IS NULL OR d.id = @dest)`
    const result = this.db.prepare(sql).run({
      now,
      dest: options.destinationId ?? null,
      ...(byAsset ? { ids: JSON.stringify(options.assetIds) } : {}),
    })
    return result.changes
  }

  /** After a restart: rows a crash left 'uploading' go back to 'pending' (session kept). */
  resetInterrupted(now: number): number {
    return this.db.prepare(`UPDATE uploads SET state = 'pending', updated_at = ? WHERE state = 'uploading'`).run(now).changes
  }

  /** Takes the next due row for a destination and marks it 'uploading'; null when none is due. */
  claim(destinationId: string, now: number, exclude: ReadonlySet<number> = new Set()): ClaimedRow | null {
    const select = this.db.prepare<{ dest: string; now: number; ex: string }, AssetRow>(`
      SELECT ${ITEM_COLUMNS} FROM uploads u JOIN assets a ON a.id = u.asset_id
      WHERE u.destination_id = @dest AND u.state = 'pending' AND u.next_attempt_at <= @now
        AND u.asset_id NOT IN (SELECT value FROM json_each(@ex))
        AND a.damage IS NULL -- a damaged library file waits until an import heals it (library/scrub.ts)
        AND ${LIVE_PHOTO_GATE}
      ORDER BY u.next_attempt_at, u.asset_id LIMIT 1`)
    const mark = this.db.prepare(`UPDATE uploads SET state = 'uploading', updated_at = ? WHERE destination_id = ? AND asset_id = ? AND state = 'pending'`)
    return this.db.transaction(() => {
      const row = select.get({ dest: destinationId, now, ex: JSON.stringify([...exclude]) })
      if (!row) return null
      mark.run(now, destinationId, row.asset_id)
      return { item: toItem(row), attempts: row.attempts, session: parseSession(row.session_json) }
    })()
  }

  /** The wall clock jumped by `ms`: every waiting retry moves with it (same real wait). */
  shiftDue(destinationId: string, ms: number): number {
    return this.db.prepare(`UPDATE uploads SET next_attempt_at = MAX(0, next_attempt_at + ?) WHERE destination_id = ? AND state = 'pending' AND next_attempt_at > 0`)
      .run(Math.round(ms), destinationId).changes
  }

  /**
   * At start-up: a retry due further ahead than any delay Cradle sets (`horizonMs`) was set
   * before the wall clock went back while Cradle was not running; it is due now.
   */
  clampDue(now: number, horizonMs: number): number {
    return this.db.prepare(`UPDATE uploads SET next_attempt_at = ? WHERE state = 'pending' AND next_attempt_at > ?`).run(now, now + horizonMs).changes
  }

  /** Earliest next_attempt_at among pending rows that can go (null when none can). */
  nextDue(destinationId: string): number | null {
    // A damaged library file waits for an import to heal it, not for a time (as in claim).
    const row = this.db.prepare<[string], { t: number | null }>(`SELECT MIN(u.next_attempt_at) AS t FROM uploads u JOIN assets a ON a.id = u.asset_id
      WHERE u.destination_id = ? AND u.state = 'pending' AND a.damage IS NULL`).get(destinationId)
    return row?.t ?? null
  }

  /** The next time a pending row becomes due after `now` (null: none waits on a time). */
  nextDueAfter(destinationId: string, now: number): number | null {
    const row = this.db.prepare<[string, number], { t: number | null }>(`SELECT MIN(next_attempt_at) AS t FROM uploads WHERE destination_id = ? AND state = 'pending' AND next_attempt_at > ?`).get(destinationId, now)
    return row?.t ?? null
  }

  /** Pending rows not yet put through the destination's batch dedupe. */
  unchecked(destinationId: string, limit: number): UploadItem[] {
    return this.db
      .prepare<[string, number], AssetRow>(`SELECT ${ITEM_COLUMNS} FROM uploads u JOIN assets a ON a.id = u.asset_id
        WHERE u.destination_id = ? AND u.state = 'pending' AND u.checked = 0 ORDER BY u.asset_id LIMIT ?`)
      .all(destinationId, limit)
      .map(toItem)
  }

  /**
   * Records a batch dedupe answer: found items are done (deduped), the rest are marked checked.
   * A found item matched the service's own checksum of what it stores (Immich's SHA-1): verified.
   */
  applyCheck(destinationId: string, items: readonly UploadItem[], found: ReadonlyMap<number, string>, now: number): number {
    const done = this.db.prepare(`UPDATE uploads SET state = 'done', remote_ref = @ref, deduped = 1, checked = 1, error_code = NULL, error_detail = NULL, session_json = NULL, updated_at = @now, done_at = @now, verified_at = @now
      WHERE destination_id = @dest AND asset_id = @asset AND state = 'pending'`)
    const checked = this.db.prepare(`UPDATE uploads SET checked = 1 WHERE destination_id = ? AND asset_id = ? AND state = 'pending'`)
    let n = 0
    this.db.transaction(() => {
      for (const item of items) {
        const ref = found.get(item.assetId)
        if (ref !== undefined) n += done.run({ ref, now, dest: destinationId, asset: item.assetId }).changes
        else checked.run(destinationId, item.assetId)
      }
    })()
    return n
  }

  /** The ledger entry and 'done' in one statement. */
  markDone(destinationId: string, assetId: number, remoteRef: string, deduped: boolean, bytesSent: number, now: number, verified = false): void {
    // verified_at only when the service vouched for the bytes: the ledger must not claim more.
    this.db.prepare(`UPDATE uploads SET state = 'done', remote_ref = ?, deduped = ?, bytes_sent = ?, error_code = NULL, error_detail = NULL, session_json = NULL, updated_at = ?, done_at = ?, verified_at = ?
      WHERE destination_id = ? AND asset_id = ?`).run(remoteRef, deduped ? 1 : 0, bytesSent, now, now, verified ? now : null, destinationId, assetId)
  }

  /** Rows uploaded to a destination, with where they are there (for `cradle verify --destinations`). */
  doneRows(destinationId: string): { item: UploadItem; remoteRef: string }[] {
    return this.db
      .prepare<[string], AssetRow & { remote_ref: string }>(`SELECT ${ITEM_COLUMNS}, u.remote_ref FROM uploads u JOIN assets a ON a.id = u.asset_id
        WHERE u.destination_id = ? AND u.state = 'done' AND u.remote_ref IS NOT NULL ORDER BY u.asset_id`)
      .all(destinationId)
      .map((r) => ({ item: toItem(r), remoteRef: r.remote_ref }))
  }

  /**
   * Done rows after `afterAssetId` (in asset order) with the metadata last applied to their copy:
   * one page of the metadata pass.
   */
  doneForMetadata(destinationId: string, afterAssetId: number, limit: number): { item: UploadItem; remoteRef: string; applied: string | null }[] {
    return this.db
      .prepare<[string, number, number], AssetRow & { remote_ref: string; meta_json: string | null }>(`SELECT ${ITEM_COLUMNS}, u.remote_ref, u.meta_json FROM uploads u JOIN assets a ON a.id = u.asset_id
        WHERE u.destination_id = ? AND u.state = 'done' AND u.remote_ref IS NOT NULL AND u.asset_id > ? ORDER BY u.asset_id LIMIT ?`)
      .all(destinationId, afterAssetId, limit)
      .map((r) => ({ item: toItem(r), remoteRef: r.remote_ref, applied: r.meta_json }))
  }

  /** The metadata last applied to this copy (JSON), or null. */
  appliedMetadata(destinationId: string, assetId: number): string | null {
    return this.db.prepare<[string, number], { meta_json: string | null }>('SELECT meta_json FROM uploads WHERE destination_id = ? AND asset_id = ?').get(destinationId, assetId)?.meta_json ?? null
  }

  /** Records the metadata now applied to the copy (only while the row is still done with that copy). */
  markMetadataApplied(destinationId: string, assetId: number, remoteRef: string, metaJson: string): void {
    this.db.prepare(`UPDATE uploads SET meta_json = ? WHERE destination_id = ? AND asset_id = ? AND state = 'done' AND remote_ref = ?`).run(metaJson, destinationId, assetId, remoteRef)
  }

  /** A check found the copy right: the ledger's "verified at". */
  markVerified(destinationId: string, assetId: number, now: number): void {
    this.db.prepare(`UPDATE uploads SET verified_at = ? WHERE destination_id = ? AND asset_id = ? AND state = 'done'`).run(now, destinationId, assetId)
  }

  /** A check found the copy missing or wrong: upload it again from the library (the reason stays on the row). */
  requeue(destinationId: string, assetId: number, error: RowError, now: number): void {
    this.db.prepare(`UPDATE uploads SET state = 'pending', remote_ref = NULL, deduped = 0, checked = 0, attempts = 0, next_attempt_at = 0, done_at = NULL, verified_at = NULL,
      session_json = NULL, meta_json = NULL, bytes_sent = 0, error_code = ?, error_detail = ?, updated_at = ? WHERE destination_id = ? AND asset_id = ?`)
      .run(error.code, error.detail, now, destinationId, assetId)
  }

  /** A transient failure: back to pending, due at `nextAt`. */
  markRetry(destinationId: string, assetId: number, attempts: number, nextAt: number, error: RowError, now: number): void {
    this.db.prepare(`UPDATE uploads SET state = 'pending', attempts = ?, next_attempt_at = ?, error_code = ?, error_detail = ?, updated_at = ?
      WHERE destination_id = ? AND asset_id = ?`).run(attempts, nextAt, error.code, error.detail, now, destinationId, assetId)
  }

  /** A failure of this file that retrying will not fix (until the user says retry). */
  markFailed(destinationId: string, assetId: number, attempts: number, error: RowError, now: number): void {
    this.db.prepare(`UPDATE uploads SET state = 'failed', attempts = ?, error_code = ?, error_detail = ?, updated_at = ?
      WHERE destination_id = ? AND asset_id = ?`).run(attempts, error.code, error.detail, now, destinationId, assetId)
  }

  /** Not for this destination (a file type it does not take): 'skipped' like a role it skips, with the reason. */
  markSkipped(destinationId: string, assetId: number, error: RowError, now: number): void {
    this.db.prepare(`UPDATE uploads SET state = 'skipped', error_code = ?, error_detail = ?, session_json = NULL, updated_at = ?
      WHERE destination_id = ? AND asset_id = ?`).run(error.code, error.detail, now, destinationId, assetId)
  }

  /** Gives a claimed row back untouched (pause, stop, destination-level problem). */
  release(destinationId: string, assetId: number, now: number): void {
    this.db.prepare(`UPDATE uploads SET state = 'pending', updated_at = ? WHERE destination_id = ? AND asset_id = ? AND state = 'uploading'`).run(now, destinationId, assetId)
  }

  saveSession(destinationId: string, assetId: number, session: unknown): void {
    this.db.prepare(`UPDATE uploads SET session_json = ? WHERE destination_id = ? AND asset_id = ?`)
      .run(session === null || session === undefined ? null : JSON.stringify(session), destinationId, assetId)
  }

  /** Remote ref of the group member with `role` on this destination, when done. */
  groupRef(destinationId: string, groupId: number, role: AssetRole): string | null {
    const row = this.db.prepare<[string, number, string], { remote_ref: string | null }>(`SELECT u.remote_ref FROM assets m
      JOIN uploads u ON u.asset_id = m.id AND u.destination_id = ? WHERE m.group_id = ? AND m.role = ? AND u.state = 'done' LIMIT 1`)
      .get(destinationId, groupId, role)
    return row?.remote_ref ?? null
  }

  /** Failed rows go back to pending with a fresh attempt count. */
  retryFailed(destinationId: string | null, now: number): number {
    return this.db.prepare(`UPDATE uploads SET state = 'pending', attempts = 0, next_attempt_at = 0, checked = 0, error_code = NULL, error_detail = NULL, updated_at = ?
      WHERE state = 'failed' AND (? IS NULL OR destination_id = ?)`).run(now, destinationId, destinationId).changes
  }

  /** Pending rows waiting on a backoff become due now (the user pressed retry, or resumed). */
  hurry(destinationId: string, now: number): number {
    return this.db.prepare(`UPDATE uploads SET next_attempt_at = 0 WHERE destination_id = ? AND state = 'pending' AND next_attempt_at > ?`).run(destinationId, now).changes
  }

  /**
   * A destination's photos and videos by the state they have there (upload_groups, kept by the
   * uploads triggers): ranges of upload_groups_state and upload_groups_waiting, no file read.
   */
  counts(destinationId: string): DestinationCounts {
    const out: DestinationCounts = { done: 0, pending: 0, uploading: 0, failed: 0, skipped: 0, deduped: 0, pendingBytes: 0, waitingFiles: 0 }
    const rows = this.db.prepare<[string], { state: UploadState; n: number; deduped: number }>(`
      SELECT state, COUNT(*) AS n, SUM(deduped) AS deduped FROM upload_groups WHERE destination_id = ? GROUP BY state`).all(destinationId)
    for (const r of rows) {
      out[r.state] = r.n
      if (r.state === 'done') out.deduped = r.deduped
    }
    const waiting = this.db.prepare<[string], { files: number | null; bytes: number | null }>(`
      SELECT SUM(waiting_files) AS files, SUM(waiting_bytes) AS bytes FROM upload_groups WHERE destination_id = ? AND waiting_files > 0`).get(destinationId)
    out.waitingFiles = waiting?.files ?? 0
    out.pendingBytes = waiting?.bytes ?? 0
    return out
  }

  /** Photos and videos (asset groups) with a file still waiting for this destination. */
  photosWaiting(destinationId: string): number {
    return this.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM upload_groups WHERE destination_id = ? AND waiting_files > 0').get(destinationId)!.n
  }

  /**
   * Failed photos and videos by the error code of a failed file, most common first (for `cradle status`);
   * the example from the failed files alone (uploads_work, not every file of the destination).
   */
  failureReasons(destinationId: string): { code: string; count: number; example: string }[] {
    return this.db.prepare<[string], { code: string; count: number; example: string }>(`
      SELECT g.error_code AS code, COUNT(*) AS count,
        (SELECT MAX(u.error_detail) FROM uploads u INDEXED BY uploads_work WHERE u.destination_id = g.destination_id AND u.state = 'failed' AND COALESCE(u.error_code, 'internal') = g.error_code) AS example
      FROM upload_groups g WHERE g.destination_id = ? AND g.state = 'failed' GROUP BY g.error_code ORDER BY count DESC`).all(destinationId)
  }

  /** Upload state per destination for a page of assets (the engine joins it into queue rows). */
  statesFor(assetIds: readonly number[]): Map<number, { destinationId: string; state: UploadState; errorCode: string | null; errorDetail: string | null }[]> {
    const out = new Map<number, { destinationId: string; state: UploadState; errorCode: string | null; errorDetail: string | null }[]>()
    if (assetIds.length === 0) return out
    const rows = this.db.prepare<[string], { asset_id: number; destination_id: string; state: UploadState; error_code: string | null; error_detail: string | null }>(`
      SELECT u.asset_id, u.destination_id, u.state, u.error_code, u.error_detail FROM uploads u
      WHERE u.asset_id IN (SELECT value FROM json_each(?)) ORDER BY u.asset_id, u.destination_id`).all(JSON.stringify(assetIds))
    for (const r of rows) {
      const list = out.get(r.asset_id) ?? []
      list.push({ destinationId: r.destination_id, state: r.state, errorCode: r.error_code, errorDetail: r.error_detail })
      out.set(r.asset_id, list)
    }
    return out
  }
}
