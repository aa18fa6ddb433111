/** webdav-client errors → CradleErrors. */
import { CradleError } from '../../../shared/errors.js'
import { httpError, parseRetryAfter, toUploadError } from '../upload-errors.js'

interface ClientError {
  status?: number
  message?: string
  response?: { headers?: { get(name: string): string | null } }
}

export function davStatus(error: unknown): number | undefined {
  const s = (error as ClientError)?.status
  return typeof s === 'number' ? s : undefined
}

export function toDavError(error: unknown, now: number, signal?: AbortSignal): CradleError {
  if (error instanceof CradleError) return error
  const status = davStatus(error)
  if (status === undefined || signal?.aborted) return toUploadError(error, signal)
  const retryAfter = parseRetryAfter((error as ClientError).response?.headers?.get('retry-after'), now)
  return httpError(status, (error as ClientError).message ?? 'WebDAV error', retryAfter)
}
