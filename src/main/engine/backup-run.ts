/**
 * One backup of one phone over an open link: scan the camera roll, plan, import every file that
 * is not yet safe (three at a time, so per-file round trips and fsyncs overlap with transfer), hand
 * new assets to the upload queue, and keep the numbers the UI shows.
 */
import { CradleError, isCradleError, toCradleError } from '../../shared/errors.js'
import type { ImportProgress } from '../../shared/state.js'
import type { Library } from '../library/library.js'
import type { DeviceCounts, PlannedFile } from '../library/scan-plan.js'
import type { ImportSource } from '../library/source.js'
import type { Logger } from '../logging/logger.js'
import { scanCameraRoll } from './camera-roll-scan.js'
import { photoLibraryScan } from './photo-library-scan.js'
import type { PhotoLibraryRead } from '../photos/library-model.js'
import type { PhoneFiles } from './phone-port.js'
import { FamilyQueue } from './family-queue.js'
import { copyPhoneThumbnail } from './phone-thumbnails.js'
import { ProgressMeter } from './progress-meter.js'
import { catalogRefreshPacer } from './refresh-pacer.js'

export interface BackupCounts {
  imported: number
  alreadyHad: number
  /** Listed but not on the phone: likely iCloud-only ("in iCloud only"). */
  unavailable: number
  /** Refused by the phone with another AFC status ("couldn't read"); retried on a later connection. */
  unreadable: number
  /** Failed in Cradle for another reason (a file that grew while read, …). */
  failed: number
  bytes: number
  /** Photos and videos the phone's Photos library says are only in iCloud (exact; 0 when it could not be read). */
  inICloudOnly: number
  /** Files of photos in the phone's Recently Deleted that were not copied (settings.importRecentlyDeleted off). */
  inRecentlyDeleted: number
  /**
   * Photos and videos as the Photos app counts them (a family of files: source folder + base stem):
   * those this run brought in with none of their files left behind, and those with a file that
   * could not be backed up (couldn't read, or failed). The words people read use these.
   */
  photosImported: number
  photosNotBackedUp: number
  /** Photos and videos already safe when the run started, and those only in iCloud when it ended. */
  photosAlreadySafe: number
  photosInICloudOnly: number
}

export const NO_COUNTS: Readonly<BackupCounts> = { imported: 0, alreadyHad: 0, unavailable: 0, unreadable: 0, failed: 0, bytes: 0, inICloudOnly: 0, inRecentlyDeleted: 0, photosImported: 0, photosNotBackedUp: 0, photosAlreadySafe: 0, photosInICloudOnly: 0 }

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
  onScanned: (counts: DeviceCounts) => void
  /** Called between files; throwing (e.g. power gone) stops the run after the current files. */
  checkpoint?: () => Promise<void>
  /** Asks lockdown whether the phone is locked (after a streak of files it could not give). */
  isLocked?: (signal: AbortSignal) => Promise<boolean>
  concurrency?: number
  /** Import what the phone has in Recently Deleted too (settings.importRecentlyDeleted). */
  importRecentlyDeleted?: boolean
  /** Reads the phone's Photos library (default: readPhotoLibrary over `files`). */
  readPhotoLibrary?: (files: PhoneFiles, signal: AbortSignal) => Promise<PhotoLibraryRead>
}

/**
 * Files imported at once. A file's finish (settle, fsync, digest, capture date, link, dir fsync,
 * commit) takes about as long as pulling a few MB, and the link idles whenever every worker is
 * finishing at the same time: with 2 the import reached 69–87 % of pull-only at 40 MB/s on the
 * shared bench box, with 3 it reached 84–93 % (bench/engine.bench.ts), at the same peak RSS.
 */
export const IMPORT_CONCURRENCY = 3

/**
 * A phone that locks with data protection refuses every file from then on, and AFC does not say
 * why. After this many files in a row that the phone could not give, lockdown is asked whether it
 * is locked; while it says no, the next question waits for twice as many (up to LOCK_CHECK_MAX),
 * so a long run of iCloud-only files costs a few questions, not one per file. When it says yes,
 * every file refused since it last said no goes back to pending (this connection tries them again
 * after the unlock) and the run stops as 'device-locked'.
 */
export const LOCK_CHECK_AFTER = 3
const LOCK_CHECK_MAX = 48

/** Errors that end the whole run (the phone or the library is gone); anything else fails one file. */
const RUN_ENDING = new Set(['device-unplugged', 'device-timeout', 'device-protocol', 'aborted', 'disk-full', 'library-missing', 'library-permission', 'catalog-corrupt', 'data-disk-full', 'catalog-busy', 'pairing-invalid', 'device-locked'])

export function afcImportSource(files: PhoneFiles, path: string, size: number): ImportSource {
  return {
    copyTo: (sink, { offset, signal, onProgress }) => files.download(path, sink, { offset, signal, size, ...(onProgress ? { onProgress } : {}) }),
  }
}

