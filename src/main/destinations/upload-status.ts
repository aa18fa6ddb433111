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

/** Counts and failure reasons per destination. */
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
