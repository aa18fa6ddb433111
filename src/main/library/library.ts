/**
 * The library's API for the engine: one object per open catalog + library folder.
 * See src/main/library/README.md for how the engine drives it.
 */
import fs from 'node:fs'
import path from 'node:path'
import { CradleError, type ErrorCode } from '../../shared/errors.js'
import type { LibraryFile, ThumbnailImage } from '../../shared/contract.js'
import type { Settings } from '../../shared/settings.js'
import type { LibraryView, QueueCounts } from '../../shared/state.js'
import { catalogError, closeCatalogDb, isDamagedCatalog, openCatalogDb, openCatalogReadOnly, stmt, type Db, type SchemaModule } from './catalog-db.js'
import { moveCatalogAside, rebuildCatalog, type RebuildReport } from './catalog-rebuild.js'
import { CatalogMemo } from './catalog-version.js'
import { checkLibraryConsistency, type ConsistencyOptions, type ConsistencyProblem } from './consistency.js'
import { importFile, type ImportContext, type ImportOptions, type ImportOutcome } from './importer.js'
import { realLibraryFs, rootPresent, volumeSpace, type LibraryFs } from './library-fs.js'
import { checkRoot, prepareRoot, ROOT_MARKER } from './library-root.js'
import { Mutex } from './mutex.js'
import { catalogNeedsSha1 } from './sha1.js'
import { listQueue, queueCounts, type LibraryQueuePage, type QueueQuery } from './queue.js'
import { changedFolders, markGone, pending, planScan, recordFile, storedFiles, summarize, type DeviceCounts, type FolderScan, type PendingOptions, type ScanPlan } from './scan-plan.js'
import { librarySchema } from './schema.js'
import { damagedCount, lastScrubRun, recordScrubRun, scrubDueAt, scrubLibrary, type ScrubOptions, type ScrubRun, type ScrubSummary } from './scrub.js'
import type { ImportSource, SourceFile } from './source.js'
import { STAGING_DIR, stagingFileId } from './staging.js'
import { hasStoredThumbnail, readStoredThumbnail, storeThumbnail } from './thumbnail-store.js'
import { mayHaveThumbnail, readThumbnail } from './thumbnails.js'
import { resolveLibraryFile } from './library-file.js'

export const CATALOG_FILE = 'catalog.sqlite'
/** Present while a rebuild fills a new catalog; found at start-up, the rebuild runs again. */
const REBUILDING_SUFFIX = '.rebuilding'
const CATALOG_MIN_FREE = 16 * 1024 * 1024
export const INBOX_UDID = 'inbox'

export interface DeviceInfo {
  udid: string
  name: string
  productType?: string | null
  iosVersion?: string | null
}

export interface LibraryOptions {
  /** Fault-injection seam for tests; the real file system otherwise. */
  fs?: Partial<LibraryFs>
  now?: () => number
  /** Hash files of 1 MiB and more on a worker thread (default true; bench/import compares both). */
  hashOnWorker?: boolean
  /** Whether imports compute SHA-1 (sha1.ts); default: while the catalog has a destination that needs it. */
  needsSha1?: () => boolean
}

export class Library {
  readonly root: string
  private layout: string
  private readonly fsOps: LibraryFs
  private readonly mutex = new Mutex()
  private readonly now: () => number
  private readonly inFlight = new Set<number>()
  private readonly hashOnWorker: boolean
  private readonly needsSha1: () => boolean
  /** A phone's counts read all its rows: each snapshot of an unchanged catalog reuses them. */
  private readonly counts: CatalogMemo<DeviceCounts>

  /** Wraps an open catalog (which must include `librarySchema`) and the settings' library folder. */
  constructor(readonly db: Db, settings: Pick<Settings, 'libraryPath' | 'layout'>, opts: LibraryOptions = {}) {
    this.root = path.resolve(settings.libraryPath)
    this.layout = settings.layout
    this.fsOps = { ...realLibraryFs, ...opts.fs }
    this.now = opts.now ?? Date.now
    this.hashOnWorker = opts.hashOnWorker ?? true
    this.needsSha1 = opts.needsSha1 ?? (() => catalogNeedsSha1(this.db))
    this.counts = new CatalogMemo(db, (udid) => summarize(db, udid))
  }

