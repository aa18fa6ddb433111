/**
 * Builds the Destination for a stored (or draft) config. The only file that knows every kind;
 * each kind's module knows only its own service.
 */
import type { DestinationConfigs } from '../../shared/destination-config.js'
import type { DestinationKind } from '../../shared/state.js'
import type { Clock } from '../engine/ports.js'
import type { Logger } from '../logging/logger.js'
import type { AssetRole, Destination } from './destination.js'
import { FolderDestination } from './folder/folder-destination.js'
import { GooglePhotosDestination, type GoogleEndpoints } from './google-photos/google-photos-destination.js'
import { ImmichDestination } from './immich/immich-destination.js'
import { S3Destination } from './s3/s3-destination.js'
import { WebdavDestination } from './webdav/webdav-destination.js'

/** Test seams and tuning per kind (fake servers' addresses, chunk sizes). */
export interface DestinationOptions {
  google?: Partial<GoogleEndpoints> & { dailyLimit?: number; batchDelayMs?: number; chunkSize?: number }
  s3?: { multipartThreshold?: number; partSize?: number }
  webdav?: { chunkThreshold?: number; chunkSize?: number }
  concurrency?: Partial<Record<DestinationKind, number>>
}

export interface DestinationDeps {
  id: string
  name: string
  /** The password / API key / S3 secret (Google: the OAuth client secret, may be empty). */
  secret: () => Promise<string | undefined>
  /** Google: the refresh token and where a renewed one goes. */
  refreshToken?: { get(): Promise<string | undefined>; set(token: string): Promise<void> }
  /** Kind-specific counters persisted in the catalog (Google's daily quota). */
  state?: { load(): Record<string, unknown>; save(state: Record<string, unknown>): void }
  clock: Clock
  log: Logger
  options: DestinationOptions
  /** Longest a single request may wait without progress (the runner's stall timeout). */
  timeoutMs: number
}

/** Roles a destination does not take: photo services get no .AAE sidecars; Google maybe no motion part. */
export function skipRolesFor<K extends DestinationKind>(kind: K, config: DestinationConfigs[K]): AssetRole[] {
  switch (kind) {
    case 'immich':
      return ['sidecar']
    case 'google-photos':
      return (config as DestinationConfigs['google-photos']).uploadLivePhotoVideo ? ['sidecar'] : ['sidecar', 'motion', 'edited-motion']
    default:
      return []
  }
}

export function createDestination<K extends DestinationKind>(kind: K, config: DestinationConfigs[K], deps: DestinationDeps): Destination {
  const concurrency = deps.options.concurrency?.[kind]
  switch (kind) {
    case 'folder':
      return new FolderDestination(config as DestinationConfigs['folder'], { concurrency })
    case 's3':
      return new S3Destination(config as DestinationConfigs['s3'], { ...deps, concurrency, ...deps.options.s3 })
    case 'webdav':
      return new WebdavDestination(config as DestinationConfigs['webdav'], { ...deps, concurrency, ...deps.options.webdav })
    case 'immich':
      return new ImmichDestination(config as DestinationConfigs['immich'], { ...deps, concurrency })
    case 'google-photos':
      return new GooglePhotosDestination(config as DestinationConfigs['google-photos'], { ...deps, concurrency, ...deps.options.google })
    default:
      throw new Error(`unknown destination kind ${String(kind)}`)
  }
}
