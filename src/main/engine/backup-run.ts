/**
 * One backup of one phone over an open link: scan the camera roll, plan, import every file that
 * is not yet safe (three at a time, so per-file round trips and fsyncs overlap with transfer), hand
 * new assets to the upload queue, and keep the numbers the UI shows.
 */
import { CradleError, isCradleError, toCradleError } from '../../shared/errors.js'
import type { ImportProgress } from '../../shared/state.js'
import type { Library } from '../library/library.js'
import type { PlannedFile } from '../library/scan-plan.js'
import type { ImportSource } from '../library/source.js'
import type { Logger } from '../logging/logger.js'
import { scanCameraRoll } from './camera-roll-scan.js'
import type { PhoneFiles } from './phone-port.js'
import { ProgressMeter } from './progress-meter.js'

export interface BackupCounts {
  imported: number
  alreadyHad: number
  unavailable: number
  failed: number
  bytes: number
}

export interface BackupRunDeps {
  udid: string
  connection: number
  files: PhoneFiles
  library: Library
  now: () => number
  log: Logger
  /** New assets, to be queued for every destination. */
  onAssets: (assetIds: number[]) => void
  onProgress: (progress: ImportProgress) => void
  /** Scan finished: counts for the device card. */
  onScanned: (counts: { itemsOnPhone: number; itemsSafe: number; itemsNotOnPhone: number }) => void
  /** Called between files; throwing (e.g. power gone) stops the run after the current files. */
  checkpoint?: () => Promise<void>
  concurrency?: number
}

/**
 * Files imported at once. A file's finish (settle, fsync, digest, capture date, link, dir fsync,
 * commit) takes about as long as pulling a few MB, and the link idles whenever every worker is
 * finishing at the same time: with 2 the import reached 69–87 % of pull-only at 40 MB/s on the
 * shared bench box, with 3 it reached 84–93 % (bench/engine.bench.ts), at the same peak RSS.
 */
export const IMPORT_CONCURRENCY = 3

/** Errors that end the whole run (the phone or the library is gone); anything else fails one file. */
const RUN_ENDING = new Set(['device-unplugged', 'device-timeout', 'device-protocol', 'aborted', 'disk-full', 'library-missing', 'library-permission', 'catalog-corrupt', 'pairing-invalid', 'device-locked'])

export function afcImportSource(files: PhoneFiles, path: string, size: number): ImportSource {
  return {
    copyTo: (sink, { offset, signal, onProgress }) => files.download(path, sink, { offset, signal, size, ...(onProgress ? { onProgress } : {}) }),
  }
}

export async function runBackup(deps: BackupRunDeps, signal: AbortSignal): Promise<BackupCounts> {
  const { library, udid } = deps
  const scan = await scanCameraRoll(deps.files, udid, library, signal)
  const plan = library.planScan(udid, scan.folders, deps.connection)
  deps.log.info('scanned', { udid, folders: scan.folders.length, reused: scan.reused, statted: scan.statted, toImport: plan.toImport.length })
  deps.onScanned({ itemsOnPhone: plan.itemsOnPhone, itemsSafe: plan.itemsSafe, itemsNotOnPhone: plan.itemsNotOnPhone })

  const counts: BackupCounts = { imported: 0, alreadyHad: plan.itemsSafe, unavailable: 0, failed: 0, bytes: 0 }
  const queue = [...plan.toImport]
  const bytesTotal = queue.reduce((sum, f) => sum + Math.max(0, f.size - f.stagedBytes), 0)
  const progress: ImportProgress = { itemsDone: 0, itemsTotal: queue.length, bytesDone: 0, bytesTotal, currentFile: null, bytesPerSecond: 0, secondsLeft: null, startedAt: deps.now() }
  const meter = new ProgressMeter()
  const inFlight = new Map<number, number>() // file id → bytes transferred so far
  let completedBytes = 0
  const publish = (): void => {
    let partial = 0
    for (const b of inFlight.values()) partial += b
    progress.bytesDone = Math.min(bytesTotal, completedBytes + partial)
    meter.sample(progress.bytesDone, deps.now())
    const reading = meter.read(progress.bytesDone, bytesTotal)
    progress.bytesPerSecond = reading.bytesPerSecond
    progress.secondsLeft = reading.secondsLeft
    deps.onProgress({ ...progress })
  }
  publish()
  // "N already safe" on the card follows the import, at most once a second (it is a catalog count).
  let countsAt = deps.now()
  const refreshCounts = (): void => {
    if (deps.now() - countsAt < 1000) return
    countsAt = deps.now()
    deps.onScanned(library.deviceCounts(udid))
  }

  let stopError: CradleError | null = null
  const importOne = async (file: PlannedFile): Promise<void> => {
    progress.currentFile = file.path.slice(file.path.lastIndexOf('/') + 1)
    inFlight.set(file.id, 0)
    try {
      const outcome = await library.importFile(file.id, afcImportSource(deps.files, file.path, file.size), {
        signal,
        connection: deps.connection,
        onProgress: (staged) => {
          inFlight.set(file.id, Math.max(0, staged - file.stagedBytes))
          publish()
        },
      })
      counts.bytes += outcome.bytesTransferred
      if (outcome.state === 'done') {
        counts.imported++
        if (outcome.assetId !== null) deps.onAssets([outcome.assetId])
      } else if (outcome.state === 'duplicate') counts.alreadyHad++
      else counts.unavailable++
    } catch (error) {
      const e = toCradleError(error)
      if (RUN_ENDING.has(e.code) || signal.aborted) throw e
      // One unreadable or odd file must not stop the backup of the others.
      deps.log.warn('file failed', { udid, path: file.path, code: e.code, detail: e.message })
      library.markFailed(file.id, e.code, e.message)
      counts.failed++
    } finally {
      inFlight.delete(file.id)
      completedBytes += Math.max(0, file.size - file.stagedBytes)
      progress.itemsDone++
      publish()
      refreshCounts()
    }
  }

  const worker = async (): Promise<void> => {
    while (queue.length > 0 && !stopError) {
      if (signal.aborted) throw toCradleError(signal.reason ?? new CradleError('aborted'))
      try {
        await deps.checkpoint?.()
      } catch (error) {
        stopError ??= toCradleError(error)
        return
      }
      // The other worker may have taken the last file while this one awaited the checkpoint.
      const file = queue.shift()
      if (!file) return
      try {
        await importOne(file)
      } catch (error) {
        stopError ??= toCradleError(error)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? IMPORT_CONCURRENCY) }, worker))
  progress.currentFile = null
  publish()
  if (stopError) {
    const error: CradleError = stopError
    ;(error as CradleError & { partial?: BackupCounts }).partial = counts
    throw error
  }
  const after = library.deviceCounts(udid)
  deps.onScanned(after)
  // Files the phone could not give count once, whether tried this time or left for a later connection.
  counts.unavailable = after.itemsNotOnPhone
  return counts
}

/** The counts a run reached before it stopped on an error (for history and `backup --once`). */
export function partialCounts(error: unknown): BackupCounts | null {
  return isCradleError(error) ? ((error as CradleError & { partial?: BackupCounts }).partial ?? null) : null
}