  /** Opens `<dataDir>/catalog.sqlite` with the library tables plus `extraModules` (e.g. uploads). */
  static open(dataDir: string, settings: Pick<Settings, 'libraryPath' | 'layout'>, opts: LibraryOptions & { extraModules?: readonly SchemaModule[] } = {}): Library {
    const db = openCatalogDb(path.join(dataDir, CATALOG_FILE), [librarySchema, ...(opts.extraModules ?? [])])
    return new Library(db, settings, opts)
  }

  /**
   * Opens the catalog as open() does, but a damaged one (failed integrity check, not a database)
   * is moved aside and rebuilt from the library folder first (catalog-rebuild.ts); `rebuilt` then
   * says what was found. Refuses (library-missing) when the library to rebuild from is not there,
   * leaving the damaged catalog where it is. The new catalog is filled under another name and
   * renamed into place when complete, so a crash mid-rebuild never leaves a half-filled catalog
   * that looks whole: the next start finds the leftover and rebuilds again.
   */
  static async openChecked(
    dataDir: string,
    settings: Pick<Settings, 'libraryPath' | 'layout'>,
    opts: LibraryOptions & { extraModules?: readonly SchemaModule[] } = {},
  ): Promise<{ library: Library; rebuilt: RebuildReport | null }> {
    const file = path.join(dataDir, CATALOG_FILE)
    const modules = [librarySchema, ...(opts.extraModules ?? [])]
    const now = (opts.now ?? Date.now)()
    let aside: string
    if (fs.existsSync(file + REBUILDING_SUFFIX)) {
      aside = newestAside(dataDir) ?? `${file}.damaged-unknown`
    } else {
      try {
        return { library: new Library(openCatalogDb(file, modules), settings, opts), rebuilt: null }
      } catch (error) {
        if (!isDamagedCatalog(error)) throw error
      }
      const root = path.resolve(settings.libraryPath)
      if (!fs.existsSync(root)) throw new CradleError('library-missing', `the catalog ${file} is damaged and the library to rebuild it from is not there`, { context: { path: root } })
      if (!fs.existsSync(path.join(root, ROOT_MARKER))) throw new CradleError('catalog-corrupt', `the catalog ${file} is damaged and ${root} is not a Cradle library to rebuild it from`, { context: { path: file } })
      aside = moveCatalogAside(file, now)
    }
    const building = file + REBUILDING_SUFFIX
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(building + suffix, { force: true })
    const db = openCatalogDb(building, modules)
    let report: RebuildReport
    try {
      report = await rebuildCatalog(db, path.resolve(settings.libraryPath), aside, now)
      db.pragma('wal_checkpoint(TRUNCATE)')
    } finally {
      db.close()
    }
    fs.renameSync(building, file)
    return { library: new Library(openCatalogDb(file, modules), settings, opts), rebuilt: report }
  }

  /** Reads `<dataDir>/catalog.sqlite` beside the Cradle that holds the data folder (nothing is written). */
  static openReadOnly(dataDir: string, settings: Pick<Settings, 'libraryPath' | 'layout'>, opts: { extraModules?: readonly SchemaModule[] } = {}): Library {
    return new Library(openCatalogReadOnly(path.join(dataDir, CATALOG_FILE), [librarySchema, ...(opts.extraModules ?? [])]), settings)
  }

  /** Applies a new layout template (affects groups created from now on; nothing moves). */
  setLayout(layout: string): void {
    this.layout = layout
  }

  /**
   * Creates the library folder the first time; afterwards only checks it is there.
   * Throws library-missing (unplugged drive), library-permission or disk-full.
   */
  prepare(): void {
    prepareRoot(this.db, this.root, this.now())
  }

  /**
   * Start-up repair: rows left 'importing' by a crash go back to 'pending'; staging files that
   * cannot be resumed are deleted. Safe to call when the root is missing (does nothing there).
   */
  recover(): { resetRows: number; removedStaging: number } {
    const resetRows = stmt(this.db, "UPDATE device_files SET state = 'pending' WHERE state = 'importing'").run().changes
    let removedStaging = 0
    const dir = path.join(this.root, STAGING_DIR)
    let names: string[] = []
    try {
      names = fs.readdirSync(dir)
    } catch {
      return { resetRows, removedStaging }
    }
    const keep = new Set(stmt<[], { id: number }>(this.db, "SELECT id FROM device_files WHERE staged_bytes > 0 AND state = 'pending'").all().map((r) => r.id))
    for (const name of names) {
      const id = stagingFileId(name)
      if (id !== null && keep.has(id)) continue
      fs.rmSync(path.join(dir, name), { force: true, recursive: true })
      removedStaging++
    }
    return { resetRows, removedStaging }
  }

