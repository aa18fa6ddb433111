/**
 * What one destination did in a batch, for History: from the first file it took up to the moment
 * it has nothing more to do now (its queue drained, it stopped on a problem or got full, uploads
 * were paused, or the run ended). Counted in photos and videos as the rest of the app counts them:
 * the files of one asset group (a Live Photo's still and video, an edit's render) are one.
 */
import type { ErrorCode, ErrorContext } from '../../shared/errors.js'

/** Why files did not get there: an error code and its context (the words come from error-text.ts). */
export interface UploadReason {
  code: ErrorCode
  context: ErrorContext
}

export interface UploadOutcome {
  groupId: number
  bytes: number
  /** Null: the file is there now. Otherwise why it failed for good (retryFailed revives it). */
  error: UploadReason | null
}

export interface UploadBatchSummary {
  destinationId: string
  destinationName: string
  files: number
  photos: number
  bytes: number
  failedFiles: number
  /** Photos and videos with a file that did not get there (failed, or left waiting by a stop). */
  notUploaded: number
  /** Why the others did not get there: the stop's reason, else the last failure's. */
  error: UploadReason | null
}

interface Open {
  name: string
  done: Set<number>
  failed: Set<number>
  files: number
  failedFiles: number
  bytes: number
  lastError: UploadReason | null
}

export class UploadBatches {
  private readonly open = new Map<string, Open>()
  /** The last summary recorded per destination that uploaded nothing: a full server re-checked every 15 minutes says so once. */
  private readonly lastEmpty = new Map<string, string>()

  /** The destination took up a file: a batch is running. */
  begin(destinationId: string, name: string): void {
    if (this.open.has(destinationId)) return
    this.open.set(destinationId, { name, done: new Set(), failed: new Set(), files: 0, failedFiles: 0, bytes: 0, lastError: null })
  }

  record(destinationId: string, outcome: UploadOutcome): void {
    const b = this.open.get(destinationId)
    if (!b) return
    if (outcome.error) {
      b.failed.add(outcome.groupId)
      b.failedFiles++
      b.lastError = outcome.error
    } else {
      b.done.add(outcome.groupId)
      b.files++
      b.bytes += outcome.bytes
    }
  }

  /**
   * The destination has nothing to do now. `stopped`: it stopped or parked on a problem, with the
   * photos still waiting there, which did not get there either. Null when nothing is worth a line.
   */
  settle(destinationId: string, stopped: { error: UploadReason; waitingPhotos: () => number } | null): UploadBatchSummary | null {
    const b = this.open.get(destinationId)
    if (!b) return null
    this.open.delete(destinationId)
    const photos = [...b.done].filter((g) => !b.failed.has(g)).length
    const notUploaded = b.failed.size + (stopped ? stopped.waitingPhotos() : 0)
    if (photos === 0 && notUploaded === 0) return null
    const summary: UploadBatchSummary = {
      destinationId,
      destinationName: b.name,
      files: b.files,
      photos,
      bytes: b.bytes,
      failedFiles: b.failedFiles,
      notUploaded,
      error: notUploaded > 0 ? (stopped?.error ?? b.lastError) : null,
    }
    if (photos === 0) {
      const key = `${notUploaded}:${summary.error?.code ?? ''}`
      if (this.lastEmpty.get(destinationId) === key) return null
      this.lastEmpty.set(destinationId, key)
    } else this.lastEmpty.delete(destinationId)
    return summary
  }

  /** A removed destination's batch is dropped. */
  forget(destinationId: string): void {
    this.open.delete(destinationId)
    this.lastEmpty.delete(destinationId)
  }
}
