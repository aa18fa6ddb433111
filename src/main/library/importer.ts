/**
 * The import pipeline for one listed file:
 *   stream source → staging file (hash SHA-256, + SHA-1 when needed: sha1.ts) → fsync → read capture date →
 *   pick group/name → link without replacing → fsync dir → catalog commit
 * (the last three with the other files ready at the same moment: one directory fsync and one
 * catalog transaction per small group, commit.ts).
 * The library never holds a partial file under a final name (only complete, fsynced files are
 * linked) and the catalog never points at a missing or not yet durable file (the commit comes
 * after the file's fsync, its link and its directory's fsync).
 * Interrupted by the source (unplug, abort): the staged prefix is fsynced and its length recorded,
 * and the next attempt for the same device file (same path, size, times) continues from there.
 */
import path from 'node:path'
import { CradleError, toCradleError, type ErrorCode } from '../../shared/errors.js'
import type { ImportState } from '../../shared/state.js'
import { createLogger } from '../logging/logger.js'
import type { Db } from './catalog-db.js'
import { mapFsError, type LibraryFs } from './library-fs.js'
import type { Mutex } from './mutex.js'
import { parseName } from './naming.js'
import { commit } from './commit.js'
import { captureDateOf } from './read-capture-date.js'
import type { ImportSource } from './source.js'
import { inlineHasher, workerHasher } from './content-hasher.js'
import { openStaging, SinkFsError, SourceGrewError, STAGING_DIR, stagingPath, StagingSink } from './staging.js'

const log = createLogger('library/importer')
const WORKER_MIN_BYTES = 1024 * 1024

export interface ImportContext {
  db: Db
  root: string
  layout: string
  fs: LibraryFs
  mutex: Mutex
  now: () => number
  /** Hash large files on a worker thread (content-hasher.ts) instead of the main thread. */
  hashOnWorker: boolean
  /** Whether a configured destination needs SHA-1 (sha1.ts); asked as each file starts. */
  needsSha1: () => boolean
  /** Throws library-missing when a root used before is gone (never recreates it). */
  ensureRoot: () => void
}

export interface ImportOptions {
  signal: AbortSignal
  /** Bytes of this file staged so far (including a resumed prefix). */
  onProgress?: (bytes: number) => void
  /** The connection number (Library.beginConnection); recorded when the phone cannot give the file. */
  connection?: number
}

export interface ImportOutcome {
  /**
   * 'not-on-phone': the phone could not give the file, likely iCloud-only ('file-not-on-device');
   * 'failed': it refused the file with another status ('file-unreadable', "couldn't read").
   * Both are this file's outcome, not an error: retried on a later connection.
   */
  state: Extract<ImportState, 'done' | 'duplicate' | 'not-on-phone' | 'failed'>
  assetId: number | null
  libraryPath: string | null
  /** Bytes pulled from the source by this call. */
  bytesTransferred: number
  /** Why the phone could not give the file (not-on-phone, failed): its code and the AFC detail. */
  problem?: CradleError
}

/** Source errors that are this one file's outcome (the phone answered about it), not the run's. */
const PER_FILE_OUTCOME: Partial<Record<ErrorCode, 'not-on-phone' | 'failed'>> = {
  'file-not-on-device': 'not-on-phone',
  'file-unreadable': 'failed',
}

export interface FileRow {
  id: number; udid: string; path: string; folder: string; file_name: string; base_stem: string
  size: number; mtime_ns: string; birthtime_ns: string; state: ImportState; staged_bytes: number; asset_id: number | null
}

function setState(db: Db, id: number, state: ImportState, fields: { staged?: number; code?: ErrorCode | null; detail?: string | null; connection?: number } = {}): void {
  db.prepare(`UPDATE device_files SET state = ?, staged_bytes = COALESCE(?, staged_bytes), error_code = ?, error_detail = ?,
    not_on_phone_connection = COALESCE(?, not_on_phone_connection) WHERE id = ?`)
    .run(state, fields.staged ?? null, fields.code ?? null, fields.detail ?? null, fields.connection ?? null, id)
}

