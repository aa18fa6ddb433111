/** AWS SDK v3 errors → CradleErrors (destinations.md §3, §5). */
import { CradleError } from '../../../shared/errors.js'
import { codeForStatus, parseRetryAfter, toUploadError } from '../upload-errors.js'

interface SdkError {
  name?: string
  message?: string
  $metadata?: { httpStatusCode?: number }
  $response?: { headers?: Record<string, string | undefined> }
}

const AUTH = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'TokenRefreshRequired', 'CredentialsProviderError'])
// S3's own error names. 'NotImplemented' is one of them (501: the server lacks a feature the
// upload uses, e.g. a gateway without a header we send): a setup problem, not a retryable fault.
const CONFIG = new Set(['NoSuchBucket', 'PermanentRedirect', 'AuthorizationHeaderMalformed', 'InvalidBucketName', 'IllegalLocationConstraintException', 'NotImplemented'])
// Out of space or over a quota, by the name the store gives it: MinIO's XMinioStorageFull (507, at its
// free-space threshold) and bucket quota, Ceph RGW's QuotaExceeded; any other store by 507 or its words.
const FULL = new Set(['XMinioStorageFull', 'XMinioAdminBucketQuotaExceeded', 'QuotaExceeded', 'InsufficientStorage', 'StorageFull'])
const FULL_MESSAGE = /storage cap exceeded|quota exceeded|insufficient storage|no space left/i
const TRANSIENT = new Set(['SlowDown', 'RequestTimeout', 'RequestTimeTooSkewed', 'InternalError', 'ServiceUnavailable', 'BadDigest', 'InvalidDigest', 'XAmzContentSHA256Mismatch', 'ConditionalRequestConflict', 'OperationAborted'])

export function s3Status(error: unknown): number | undefined {
  return (error as SdkError)?.$metadata?.httpStatusCode
}

export function s3Name(error: unknown): string | undefined {
  return (error as SdkError)?.name
}

/** Maps an SDK error; `now` dates a Retry-After header. */
export function toS3Error(error: unknown, now: number, signal?: AbortSignal): CradleError {
  if (error instanceof CradleError) return error
  const e = error as SdkError
  const status = e?.$metadata?.httpStatusCode
  const name = e?.name ?? ''
  if (status === undefined || signal?.aborted) return toUploadError(error, signal)
  const detail = `S3 ${status} ${name}: ${e.message ?? ''}`.slice(0, 400)
  const retryAfterMs = parseRetryAfter(e.$response?.headers?.['retry-after'], now)
  const context = { status, ...(retryAfterMs !== null ? { retryAfterMs } : {}) }
  if (AUTH.has(name)) return new CradleError('destination-auth', detail, { cause: error, context })
  if (CONFIG.has(name) || status === 501) return new CradleError('destination-config', detail, { cause: error, context })
  if (FULL.has(name) || status === 507 || FULL_MESSAGE.test(e.message ?? '')) return new CradleError('destination-full', detail, { cause: error, context })
  if (name === 'EntityTooLarge') return new CradleError('destination-too-large', detail, { cause: error, context })
  if (TRANSIENT.has(name)) return new CradleError('destination-unreachable', detail, { cause: error, context })
  return new CradleError(codeForStatus(status), detail, { cause: error, context })
}

/** 412 PreconditionFailed from If-None-Match: the key appeared meanwhile (compare again). */
export function preconditionAware(error: unknown): unknown {
  if (s3Status(error) === 412 || s3Name(error) === 'PreconditionFailed') {
    return new CradleError('destination-conflict', 'object appeared while uploading', { cause: error, context: { precondition: true } })
  }
  return error
}
