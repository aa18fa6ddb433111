/**
 * Errors as data: a stable code inside, a sentence outside (error-text.ts).
 * Every layer maps its low-level failures to one of these codes; the UI, tray and
 * notifications only ever show describeError(code) text, the log gets the cause.
 */
export const ERROR_CODES = [
  // the mux and the phone
  'usbmuxd-missing',
  'usbmuxd-not-running',
  'device-not-found',
  'device-unplugged',
  'device-locked',
  'pairing-pending',
  'pairing-denied',
  'pairing-invalid',
  'pairing-over-network',
  'device-protocol',
  'device-timeout',
  // the connection to a phone died (reset, EOF, timeout) while usbmuxd still lists it: not an
  // unplug; the session reconnects and resumes by itself
  'device-connection-lost',
  // the phone's TLS handshake failed (dropped, reset, refused) although it is still attached: a
  // connection problem, retried; the pair record is kept
  'device-handshake-failed',
  'file-not-on-device',
  // the phone answered one file's stat/open/read/seek with an AFC status other than iCloud's
  'file-unreadable',
  // the import policy held a phone back (backup --once cannot wait): not charging, battery too low
  'phone-not-charging',
  'phone-battery-low',
  // the library on this computer
  'disk-full',
  'library-missing',
  'library-permission',
  'library-in-use',
  'catalog-corrupt',
  'catalog-rebuilt',
  'catalog-newer',
  'catalog-busy',
  'data-disk-full',
  'data-folder-in-use',
  'settings-invalid',
  // a queue item whose file is not in the library (yet, or any more): nothing to open
  'not-in-library',
  // a folder the picker may not show: outside the folders the user may use, "..", or a link out of them
  'folder-not-allowed',
  // destinations
  'destination-auth',
  'destination-forbidden',
  'destination-too-large',
  'destination-config',
  'destination-unreachable',
  'destination-quota',
  'destination-full',
  'destination-conflict',
  'destination-rejected',
  'destination-unsupported',
  'destination-copy-bad',
  // secrets on this computer
  'secrets-unprotected',
  // general
  'invalid-input',
  'not-found',
  'busy',
  'aborted',
  'timeout',
  'internal',
  // what only the desktop app can do (show a file in its folder, the system's folder dialog)
  'needs-desktop',
  // the headless server: a request without the access token, or from another site
  'access-denied',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value)
}

/** Extra facts a sentence may need ("0 bytes free of 512 GB", "Immich"). Never secrets. */
export interface ErrorContext {
  deviceName?: string
  destinationName?: string
  path?: string
  freeBytes?: number
  totalBytes?: number
  key?: string
  retryAfterMs?: number
  [extra: string]: string | number | boolean | undefined
}

export interface CradleErrorOptions extends ErrorOptions {
  context?: ErrorContext
}

/** The one error class that crosses layers. `detail` is for logs; users see describeError(code). */
export class CradleError extends Error {
  readonly code: ErrorCode
  readonly context: ErrorContext

  constructor(code: ErrorCode, detail?: string, options: CradleErrorOptions = {}) {
    super(detail ?? code, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'CradleError'
    this.code = code
    this.context = options.context ?? {}
  }
}

export function isCradleError(error: unknown, code?: ErrorCode): error is CradleError {
  return error instanceof CradleError && (code === undefined || error.code === code)
}

/** Wraps anything thrown into a CradleError, keeping the original as the cause. */
export function toCradleError(error: unknown, fallback: ErrorCode = 'internal'): CradleError {
  if (error instanceof CradleError) return error
  if (error instanceof Error && error.name === 'AbortError') return new CradleError('aborted', error.message, { cause: error })
  const message = error instanceof Error ? error.message : String(error)
  return new CradleError(fallback, message, { cause: error })
}

/** The plain-data form an error takes on the wire (IPC, HTTP, snapshot). */
export interface WireError {
  code: ErrorCode
  message: string
  action?: string
  context?: ErrorContext
}