  /** Records a connection of a phone (or the inbox) and returns its connection number. */
  beginConnection(device: DeviceInfo, kind: 'phone' | 'inbox' = 'phone'): number {
    const now = this.now()
    stmt(this.db, `INSERT INTO devices (udid, kind, name, product_type, ios_version, first_seen, last_seen, connection_count) VALUES (?, ?, ?, ?, ?, ?, ?, 1)
      ON CONFLICT(udid) DO UPDATE SET name = excluded.name, product_type = COALESCE(excluded.product_type, product_type),
        ios_version = COALESCE(excluded.ios_version, ios_version), last_seen = excluded.last_seen, connection_count = connection_count + 1`)
      .run(device.udid, kind, device.name, device.productType ?? null, device.iosVersion ?? null, now, now)
    return stmt<[string], { c: number }>(this.db, 'SELECT connection_count AS c FROM devices WHERE udid = ?').get(device.udid)!.c
  }

  /** Remembers that a backup of this phone finished (shown as "last backup"). */
  recordBackupSuccess(udid: string, at = this.now()): void {
    stmt(this.db, 'UPDATE devices SET last_backup_at = ?, last_seen = ? WHERE udid = ?').run(at, at, udid)
  }

  /** Known devices with their last backup time. */
  devices(): { udid: string; kind: 'phone' | 'inbox'; name: string; productType: string | null; iosVersion: string | null; lastSeen: number; lastBackupAt: number | null }[] {
    return stmt<[], { udid: string; kind: 'phone' | 'inbox'; name: string; productType: string | null; iosVersion: string | null; lastSeen: number; lastBackupAt: number | null }>(this.db,
      'SELECT udid, kind, name, product_type AS productType, ios_version AS iosVersion, last_seen AS lastSeen, last_backup_at AS lastBackupAt FROM devices ORDER BY name',
    ).all()
  }

  /** Fast re-check, step 1: which folders' signatures differ from the stored ones (stat only those). */
  changedFolders(udid: string, folders: readonly { folder: string; signature: string }[]): string[] {
    return changedFolders(this.db, udid, folders)
  }

  /** The stored per-file stats of a folder from its last full listing. */
  storedFiles(udid: string, folder: string): SourceFile[] {
    return storedFiles(this.db, udid, folder)
  }

  /** Records a listing (changed folders with files, unchanged ones without) and returns what to import. */
  planScan(udid: string, folders: readonly FolderScan[], connection: number, opts: PendingOptions = {}): ScanPlan {
    return planScan(this.db, udid, folders, connection, this.now(), opts, (u) => this.deviceCounts(u))
  }

  /** Records one file seen outside a full listing (the inbox); returns its device-file id. */
  recordFile(udid: string, file: SourceFile): number {
    return recordFile(this.db, udid, file, this.now())
  }

  /** The source no longer has this path (inbox file removed). */
  markGone(udid: string, filePath: string): void {
    markGone(this.db, udid, filePath)
  }

  /** Counts and the import list without a new listing (e.g. start-up: finish what was left). */
  pendingFor(udid: string, connection: number, opts: PendingOptions = {}): ScanPlan {
    return { ...this.deviceCounts(udid), ...pending(this.db, udid, connection, opts), newFiles: 0, unrecorded: [] }
  }

  /** Imports one planned file (see importer.ts). Throws CradleError; 'not-on-phone' is an outcome. */
  async importFile(fileId: number, source: ImportSource, opts: ImportOptions): Promise<ImportOutcome> {
    if (this.inFlight.has(fileId)) throw new CradleError('busy', `device file ${fileId} is already importing`)
    this.inFlight.add(fileId)
    try {
      return await importFile(this.context(), fileId, source, opts)
    } catch (error) {
      // A full data volume or a catalog another program holds: the run stops and waits, the file stays pending.
      throw catalogError(error, this.db.name)
    } finally {
      this.inFlight.delete(fileId)
    }
  }

