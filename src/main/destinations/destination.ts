/**
 * The one interface every upload destination implements (folder, S3, WebDAV/Nextcloud, Immich,
 * Google Photos), and the item/context types the scheduler hands it. A destination module knows
 * its service's API and nothing about queues, retries or power: it throws a CradleError and the
 * runner decides (destination-unreachable = retry later, destination-auth = stop and ask, …).
 */
import type { Readable } from 'node:stream'
import type { SpaceReport } from '../../shared/space-text.js'
import type { DestinationKind } from '../../shared/state.js'
import type { Logger } from '../logging/logger.js'
import type { PhotoMetadata } from '../photos/photo-metadata.js'
import type { ProbeResult } from './write-probe.js'

export type AssetRole = 'original' | 'motion' | 'edited' | 'edited-motion' | 'sidecar'

/** One library file to upload, as the catalog knows it. */
export interface UploadItem {
  assetId: number
  /** Hex SHA-256 of the content: the library-wide identity. */
  sha256: string
  /** Hex SHA-1 (Immich's native key). */
  sha1: string
  size: number
  /** Relative to the library root, '/' separators. */
  libraryPath: string
  fileName: string
  mime: string
  /** Capture time, epoch ms (null when unknown; importedAt stands in). */
  capturedAt: number | null
  captureOffsetMinutes: number | null
  groupId: number
  role: AssetRole
  importedAt: number
}

/** What the runner gives one upload attempt. */
export interface UploadContext {
  signal: AbortSignal
  /**
   * Opens the library file from `start` (inclusive) to `end` (exclusive), through the shared
   * bandwidth limiter; bytes read count as progress of this item (absolute offset).
   */
  open(start?: number, end?: number): Readable
  /**
   * The same bytes, metered and counted the same, as views of one pooled buffer (no garbage per
   * chunk): a chunk is valid only until the next one is asked for, so only for a consumer that is
   * done with each chunk (hashed, written) before it takes the next.
   */
  read(start?: number, end?: number): AsyncIterable<Buffer>
  /** Opens the file without limiter or progress (local re-hashing of parts sent earlier). */
  openLocal(start?: number, end?: number): Readable
  /** Resumable state saved by an earlier attempt (S3 UploadId + parts, Google session URL, …). */
  session: unknown
  /** Persists resumable state in the queue row right away (null clears it). */
  saveSession(state: unknown): void
  /** Remote ref of another member of this item's group on this destination, once done. */
  groupRef(role: AssetRole): string | null
  /** Tells the stall watchdog that the attempt is alive (response bytes, server work). */
  touch(): void
  log: Logger
}

export interface UploadResult {
  /** Key, path, asset id or media item id on the destination: the ledger entry. */
  remoteRef: string
  /** True when the destination already had this content and nothing was sent. */
  deduped: boolean
  /**
   * True when the service vouched for the stored bytes by a checksum at upload time (S3's ETag or
   * checksum, Nextcloud's X-Hash, Immich's SHA-1, the folder's read-back). False: stored, size at
   * best checked ("uploaded, not verified"): a body damaged in transit would go unnoticed there.
   */
  verified: boolean
}

/**
 * What a check of a stored copy found (`cradle verify --destinations`). `means` says how strong the
 * check was: a checksum the service computed or kept, or only the size where it offers nothing more.
 */
export interface RemoteCheck {
  state: 'ok' | 'missing' | 'corrupt'
  means: 'checksum' | 'size'
  detail?: string
}

/** What the runner gives one application of the phone's metadata to an uploaded copy. */
export interface MetadataContext {
  signal: AbortSignal
  /** The metadata applied to this copy last time (null: never), so only what changed is undone. */
  previous: PhotoMetadata | null
  /** The XMP sidecar for this file, as the library keeps it (what other tools added there included). */
  sidecar(): Promise<string>
  log: Logger
}

export interface Destination {
  readonly kind: DestinationKind
  /** Uploads at once for this destination (2–4). */
  readonly concurrency: number
  /** Roles this destination does not take (marked 'skipped' at enqueue). */
  readonly skipRoles: readonly AssetRole[]
  /** Reachable and authorised; throws a CradleError saying why not. */
  check(signal?: AbortSignal): Promise<void>
  /**
   * "Test connection" only (not the runner's periodic check): writes a tiny test object, reads it
   * back, deletes it; free space where the service reports it. Absent where a test write would be
   * seen by the user (photo services). Throws a CradleError saying why not.
   */
  probeWrite?(signal: AbortSignal): Promise<ProbeResult>
  /**
   * Free and total space, or the account's quota, as the service reports it; `measure: 'none'`
   * with a note where it reports nothing. Asked on "Test connection", at start and after a batch of
   * uploads, never per file. Throws a CradleError when the service cannot be asked now.
   */
  space(signal: AbortSignal): Promise<SpaceReport>
  /**
   * Batch dedupe where the service can answer before bytes are sent (Immich bulk-upload-check):
   * asset ids the destination already has → remote ref. Optional.
   */
  has?(items: readonly UploadItem[], signal: AbortSignal): Promise<Map<number, string>>
  /** Uploads one item (or recognises it is there already). Never overwrites different content. */
  upload(item: UploadItem, ctx: UploadContext): Promise<UploadResult>
  /**
   * Checks the copy at `remoteRef` against the library's size and checksums, by the means the
   * service offers. `libraryFile` is the library's copy, just found good (S3 recomputes an MD5 ETag).
   */
  verify?(item: UploadItem, remoteRef: string, signal: AbortSignal, libraryFile: string): Promise<RemoteCheck>
  /** Moves a copy found corrupt out of the way (never deleted), so the next upload can put the right bytes there. */
  setAside?(item: UploadItem, remoteRef: string, signal: AbortSignal): Promise<void>
  /**
   * Applies the phone's metadata to the copy at `remoteRef`, natively where the service can:
   * the XMP sidecar beside the file (folder, S3, WebDAV), albums and favorites (Immich, Google
   * Photos). Idempotent: the runner calls it after an upload and again whenever the phone's
   * metadata changed. A failure never undoes the upload; the next metadata pass tries again.
   */
  applyMetadata?(item: UploadItem, remoteRef: string, meta: PhotoMetadata, ctx: MetadataContext): Promise<void>
  /**
   * Set by a destination whose metadata requests are batched (Google: album adds, 50 a call): its
   * copies get their metadata from the runner's pass, this many at once, not one after each upload.
   */
  readonly metadataBatch?: number
  /**
   * Uploads are keyed by content (Immich: by checksum), so uploading again never replaces anything:
   * a wrong copy needs no setting aside for the right bytes to go up (it stays for the user).
   */
  readonly contentAddressed?: boolean
  /** Why this destination's copies cannot be checked (when it has no verify). */
  readonly verifyNote?: string
  /** Google Photos: requests used today against the daily budget. */
  quota?(): { used: number; limit: number; resetsAt: number } | null
  /** Releases sockets and timers. */
  close?(): Promise<void>
}

/** ISO-8601 with the capture offset when known (Immich v3 rejects naive timestamps). */
export function isoWithOffset(ms: number, offsetMinutes: number | null): string {
  if (offsetMinutes === null || !Number.isFinite(offsetMinutes)) return new Date(ms).toISOString()
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23)
  const sign = offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(offsetMinutes)
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
}

/** The time to present as "taken at": capture time, else import time. */
export function takenAt(item: UploadItem): number {
  return item.capturedAt ?? item.importedAt
}
