/**
 * User settings: the shape, the defaults and a pure validator that names the bad key.
 * The engine stores them as a versioned JSON file in --data; the renderer validates forms
 * with the same function before sending updateSettings.
 */

export const SETTINGS_VERSION = 1

export interface Settings {
  version: typeof SETTINGS_VERSION
  /** Absolute path of the photo library folder. */
  libraryPath: string
  /** Folder template below the library root by capture date: tokens {YYYY} {MM} {DD}. */
  layout: string
  /** Start importing as soon as a trusted phone is attached. */
  autoRunOnConnect: boolean
  /** Import only while the phone reports external power. */
  importOnlyOnPower: boolean
  /** Do not import below this phone battery percentage (null = off). */
  minBatteryPercent: number | null
  /** Upload only while this computer is on AC power. */
  uploadOnlyOnAcPower: boolean
  /** Start hidden in the tray at login (desktop app only). */
  startAtLogin: boolean
  /** Upload bandwidth cap in megabytes per second, shared by all destinations (null = none). */
  uploadLimitMBps: number | null
  /** Folder whose new files are imported like phone files (null = off). */
  inboxPath: string | null
  /**
   * The background scrub re-reads every library file against its checksum once in this many days,
   * slowly and only on AC power (null = off; `cradle verify` checks on demand).
   */
  scrubEveryDays: number | null
  /**
   * Also import what the phone holds in Recently Deleted (its Photos library marks it trashed; the
   * files stay in DCIM for 30 days). Off: the user threw them away. Either way, what is already in
   * the library stays there.
   */
  importRecentlyDeleted: boolean
  /**
   * Notices (a backup finished, a phone needs attention) are also POSTed here, ntfy-style: text
   * body, Title and Tags headers (null = off). An optional bearer token is a secret, not stored here.
   */
  notifyUrl: string | null
  /** Notices also go by e-mail through this SMTP server (null = off). The password is a secret, not stored here. */
  notifyEmail: NotifyEmail | null
}

export type SmtpSecurity = 'tls' | 'starttls' | 'none'

export interface NotifyEmail {
  smtpHost: string
  smtpPort: number
  /** 'tls': TLS from the first byte (port 465); 'starttls': upgrade and refuse a server that cannot (587); 'none': plain. */
  secure: SmtpSecurity
  from: string
  to: string
  /** Signs in with AUTH PLAIN or LOGIN when set (the password lives in the secret store). */
  username?: string
}

export const DEFAULT_LAYOUT = '{YYYY}/{YYYY}-{MM}'

export function defaultSettings(libraryPath: string): Settings {
  return {
    version: SETTINGS_VERSION,
    libraryPath,
    layout: DEFAULT_LAYOUT,
    autoRunOnConnect: true,
    importOnlyOnPower: true,
    minBatteryPercent: null,
    uploadOnlyOnAcPower: true,
    startAtLogin: true,
    uploadLimitMBps: null,
    inboxPath: null,
    scrubEveryDays: 30,
    importRecentlyDeleted: false,
    notifyUrl: null,
    notifyEmail: null,
  }
}

export type SettingsPatch = Partial<Omit<Settings, 'version'>>

export type Validation<T> = { ok: true; value: T } | { ok: false; key: string; message: string }

const LAYOUT_TOKEN = /\{(YYYY|MM|DD)\}/g

