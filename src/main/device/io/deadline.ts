/**
 * Timeouts and cancellation for device calls. Every call in device/ takes `{ signal, timeoutMs }`
 * and fails with a CradleError ('aborted', 'device-timeout', …) instead of hanging.
 */
import { CradleError, type ErrorCode } from '../../../shared/errors.js'

export interface CallOptions {
  /** Cancels the call; it rejects with CradleError 'aborted'. */
  signal?: AbortSignal
  /** Overrides the default timeout of the call, in milliseconds. */
  timeoutMs?: number
}

export function abortError(signal: AbortSignal | undefined, what = 'operation'): CradleError {
  const reason: unknown = signal?.reason
  if (reason instanceof CradleError) return reason
  return new CradleError('aborted', `${what} aborted${reason instanceof Error ? `: ${reason.message}` : ''}`, reason === undefined ? {} : { cause: reason })
}

export function timeoutError(what: string, ms: number, code: ErrorCode = 'device-timeout'): CradleError {
  return new CradleError(code, `${what}: no answer within ${ms} ms`)
}

/**
 * Races `promise` against a timeout and an AbortSignal. On timeout or abort, `onFail` runs
 * first (typically: destroy the connection, which settles `promise` too) and the returned
 * promise rejects with the matching error. Listeners and timers are always removed.
 */
export function guard<T>(
  promise: Promise<T>,
  opts: { signal?: AbortSignal | undefined; timeoutMs: number; what: string; timeoutCode?: ErrorCode; onFail?: (error: CradleError) => void },
): Promise<T> {
  const { signal, timeoutMs, what } = opts
  if (signal?.aborted) {
    const error = abortError(signal, what)
    opts.onFail?.(error)
    promise.catch(() => undefined)
    return Promise.reject(error)
  }
  return new Promise<T>((resolve, reject) => {
    let done = false
    const finish = (): void => {
      done = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    const fail = (error: CradleError): void => {
      if (done) return
      finish()
      opts.onFail?.(error)
      reject(error)
    }
    const onAbort = (): void => fail(abortError(signal, what))
    const timer = setTimeout(() => fail(timeoutError(what, timeoutMs, opts.timeoutCode)), timeoutMs)
    signal?.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        if (done) return
        finish()
        resolve(value)
      },
      (error: unknown) => {
        if (done) return
        finish()
        reject(error)
      },
    )
  })
}

/** Sleeps, or rejects with 'aborted' as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal, 'wait'))
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(abortError(signal, 'wait'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