export async function runBackup(deps: BackupRunDeps, signal: AbortSignal): Promise<BackupCounts> {
  const { library, udid } = deps
  const scan = await scanCameraRoll(deps.files, udid, library, signal)
  // The phone's own view (Photos.sqlite): originals outside DCIM, Recently Deleted, iCloud-only,
  // albums and favorites. Unavailable → DCIM exactly as before, said once in the log.
  const photos = await photoLibraryScan(deps, scan.folders, signal)
  const folders = [...scan.folders, ...photos.folders]
  const plan = library.planScan(udid, folders, deps.connection, { includeTrashed: deps.importRecentlyDeleted === true })
  deps.log.info('scanned', { udid, folders: folders.length, reused: scan.reused, statted: scan.statted + photos.statted, toImport: plan.toImport.length })
  for (const r of scan.refused) deps.log.warn('could not read the file\'s info', { udid, path: r.path, code: r.error.code, detail: r.error.message })
  // Refused stats of files the catalog has no row for yet count here; the next scan stats them again.
  const unrecorded = plan.unrecorded.length
  const withUnrecorded = (c: DeviceCounts): DeviceCounts => ({
    ...c, itemsOnPhone: c.itemsOnPhone + unrecorded, itemsUnreadable: c.itemsUnreadable + unrecorded,
    photos: { ...c.photos, onPhone: c.photos.onPhone + unrecorded, unreadable: c.photos.unreadable + unrecorded },
  })
  deps.onScanned(withUnrecorded(plan))

  const counts: BackupCounts = { ...NO_COUNTS, alreadyHad: plan.itemsSafe, unreadable: unrecorded, inICloudOnly: plan.itemsInICloudOnly, inRecentlyDeleted: plan.itemsInRecentlyDeleted, photosAlreadySafe: plan.photos.safe }
  const queue = new FamilyQueue(plan.toImport)
  const bytesTotal = plan.toImport.reduce((sum, f) => sum + Math.max(0, f.size - f.stagedBytes), 0)
  const progress: ImportProgress = { itemsDone: 0, itemsTotal: queue.remaining, bytesDone: 0, bytesTotal, currentFile: null, bytesPerSecond: 0, secondsLeft: null, startedAt: deps.now() }
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
  // "N safe" on the card follows the import file by file on a small phone, and less often on a
  // phone big enough that counting (and the card's Photos-library report) costs: see RefreshPacer.
  // The safety ledger is paced the same way, so the card's count and the ledger's agree.
  const countsPacer = catalogRefreshPacer(deps.now)
  countsPacer.run(() => undefined)
  const refreshCounts = (): void => {
    if (!countsPacer.due()) return
    countsPacer.run(() => deps.onScanned(withUnrecorded(library.deviceCounts(udid))))
  }

  let stopError: CradleError | null = null
  // Families (photos and videos) this run brought a file of in; those it left a file of behind
  // (in Cradle, or the phone refused it: the latter also kept apart, the catalog counts those at
  // the end); and those with a file only in iCloud (not safe, nor a failure).
  const importedFamilies = new Set<string>()
  const leftBehind = new Set<string>()
  const refusedFamilies = new Set<string>()
  const inICloudFamilies = new Set<string>()
  const photosOfRun = (phoneRefused: number): void => {
    counts.photosImported = [...importedFamilies].filter((f) => !leftBehind.has(f) && !inICloudFamilies.has(f)).length
    counts.photosNotBackedUp = phoneRefused + [...leftBehind].filter((f) => !refusedFamilies.has(f)).length
  }
  // Files the phone could not give in a row (reset by a file it gave), and every one it could not
  // give since lockdown last said "not locked": a success may come from a file opened before the
  // lock, so all of those may be the lock's doing.
  let streak = 0
  let refused: { id: number; state: 'not-on-phone' | 'failed' }[] = []
  let checkAt = LOCK_CHECK_AFTER
  let lockSeen = false
  let asking: Promise<void> | null = null
  const uncount = (files: readonly { state: 'not-on-phone' | 'failed' }[]): void => {
    for (const f of files) {
      if (f.state === 'not-on-phone') counts.unavailable--
      else counts.unreadable--
    }
  }
  const askLockdown = async (): Promise<void> => {
    let locked: boolean
    try {
      locked = await deps.isLocked!(signal)
    } catch (error) {
      stopError ??= toCradleError(error) // lockdown itself failing is the connection's problem
      return
    }
    if (!locked) {
      streak = 0
      refused = []
      checkAt = Math.min(LOCK_CHECK_MAX, checkAt * 2)
      return
    }
    lockSeen = true
    deps.log.warn('the phone is locked; files it refused go back to the queue', { udid, files: refused.length })
    library.requeue(refused.map((f) => f.id))
    uncount(refused)
    refused = []
    stopError ??= new CradleError('device-locked', 'the iPhone locked during the backup and refuses its files until unlocked')
  }
  const phoneCouldNotGive = async (file: PlannedFile, state: 'not-on-phone' | 'failed'): Promise<void> => {
    if (lockSeen) {
      // In flight when the lock was seen: its failure is the lock's too.
      library.requeue([file.id])
      uncount([{ state }])
      return
    }
    refused.push({ id: file.id, state })
    streak++
    if (deps.isLocked && !asking && streak >= checkAt) {
      asking = askLockdown().finally(() => {
        asking = null
      })
    }
    if (asking) await asking
  }
  /** Imports one file; true when it is now in the library (its set's group exists). */
  const importOne = async (file: PlannedFile): Promise<boolean> => {
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
      if (outcome.state === 'done' || outcome.state === 'duplicate') {
        streak = 0
        checkAt = LOCK_CHECK_AFTER
        if (outcome.state === 'duplicate') counts.alreadyHad++
        else {
          counts.imported++
          importedFamilies.add(file.family)
          if (outcome.assetId !== null) deps.onAssets([outcome.assetId])
        }
        // The phone's own picture of a HEIC or video, for the queue (best effort, once per file's bytes).
        await copyPhoneThumbnail(deps, file.id, signal)
        return true
      }
      // The phone could not give this file: its own problem, the run goes on (retried on a later connection).
      if (outcome.state === 'not-on-phone') {
        counts.unavailable++
        inICloudFamilies.add(file.family)
        deps.log.debug('not on the phone (likely in iCloud only)', { udid, path: file.path, detail: outcome.problem?.message })
      } else {
        counts.unreadable++
        leftBehind.add(file.family)
        refusedFamilies.add(file.family)
        deps.log.warn('could not read the file', { udid, path: file.path, code: outcome.problem?.code, detail: outcome.problem?.message })
      }
      await phoneCouldNotGive(file, outcome.state)
      return false
    } catch (error) {
      const e = toCradleError(error)
      if (RUN_ENDING.has(e.code) || signal.aborted) throw e
      // One unreadable or odd file must not stop the backup of the others.
      deps.log.warn('file failed', { udid, path: file.path, code: e.code, detail: e.message })
      library.markFailed(file.id, e.code, e.message)
      counts.failed++
      leftBehind.add(file.family)
      return false
    } finally {
      inFlight.delete(file.id)
      completedBytes += Math.max(0, file.size - file.stagedBytes)
      progress.itemsDone++
      publish()
      refreshCounts()
    }
  }

  const worker = async (): Promise<void> => {
    while (queue.remaining > 0 && !stopError) {
      if (signal.aborted) throw toCradleError(signal.reason ?? new CradleError('aborted'))
      try {
        await deps.checkpoint?.()
      } catch (error) {
        stopError ??= toCradleError(error)
        return
      }
      // The other worker may have taken the last file while this one awaited the checkpoint.
      const file = queue.take()
      if (file === null) return
      if (file === 'wait') {
        await queue.settled()
        continue
      }
      let grouped = false
      try {
        grouped = await importOne(file)
      } catch (error) {
        stopError ??= toCradleError(error)
      } finally {
        queue.finished(file, grouped)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? IMPORT_CONCURRENCY) }, worker))
  progress.currentFile = null
  publish()
  if (stopError) {
    const error: CradleError = stopError
    photosOfRun(refusedFamilies.size)
    ;(error as CradleError & { partial?: BackupCounts }).partial = counts
    // The card's count (refreshed at most once a second while running) is exact where the run
    // stopped, so a paused or unplugged phone shows the figure the next run starts from.
    try {
      deps.onScanned(withUnrecorded(library.deviceCounts(udid)))
    } catch {
      // The catalog itself may be what stopped the run; the error says more than a stale count.
    }
    throw error
  }
  const after = withUnrecorded(library.deviceCounts(udid))
  deps.onScanned(after)
  // Files the phone could not give count once, whether tried this time or left for a later connection.
  counts.unavailable = after.itemsNotOnPhone
  counts.unreadable = after.itemsUnreadable
  counts.inICloudOnly = after.itemsInICloudOnly
  counts.inRecentlyDeleted = after.itemsInRecentlyDeleted
  // The Photos library's figure where it could be read, else the families with a file only in iCloud.
  counts.photosInICloudOnly = Math.max(after.photos.inICloudOnly, after.itemsInICloudOnly)
  // As the file counts: what the phone refused counts once (the catalog's figure, this run's or
  // an earlier connection's), plus what failed in Cradle this run.
  photosOfRun(after.photos.unreadable)
  return counts
}

/** The counts a run reached before it stopped on an error (for history and `backup --once`). */
export function partialCounts(error: unknown): BackupCounts | null {
  return isCradleError(error) ? ((error as CradleError & { partial?: BackupCounts }).partial ?? null) : null
}
