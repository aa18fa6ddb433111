/**
 * `cradle verify --destinations`: every copy a destination holds (upload rows 'done') is checked by
 * the means that destination offers (Destination.verify: a folder's bytes, S3's checksum or ETag
 * and size, WebDAV's size and Nextcloud's checksum, Immich's checksum). A right copy gets its
 * ledger entry "verified at"; a missing or wrong one is queued to be uploaded again from the
 * library (a wrong one is first set aside — folder, S3, WebDAV — or, on Immich, which keys assets
 * by content, left where it is while the right bytes go up as their own asset; a destination that
 * can do neither leaves it a conflict the user must clear: nothing is overwritten). Copies of damaged library files are left alone: the
 * library cannot vouch for them until an import has healed it.
 */
import path from 'node:path'
import { toCradleError } from '../../shared/errors.js'
import { toWireError } from '../../shared/error-text.js'
import { LibraryFileChangedError } from '../library/sha1.js'
import type { Destination, RemoteCheck, UploadItem } from './destination.js'
import type { DestinationRecord } from './destination-store.js'
import type { UploadQueue } from './queue/upload-queue.js'

export interface DestinationVerifyReport {
  name: string
  kind: DestinationRecord['kind']
  /** False when the service offers no way to check (Google Photos): see note. */
  checkable: boolean
  note: string | null
  checked: number
  ok: number
  corrupt: number
  missing: number
  /** Of the ok ones, checked by size only (the service keeps no checksum). */
  sizeOnly: number
  /** Bad copies queued to be uploaded again. */
  requeued: number
  error: string | null
}

export interface DestinationFinding {
  destination: string
  path: string
  problem: 'corrupt' | 'missing'
  detail: string | null
  /** Queued to be uploaded again from the library (false: a wrong copy that cannot be set aside). */
  requeued: boolean
}

export interface VerifyCopiesDeps {
  queue: UploadQueue
  libraryRoot: string
  now: () => number
  /** Assets whose library file is damaged (skipped: nothing to compare with). */
  damaged: ReadonlySet<number>
  signal?: AbortSignal
  /** Makes item.sha1 known where the destination compares it (library/sha1.ts). */
  fillSha1?: ((item: UploadItem, signal?: AbortSignal) => Promise<void>) | null
  onFinding?: (f: DestinationFinding) => void
}

/** Checks one destination's copies; never throws for the destination's own errors (reported instead). */
export async function verifyCopies(record: DestinationRecord, destination: Destination, deps: VerifyCopiesDeps): Promise<DestinationVerifyReport> {
  const report: DestinationVerifyReport = { name: record.name, kind: record.kind, checkable: Boolean(destination.verify), note: destination.verifyNote ?? null, checked: 0, ok: 0, corrupt: 0, missing: 0, sizeOnly: 0, requeued: 0, error: null }
  if (!destination.verify) return report
  const signal = deps.signal ?? new AbortController().signal
  try {
    for (const { item, remoteRef } of deps.queue.doneRows(record.id)) {
      if (signal.aborted) break
      if (deps.damaged.has(item.assetId)) continue
      if (deps.fillSha1) {
        try {
          await deps.fillSha1(item, signal)
        } catch (error) {
          if (error instanceof LibraryFileChangedError) continue // damaged now: nothing to compare with
          throw error
        }
      }
      const check: RemoteCheck = await destination.verify(item, remoteRef, signal, path.join(deps.libraryRoot, ...item.libraryPath.split('/')))
      report.checked++
      if (check.state === 'ok') {
        report.ok++
        if (check.means === 'size') report.sizeOnly++
        deps.queue.markVerified(record.id, item.assetId, deps.now())
        continue
      }
      report[check.state]++
      let requeued = false
      if (check.state === 'missing' || destination.setAside || destination.contentAddressed) {
        if (check.state === 'corrupt' && destination.setAside) await destination.setAside(item, remoteRef, signal)
        deps.queue.requeue(record.id, item.assetId, { code: 'destination-copy-bad', detail: `${check.state}${check.detail ? `: ${check.detail}` : ''} (cradle verify)` }, deps.now())
        requeued = true
        report.requeued++
      } else {
        deps.queue.markFailed(record.id, item.assetId, 0, { code: 'destination-conflict', detail: `the copy differs from the library${check.detail ? ` (${check.detail})` : ''}; found by cradle verify` }, deps.now())
      }
      deps.onFinding?.({ destination: record.name, path: remoteRef, problem: check.state, detail: check.detail ?? null, requeued })
    }
  } catch (error) {
    const e = toCradleError(error)
    const words = toWireError(e.code, { ...e.context, destinationName: record.name })
    report.error = `${words.message}${words.action ? `. ${words.action}` : ''}`
  }
  return report
}