/** Imports one device file row; see the module comment for the guarantees. */
export async function importFile(ctx: ImportContext, fileId: number, source: ImportSource, opts: ImportOptions): Promise<ImportOutcome> {
  const row = ctx.db.prepare<[number], FileRow>('SELECT * FROM device_files WHERE id = ?').get(fileId)
  if (!row) throw new CradleError('not-found', `no device file ${fileId}`)
  if ((row.state === 'done' || row.state === 'duplicate') && row.asset_id !== null) {
    const lp = ctx.db.prepare<[number], { library_path: string; damage: string | null }>('SELECT library_path, damage FROM assets WHERE id = ?').get(row.asset_id)
    // A damaged library copy (scrub.ts) is imported again: these bytes heal it.
    if (!lp?.damage) return { state: row.state, assetId: row.asset_id, libraryPath: lp?.library_path ?? null, bytesTransferred: 0 }
  }
  ctx.ensureRoot()
  const staged = stagingPath(ctx.root, row.id)
  try {
    await ctx.fs.mkdir(path.join(ctx.root, STAGING_DIR))
  } catch (e) {
    throw await mapFsError(e, ctx.root, 'creating the staging folder')
  }
  ctx.db.prepare("UPDATE device_files SET state = 'importing', attempts = attempts + 1 WHERE id = ?").run(row.id)

  let st: Awaited<ReturnType<typeof openStaging>>
  try {
    // Small files (sidecars, screenshots) are not worth a round trip to the hash worker.
    const hasher = { sha1: ctx.needsSha1() }
    const make = ctx.hashOnWorker && row.size >= WORKER_MIN_BYTES ? workerHasher : inlineHasher
    st = await openStaging(ctx.fs, staged, row.staged_bytes, () => make(hasher))
  } catch (e) {
    const err = await mapFsError(e, ctx.root, 'opening the staging file')
    setState(ctx.db, row.id, 'pending', { staged: 0, code: err.code, detail: err.message })
    throw err
  }
  const startedAt = st.position
  const sink = new StagingSink({
    ...st,
    expectedSize: row.size,
    onProgress: opts.onProgress,
    onCheckpoint: (bytes) => ctx.db.prepare('UPDATE device_files SET staged_bytes = ? WHERE id = ?').run(bytes, row.id),
  })
  opts.onProgress?.(st.position)

  let sourceError: unknown = null
  try {
    await source.copyTo(sink, { offset: st.position, signal: opts.signal })
  } catch (e) {
    sourceError = e
  }
  // Let queued writes land (or fail) before judging the outcome.
  await sink.settle()
  const transferred = sink.bytes - startedAt
  const sinkError = sink.error

  const discard = async (): Promise<void> => {
    st.hasher.discard()
    await st.fh.close().catch(() => undefined)
    await ctx.fs.unlink(staged).catch(() => undefined)
  }
  const keepForResume = async (): Promise<number> => {
    st.hasher.discard()
    try {
      await st.fh.sync()
      await st.fh.close()
      return sink.bytes
    } catch {
      await st.fh.close().catch(() => undefined)
      return 0
    }
  }

  if (sinkError instanceof SinkFsError) {
    const err = await mapFsError(sinkError.original, ctx.root, 'writing the staging file')
    // Disk full or no permission: drop the partial copy (frees the space); nothing is under a final name.
    await discard()
    setState(ctx.db, row.id, 'pending', { staged: 0, code: err.code, detail: err.message })
    throw err
  }
  if (sinkError instanceof SourceGrewError) {
    await discard()
    setState(ctx.db, row.id, 'failed', { staged: 0, code: 'device-protocol', detail: sinkError.message })
    throw new CradleError('device-protocol', `${row.path}: ${sinkError.message}`, { context: { path: row.path } })
  }
  if (sourceError || sinkError || sink.bytes < row.size) {
    const err = toCradleError(sourceError ?? sinkError ?? new CradleError('device-unplugged', `${row.path}: source ended at ${sink.bytes} of ${row.size} bytes`))
    const outcome = PER_FILE_OUTCOME[err.code]
    if (outcome) {
      // The detail keeps the AFC request, path and status ("AFC FileRefOpen …: UNKNOWN_ERROR (status 1)").
      await discard()
      setState(ctx.db, row.id, outcome, { staged: 0, code: err.code, detail: err.message, connection: opts.connection ?? 0 })
      return { state: outcome, assetId: null, libraryPath: null, bytesTransferred: transferred, problem: err }
    }
    const kept = await keepForResume()
    setState(ctx.db, row.id, 'pending', { staged: kept, code: err.code, detail: err.message })
    log.info('import interrupted', { path: row.path, staged: kept, size: row.size, code: err.code })
    throw err
  }

  try {
    await st.fh.sync()
    await st.fh.close()
  } catch (e) {
    await discard()
    const err = await mapFsError(e, ctx.root, 'flushing the staging file')
    setState(ctx.db, row.id, 'pending', { staged: 0, code: err.code, detail: err.message })
    throw err
  }
  let sha256: string
  let sha1: string
  try {
    ;({ sha256, sha1 } = await st.hasher.digest())
  } catch (e) {
    await ctx.fs.unlink(staged).catch(() => undefined)
    setState(ctx.db, row.id, 'pending', { staged: 0, code: 'internal', detail: (e as Error).message })
    throw new CradleError('internal', `hashing ${row.path}: ${(e as Error).message}`, { cause: e })
  }
  const parsed = parseName(row.file_name)
  const date = await captureDateOf(staged, parsed.ext, { birthtimeNs: BigInt(row.birthtime_ns), mtimeNs: BigInt(row.mtime_ns) }, ctx.now())

  try {
    // Takes the library mutex itself, grouped with whatever other files are ready (commit.ts).
    return await commit(ctx, row, { staged, sha256, sha1, parsed, date, transferred })
  } catch (e) {
    const err = await mapFsError(e, ctx.root, 'placing the file')
    await ctx.fs.unlink(staged).catch(() => undefined)
    setState(ctx.db, row.id, 'pending', { staged: 0, code: err.code, detail: err.message })
    throw err
  }
}
