/**
 * The read side of the upload queue for people: per-asset states for the queue rows the UI
 * shows, and per-destination counts with failure reasons for `cradle status`. Words come from
 * error-text.ts (toWireError), never from here.
 */
import { toWireError, type Platform } from '../../shared/error-text.js'
import type { WireError } from '../../shared/errors.js'
import type { DestinationSpace, UploadState } from '../../shared/state.js'
import type { DestinationRecord, DestinationStore } from './destination-store.js'
import type { UploadQueue } from './queue/upload-queue.js'

export interface AssetUploadState {
  destinationId: string
  state: UploadState
  error: WireError | null
}

/** Counts in photos and videos, as the Photos app counts them (a Live Photo's still and video are one). */
export interface DestinationStatusCounts {
  id: string
  name: string
  kind: DestinationRecord['kind']
  done: number
  pending: number
  failed: number
  skipped: number
  /** Done because the destination already had the content. */
  alreadyThere: number
  problem: WireError | null
  /** Failed photos and videos by the reason one of their files failed. */
  failures: { code: string; count: number; message: string }[]
  /** Space there as last measured by a running Cradle (null: not measured yet). */
  space: DestinationSpace | null
}

/** Upload state per destination for a page of asset ids. */
export function assetUploadStates(queue: UploadQueue, store: DestinationStore, assetIds: readonly number[], platform?: Platform): Map<number, AssetUploadState[]> {
  const names = new Map(store.list().map((r) => [r.id, r.name]))
  const out = new Map<number, AssetUploadState[]>()
  for (const [assetId, rows] of queue.statesFor(assetIds)) {
    out.set(assetId, rows.map((r) => ({
      destinationId: r.destinationId,
      state: r.state,
      // A pending row keeps its last error while it waits to retry: the UI says why. A skipped
      // one with a reason was a type the destination does not take ("Immich does not take…").
      error: r.errorCode && (r.state === 'failed' || r.state === 'pending' || r.state === 'skipped')
        ? toWireError(r.errorCode as WireError['code'], { destinationName: names.get(r.destinationId) ?? '' }, platform)
        : null,
    })))
  }
  return out
}

/** Counts (photos and videos) and failure reasons per destination. */
export function destinationStatusCounts(queue: UploadQueue, store: DestinationStore, platform?: Platform): DestinationStatusCounts[] {
  return store.list().map((r) => {
    const c = queue.counts(r.id)
    return {
      id: r.id,
      name: r.name,
      kind: r.kind,
      done: c.done,
      pending: c.pending + c.uploading,
      failed: c.failed,
      skipped: c.skipped,
      alreadyThere: c.deduped,
      problem: r.problem ? toWireError(r.problem.code, { ...r.problem.context, destinationName: r.name }, platform) : null,
      failures: queue.failureReasons(r.id).map((f) => ({
        code: f.code,
        count: f.count,
        message: toWireError(f.code as WireError['code'], { destinationName: r.name }, platform).message,
      })),
      space: r.space,
    }
  })
}

/** Which state a photo takes when its files (a Live Photo's still and video, an edit's render) differ at a destination. */
const UPLOAD_RANK: Record<UploadState, number> = { failed: 0, uploading: 1, pending: 2, done: 3, skipped: 4 }

/**
 * One photo's state per destination from its files' states: failed if any file failed, uploading
 * or waiting while any is, done when the rest are done, skipped only when every file was (an .AAE
 * Immich does not take leaves the photo done). The error is that of a file in the photo's state.
 * A file not in the library (null: still importing, or not imported) is not anywhere else either:
 * the photo waits at every destination its other files reached, never ✓ with a part missing.
 * The same rule as the catalog's upload_groups (uploads-schema.ts), which the counts read.
 */
export function combineUploadStates(files: readonly (readonly AssetUploadState[] | null)[]): AssetUploadState[] {
  const byDestination = new Map<string, AssetUploadState>()
  for (const states of files) {
    for (const s of states ?? []) {
      const seen = byDestination.get(s.destinationId)
      if (!seen || UPLOAD_RANK[s.state] < UPLOAD_RANK[seen.state] || (s.state === seen.state && seen.error === null)) byDestination.set(s.destinationId, s)
    }
  }
  if (files.includes(null)) {
    for (const [id, s] of byDestination) {
      if (UPLOAD_RANK[s.state] > UPLOAD_RANK.pending) byDestination.set(id, { destinationId: id, state: 'pending', error: null })
    }
  }
  return [...byDestination.values()]
}