  /** Records "listed but not on this iPhone" when the engine learns it outside importFile. */
  markNotOnPhone(fileId: number, connection: number): void {
    stmt(this.db, "UPDATE device_files SET state = 'not-on-phone', error_code = 'file-not-on-device', not_on_phone_connection = ?, staged_bytes = 0 WHERE id = ?").run(connection, fileId)
  }

  /** Marks a file failed (a per-file error the engine decided not to retry now). */
  markFailed(fileId: number, code: ErrorCode, detail?: string): void {
    stmt(this.db, "UPDATE device_files SET state = 'failed', error_code = ?, error_detail = ? WHERE id = ? AND state NOT IN ('done','duplicate')").run(code, detail ?? null, fileId)
  }

  /**
   * Files the phone could not give while something else was to blame (it was locked): back to
   * pending, so the next run of this connection tries them again. Safe files are left alone.
   */
  requeue(fileIds: readonly number[]): void {
    const requeue = stmt(this.db, "UPDATE device_files SET state = 'pending', error_code = NULL, error_detail = NULL, staged_bytes = 0 WHERE id = ? AND state IN ('not-on-phone','failed')")
    this.db.transaction(() => {
      for (const id of fileIds) requeue.run(id)
    })()
  }

  /** Failed files back to pending (retryFailed); returns how many. */
  retryFailed(udid?: string): number {
    return udid === undefined
      ? stmt(this.db, "UPDATE device_files SET state = 'pending', error_code = NULL WHERE state = 'failed'").run().changes
      : stmt(this.db, "UPDATE device_files SET state = 'pending', error_code = NULL WHERE state = 'failed' AND udid = ?").run(udid).changes
  }

  listQueue(q: QueueQuery): LibraryQueuePage {
    return listQueue(this.db, q, (sha256) => hasStoredThumbnail(this.root, sha256))
  }

  /** The thumbnail of a queue item (a device-file id) once it is in the library: its own cheap one, else the phone's stored one; else null. */
  async thumbnail(deviceFileId: number): Promise<ThumbnailImage | null> {
    const row = stmt<[number], { library_path: string; sha256: string }>(this.db, 'SELECT a.library_path, a.sha256 FROM device_files d JOIN assets a ON a.id = d.asset_id WHERE d.id = ?')
      .get(deviceFileId)
    if (!row) return null
    return (await readThumbnail(this.root, row.library_path)) ?? readStoredThumbnail(this.root, row.sha256)
  }

  /**
   * Where the phone keeps the thumbnail of an imported file's Photos asset, when the library
   * should copy it: the file has no cheap picture of its own and none is stored yet. Null otherwise.
   */
  phoneThumbnailWanted(deviceFileId: number): { sha256: string; phonePath: string } | null {
    const row = stmt<[number], { sha256: string; library_path: string; phone_path: string }>(this.db, `SELECT a.sha256, a.library_path, pa.phone_path
      FROM device_files d JOIN assets a ON a.id = d.asset_id
      JOIN photo_files pf ON pf.udid = d.udid AND pf.path = d.path
      JOIN photo_assets pa ON pa.udid = pf.udid AND pa.uuid = pf.uuid
      WHERE d.id = ? AND pa.phone_path IS NOT NULL`).get(deviceFileId)
    if (!row || mayHaveThumbnail(row.library_path) || hasStoredThumbnail(this.root, row.sha256)) return null
    return { sha256: row.sha256, phonePath: row.phone_path }
  }

  /** Keeps the phone's thumbnail of a library file (thumbnail-store.ts); false when the bytes are not a small JPEG. */
  storeThumbnail(sha256: string, bytes: Buffer): Promise<boolean> {
    return storeThumbnail(this.root, sha256, bytes)
  }

