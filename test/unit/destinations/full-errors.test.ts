/**
 * "Full" in each service's own words becomes destination-full, which the runner parks (no attempt
 * counted) instead of retrying as "unreachable" or stopping as "not set up correctly".
 */
import { describe, expect, it } from 'vitest'
import { CradleError } from '../../../src/shared/errors.js'
import { describeError } from '../../../src/shared/error-text.js'
import { classify, codeForStatus } from '../../../src/main/destinations/upload-errors.js'
import { toS3Error } from '../../../src/main/destinations/s3/s3-errors.js'

const sdkError = (name: string, status: number, message = ''): Error =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } })

describe('destination-full', () => {
  it('507 Insufficient Storage (RFC 4918 §11.5) is full, not unreachable', () => {
    expect(codeForStatus(507)).toBe('destination-full')
    expect(codeForStatus(503)).toBe('destination-unreachable')
  })

  it('S3-compatible stores: MinIO XMinioStorageFull (507), Ceph QuotaExceeded (403), and the words', () => {
    expect(toS3Error(sdkError('XMinioStorageFull', 507), 0).code).toBe('destination-full')
    expect(toS3Error(sdkError('QuotaExceeded', 403), 0).code).toBe('destination-full')
    expect(toS3Error(sdkError('AccessDenied', 403, 'Cannot upload files, storage cap exceeded.'), 0).code).toBe('destination-full')
    expect(toS3Error(sdkError('AccessDenied', 403, 'Access Denied'), 0).code).toBe('destination-forbidden')
  })

  it('is parked by the runner, and says so in words that name the destination', () => {
    expect(classify(new CradleError('destination-full'))).toBe('full')
    expect(describeError('destination-full', { destinationName: 'NAS' })).toEqual({
      title: 'NAS is full',
      action: 'Free space there (or raise its quota). Cradle tries again by itself every 15 minutes.',
    })
  })
})
