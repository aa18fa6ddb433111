/**
 * How destination failures become CradleErrors, and how the runner treats each one:
 * retry later, fail this file, stop this destination until the user acts, or park until a quota
 * resets. The retry rules follow destinations.md §5.
 */
import { CradleError, toCradleError, type ErrorCode } from '../../shared/errors.js'

export type FailureKind = 'transient' | 'item' | 'destination' | 'quota' | 'full' | 'aborted' | 'unsupported'

/** Socket-level failures: the request may or may not have reached the server; retry. */
const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'ESOCKETTIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
  'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ERR_HTTP2_STREAM_ERROR',
])

/** Maps an HTTP status to a code (destinations.md §5: retry 408/429/5xx, surface the rest). */
export function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'destination-auth'
  if (status === 403) return 'destination-forbidden'
  if (status === 413) return 'destination-too-large'
  // 507 Insufficient Storage (RFC 4918 §11.5): Nextcloud over its quota, Apache mod_dav on a full disk.
  if (status === 507) return 'destination-full'
  if (status === 408 || status === 429 || status >= 500) return 'destination-unreachable'
  if (status === 409 || status === 412) return 'destination-conflict'
  if (status === 404 || status === 405 || status === 301 || status === 302 || status === 307 || status === 308) return 'destination-config'
  return 'destination-rejected'
}

/** An error for an HTTP answer; `retryAfterMs` (from Retry-After) rides in the context. */
export function httpError(status: number, detail: string, retryAfterMs?: number | null): CradleError {
  return new CradleError(codeForStatus(status), `HTTP ${status}: ${detail}`.slice(0, 500), {
    context: { status, ...(retryAfterMs != null ? { retryAfterMs } : {}) },
  })
}

/** Parses Retry-After: delta seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or bad. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value == null || value.trim() === '') return null
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  if (Number.isNaN(at)) return null
  return Math.max(0, at - now)
}

function errnoCode(error: unknown): string | undefined {
  let e: unknown = error
  for (let depth = 0; depth < 4 && e; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code
    const name = (e as { name?: unknown }).name
    if (typeof name === 'string' && NETWORK_CODES.has(name)) return name
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

/** True for socket errors, resets and timeouts anywhere in the cause chain. */
export function isNetworkError(error: unknown): boolean {
  return errnoCode(error) !== undefined
}

/** Wraps anything thrown by a client library: network failures become destination-unreachable. */
export function toUploadError(error: unknown, signal?: AbortSignal): CradleError {
  if (error instanceof CradleError) return error
  if (signal?.aborted) {
    const reason: unknown = signal.reason
    if (reason instanceof CradleError) return reason
    if ((reason as { name?: string })?.name === 'TimeoutError') return new CradleError('timeout', 'request timed out', { cause: error })
    return new CradleError('aborted', 'upload aborted', { cause: error })
  }
  const net = errnoCode(error)
  if (net) return new CradleError('destination-unreachable', `${net}: ${(error as Error)?.message ?? ''}`.slice(0, 300), { cause: error })
  return toCradleError(error)
}

/** What the runner does with a failure. */
export function classify(error: CradleError): FailureKind {
  switch (error.code) {
    case 'aborted':
      return 'aborted'
    case 'destination-unreachable':
    case 'timeout':
    case 'internal':
      return 'transient'
    case 'destination-auth':
    case 'destination-forbidden':
    case 'destination-config':
      return 'destination'
    // 413 is about one file (a long video over a proxy's body limit, e.g. Cloudflare's 100 MB):
    // that file fails with the fix in its reason; the rest of the queue goes on.
    case 'destination-too-large':
      return 'item'
    case 'destination-quota':
      return 'quota'
    case 'destination-full':
      return 'full'
    // A file type the service does not take (Immich's list of image and video extensions): not
    // for this destination, like a role it skips; never a failure that would stay red.
    case 'destination-unsupported':
      return 'unsupported'
    default:
      return 'item'
  }
}

/** A stalled transfer: no byte moved for `ms`. Transient (destinations.md: retry timeouts). */
export function stallError(ms: number): CradleError {
  return new CradleError('timeout', `no progress for ${ms} ms`)
}