/** Checks a layout template: only known tokens, relative, no `..`, at most 4 levels. */
export function validateLayout(layout: string): string | null {
  if (typeof layout !== 'string' || layout.trim() === '') return 'must not be empty'
  const stripped = layout.replace(LAYOUT_TOKEN, '')
  if (/[{}]/.test(stripped)) return 'knows only the tokens {YYYY}, {MM} and {DD}'
  if (layout.startsWith('/') || layout.includes('\\') || /^[a-zA-Z]:/.test(layout)) return 'must be a relative folder path'
  const parts = layout.split('/')
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return 'must not contain empty, "." or ".." folders'
  if (parts.length > 4) return 'may have at most 4 folder levels'
  if (/[\0<>:"|?*]/.test(stripped)) return 'contains a character folders cannot have'
  return null
}

function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(p) || p.startsWith('\\\\')
}

type FieldCheck = (value: unknown) => string | null

/** An http(s) URL without credentials in it (those are secrets and would end up in settings.json). */
export function validateNotifyUrl(v: unknown): string | null {
  if (typeof v !== 'string') return 'must be an http:// or https:// address'
  let url: URL
  try {
    url = new URL(v)
  } catch {
    return 'must be an http:// or https:// address'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// address'
  if (url.username || url.password) return 'must not contain a user name or password (give an access token as a secret instead)'
  return null
}

// Deliberately plain: one addr-spec, no display name, nothing that could end a header line.
const MAILBOX = /^[^\s@<>(),;:"\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/
const HOSTNAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$|^\[?[0-9a-fA-F:.]+\]?$/
const EMAIL_CHECKS: Record<keyof NotifyEmail, { required: boolean; check: FieldCheck }> = {
  smtpHost: { required: true, check: (v) => (typeof v === 'string' && HOSTNAME.test(v) ? null : 'must be a host name or IP address') },
  smtpPort: { required: true, check: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535 ? null : 'must be a port number from 1 to 65535') },
  secure: { required: true, check: (v) => (v === 'tls' || v === 'starttls' || v === 'none' ? null : 'must be "tls", "starttls" or "none"') },
  from: { required: true, check: (v) => (typeof v === 'string' && MAILBOX.test(v) ? null : 'must be one e-mail address (name@example.org)') },
  to: { required: true, check: (v) => (typeof v === 'string' && MAILBOX.test(v) ? null : 'must be one e-mail address (name@example.org)') },
  username: { required: false, check: (v) => (typeof v === 'string' && v.length > 0 && !/[\0\r\n]/.test(v) ? null : 'must be a non-empty user name on one line') },
}

/** Checks the e-mail settings; the message names the bad field (e.g. "smtpPort must be …"). */
export function validateNotifyEmail(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be an object with smtpHost, smtpPort, secure, from and to'
  for (const key of Object.keys(v)) {
    if (!Object.hasOwn(EMAIL_CHECKS, key)) return `has "${key}", which is not an e-mail setting Cradle knows`
  }
  for (const [key, { required, check }] of Object.entries(EMAIL_CHECKS)) {
    if (!Object.hasOwn(v, key)) {
      if (required) return `needs ${key}`
      continue
    }
    const problem = check((v as Record<string, unknown>)[key])
    if (problem) return `${key} ${problem}`
  }
  return null
}

const bool: FieldCheck = (v) => (typeof v === 'boolean' ? null : 'must be true or false')
const absolutePath: FieldCheck = (v) =>
  typeof v === 'string' && v.length > 0 && isAbsolutePath(v) ? null : 'must be an absolute folder path'

const FIELD_CHECKS: Record<keyof SettingsPatch, FieldCheck> = {
  libraryPath: absolutePath,
  layout: (v) => (typeof v === 'string' ? validateLayout(v) : 'must be text'),
  autoRunOnConnect: bool,
  importOnlyOnPower: bool,
  minBatteryPercent: (v) =>
    v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 100) ? null : 'must be a whole number from 1 to 100, or off',
  uploadOnlyOnAcPower: bool,
  startAtLogin: bool,
  uploadLimitMBps: (v) => (v === null || (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 10_000) ? null : 'must be a positive number of MB/s, or off'),
  inboxPath: (v) => (v === null ? null : absolutePath(v)),
  scrubEveryDays: (v) => (v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 365) ? null : 'must be a whole number of days from 1 to 365, or off'),
  importRecentlyDeleted: bool,
  notifyUrl: (v) => (v === null ? null : validateNotifyUrl(v)),
  notifyEmail: (v) => (v === null ? null : validateNotifyEmail(v)),
}

/** Validates a partial update; unknown keys are refused so a typo is never silently ignored. */
export function validateSettingsPatch(patch: unknown): Validation<SettingsPatch> {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return { ok: false, key: '(settings)', message: 'must be an object' }
  const out: SettingsPatch = {}
  for (const [key, value] of Object.entries(patch)) {
    // Own keys only: "isPrototypeOf", "constructor" or "__proto__" must not find Object.prototype's.
    const check = Object.hasOwn(FIELD_CHECKS, key) ? FIELD_CHECKS[key as keyof SettingsPatch] : undefined
    if (!check) return { ok: false, key, message: 'is not a setting Cradle knows' }
    const problem = check(value)
    if (problem) return { ok: false, key, message: problem }
    ;(out as Record<string, unknown>)[key] = value
  }
  return { ok: true, value: out }
}

/** Validates a whole settings document (as read from disk); missing keys take their defaults. */
export function validateSettings(doc: unknown, defaults: Settings): Validation<Settings> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, key: '(file)', message: 'must be a JSON object' }
  const { version, ...rest } = doc as Record<string, unknown>
  if (version !== SETTINGS_VERSION) return { ok: false, key: 'version', message: `must be ${SETTINGS_VERSION}` }
  const patch = validateSettingsPatch(rest)
  if (!patch.ok) return patch
  return { ok: true, value: { ...defaults, ...patch.value, version: SETTINGS_VERSION } }
}
