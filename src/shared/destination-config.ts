/**
 * What the user enters to add a destination, per kind, and a pure validator used by the
 * renderer's forms, the CLI and the engine alike. Secrets travel beside the config, never in it.
 */
import type { DestinationKind } from './state.js'
import type { Validation } from './settings.js'

export interface FolderConfig { path: string }
export interface S3Config {
  endpoint: string
  bucket: string
  accessKeyId: string
  region: string
  prefix: string
  pathStyle: boolean
  /** Some S3-compatibles reject the SDK's default CRC32 checksums (R2, B2): send only what is required. */
  checksumsWhenRequired: boolean
}
export interface WebdavConfig { url: string; username: string }
export interface ImmichConfig { url: string }
export interface GooglePhotosConfig {
  /** The user's own OAuth "Desktop app" client (Cradle ships none); its secret is the destination's secret. */
  clientId: string
  /**
   * Google Photos cannot pair a Live Photo's still and video (batchCreate has no way to): the video
   * would become a separate 2–3 s clip beside the photo. Off by default: the still only, which also
   * spares two of the three Library API requests a Live Photo would cost (the video's resumable
   * start and its chunk). Still kept in the library either way.
   */
  uploadLivePhotoVideo: boolean
}

export interface DestinationConfigs {
  folder: FolderConfig
  s3: S3Config
  webdav: WebdavConfig
  immich: ImmichConfig
  'google-photos': GooglePhotosConfig
}

export type DestinationDraft = {
  [K in DestinationKind]: { kind: K; name: string; config: DestinationConfigs[K]; secret?: string }
}[DestinationKind]

/** Kinds that need a secret (password, API key, S3 secret key, Google's OAuth client secret) to be added. */
export const KIND_NEEDS_SECRET: Record<DestinationKind, boolean> = {
  folder: false,
  s3: true,
  webdav: true,
  immich: true,
  'google-photos': true,
}

export const DESTINATION_KINDS: readonly DestinationKind[] = ['folder', 's3', 'webdav', 'immich', 'google-photos']

function httpUrl(v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return 'is required'
  try {
    const u = new URL(v)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must start with http:// or https://'
    if (u.username || u.password) return 'must not contain a user name or password (enter those separately)'
    return null
  } catch {
    return 'is not a valid address'
  }
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? null : 'is required')
const optionalText = (v: unknown): string | null => (v === undefined || typeof v === 'string' ? null : 'must be text')
const bool = (v: unknown): string | null => (v === undefined || typeof v === 'boolean' ? null : 'must be true or false')
const absPath = (v: unknown): string | null =>
  typeof v === 'string' && (v.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(v) || v.startsWith('\\\\')) ? null : 'must be an absolute folder path'

const CHECKS: { [K in DestinationKind]: Record<string, (v: unknown) => string | null> } = {
  folder: { path: absPath },
  s3: {
    endpoint: httpUrl,
    bucket: (v) => (typeof v === 'string' && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v) ? null : 'must be a valid bucket name (3–63 lower-case letters, digits, dots, hyphens)'),
    accessKeyId: text,
    region: optionalText,
    prefix: (v) => (v === undefined || (typeof v === 'string' && !v.startsWith('/') && !v.includes('..')) ? null : 'must be a relative prefix without ".."'),
    pathStyle: bool,
    checksumsWhenRequired: bool,
  },
  webdav: { url: httpUrl, username: optionalText },
  immich: { url: httpUrl },
  'google-photos': { clientId: text, uploadLivePhotoVideo: bool },
}

/**
 * Fills defaults and checks every field; the failing key is named for the form and the CLI.
 * `secretOptional`: an edit, where a secret left out means "keep the stored one".
 */
export function validateDestinationDraft(draft: unknown, opts: { secretOptional?: boolean } = {}): Validation<DestinationDraft> {
  if (typeof draft !== 'object' || draft === null) return { ok: false, key: '(destination)', message: 'must be an object' }
  const d = draft as Record<string, unknown>
  const kind = d.kind as DestinationKind
  if (!DESTINATION_KINDS.includes(kind)) return { ok: false, key: 'kind', message: `must be one of ${DESTINATION_KINDS.join(', ')}` }
  if (typeof d.name !== 'string' || d.name.trim() === '' || d.name.length > 80) return { ok: false, key: 'name', message: 'is required (at most 80 characters)' }
  const config = (typeof d.config === 'object' && d.config !== null ? d.config : {}) as Record<string, unknown>
  const checks = CHECKS[kind]
  for (const key of Object.keys(config)) if (!Object.hasOwn(checks, key)) return { ok: false, key, message: `is not a ${kind} setting` }
  for (const [key, check] of Object.entries(checks)) {
    const problem = check(config[key])
    if (problem) return { ok: false, key, message: problem }
  }
  if (d.secret !== undefined && typeof d.secret !== 'string') return { ok: false, key: 'secret', message: 'must be text' }
  if (KIND_NEEDS_SECRET[kind] && !opts.secretOptional && (typeof d.secret !== 'string' || d.secret === '')) {
    return { ok: false, key: 'secret', message: 'is required' }
  }
  const withDefaults = applyConfigDefaults(kind, config)
  return { ok: true, value: { kind, name: d.name.trim(), config: withDefaults, ...(d.secret ? { secret: d.secret } : {}) } as DestinationDraft }
}

function applyConfigDefaults(kind: DestinationKind, c: Record<string, unknown>): DestinationConfigs[DestinationKind] {
  switch (kind) {
    case 's3': {
      const endpoint = String(c.endpoint)
      const host = new URL(endpoint).hostname
      // An IP address or an explicit port means a single-host server (MinIO, s3rver): path-style.
      const looksSingleHost = /^[\d.]+$/.test(host) || host === 'localhost' || new URL(endpoint).port !== ''
      return {
        endpoint,
        bucket: String(c.bucket),
        accessKeyId: String(c.accessKeyId),
        region: typeof c.region === 'string' && c.region !== '' ? c.region : 'us-east-1',
        prefix: typeof c.prefix === 'string' ? c.prefix.replace(/\/+$/, '') : '',
        pathStyle: typeof c.pathStyle === 'boolean' ? c.pathStyle : looksSingleHost,
        checksumsWhenRequired: c.checksumsWhenRequired === true,
      }
    }
    case 'webdav':
      return { url: String(c.url), username: typeof c.username === 'string' ? c.username : '' }
    case 'immich':
      return { url: immichServerUrl(String(c.url)) }
    case 'google-photos':
      return { clientId: String(c.clientId).trim(), uploadLivePhotoVideo: c.uploadLivePhotoVideo === true }
    case 'folder':
      return { path: String(c.path) }
  }
}

/**
 * Immich's own CLI and docs show the address as ".../api"; Cradle adds "/api/…" itself. Both
 * forms are accepted and stored without it (a stored one is cleaned again where it is used).
 */
export function immichServerUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/api$/i, '')
}