  /**
   * The library file of a queue item (a device-file id), resolved and confined to the root
   * (library-file.ts). not-found: no such item; not-in-library: not imported (yet), or gone.
   */
  async file(deviceFileId: number): Promise<LibraryFile> {
    const row = stmt<[number], { library_path: string | null }>(this.db, 'SELECT a.library_path FROM device_files d LEFT JOIN assets a ON a.id = d.asset_id WHERE d.id = ?')
      .get(deviceFileId)
    if (!row) throw new CradleError('not-found', `no queue item ${deviceFileId}`)
    if (row.library_path === null) throw new CradleError('not-in-library', `queue item ${deviceFileId} is not imported`)
    return resolveLibraryFile(this.root, row.library_path)
  }

  queueCounts(): QueueCounts {
    return queueCounts(this.db)
  }

  /** Items on a source, how many are safe, how many the phone could not give (iCloud-only; refused: "couldn't read"). */
  deviceCounts(udid: string): DeviceCounts {
    return this.counts.get(udid)
  }

  /** The library card: asset count, bytes, free space, whether the folder is there. */
  /** How many files the library holds and their bytes (one cheap query: the snapshot asks per change). */
  totals(): Pick<LibraryView, 'assetCount' | 'bytes'> {
    const { n, bytes } = stmt<[], { n: number; bytes: number | null }>(this.db, 'SELECT COUNT(*) AS n, SUM(size) AS bytes FROM assets').get()!
    return { assetCount: n, bytes: bytes ?? 0 }
  }

  async view(): Promise<LibraryView> {
    const totals = this.totals()
    let available = rootPresent(this.root)
    if (available) {
      try {
        checkRoot(this.db, this.root)
      } catch {
        available = false
      }
    }
    const space = available ? await volumeSpace(this.root) : undefined
    return { path: this.root, ...totals, freeBytes: space?.freeBytes ?? null, available }
  }

  /** Re-reads library files against the catalog's SHA-256 and records what it finds (scrub.ts). */
  scrub(opts: Omit<ScrubOptions, 'now' | 'mutex'> = {}): Promise<ScrubSummary> {
    return scrubLibrary(this.db, this.root, { ...opts, now: this.now, mutex: this.mutex })
  }

  /** Remembers a scrub's result ("last checked"). */
  recordScrub(kind: ScrubRun['kind'], summary: ScrubSummary): void {
    recordScrubRun(this.db, kind, summary)
  }

  lastScrub(): ScrubRun | null {
    return lastScrubRun(this.db)
  }

  /** When the next file is due for its check every `intervalMs` (null: empty library). */
  scrubDueAt(intervalMs: number): number | null {
    return scrubDueAt(this.db, intervalMs)
  }

  damagedCount(): number {
    return damagedCount(this.db)
  }

  /**
   * After data-disk-full or catalog-busy: whether the catalog can take writes again — a little
   * free space on its volume (min(16 MiB, a quarter of the volume)) and its write lock free now
   * (probed without waiting: the caller polls, the event loop must not block).
   */
  async catalogReady(): Promise<boolean> {
    const space = await volumeSpace(path.dirname(this.db.name))
    if (space && space.freeBytes < Math.min(CATALOG_MIN_FREE, space.totalBytes / 4)) return false
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number
    this.db.pragma('busy_timeout = 0')
    try {
      this.db.exec('BEGIN IMMEDIATE')
      this.db.exec('ROLLBACK')
      return true
    } catch {
      return false
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`)
    }
  }

  checkConsistency(opts?: ConsistencyOptions): ConsistencyProblem[] {
    return checkLibraryConsistency(this.db, this.root, opts)
  }

  close(): void {
    closeCatalogDb(this.db)
  }

  private context(): ImportContext {
    return {
      db: this.db,
      root: this.root,
      layout: this.layout,
      fs: this.fsOps,
      mutex: this.mutex,
      now: this.now,
      hashOnWorker: this.hashOnWorker,
      needsSha1: this.needsSha1,
      // First use creates and registers the root (as prepare() does); afterwards it is only checked.
      ensureRoot: () => prepareRoot(this.db, this.root, this.now()),
    }
  }
}

/** The most recent damaged catalog kept aside in `dataDir` (for a rebuild that must start again). */
function newestAside(dataDir: string): string | null {
  const names = fs.readdirSync(dataDir).filter((n) => n.startsWith(`${CATALOG_FILE}.damaged-`) && !/-(wal|shm|journal)$/.test(n)).sort()
  return names.length ? path.join(dataDir, names.at(-1)!) : null
}
