import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { proofOf } from '../../../src/main/destinations/s3/s3-proof.js'

const body = Buffer.from('the bytes sent')
const md5 = createHash('md5').update(body).digest('hex')
const sha256 = createHash('sha256').update(body).digest('base64')
const other = createHash('md5').update('other bytes').digest('hex')

describe('proofOf', () => {
  it('prefers the SHA-256 checksum the server returned', () => {
    expect(proofOf({ ChecksumSHA256: sha256, ETag: `"${other}"` }, { sha256, md5 })).toBe('match')
    expect(proofOf({ ChecksumSHA256: createHash('sha256').update('x').digest('base64'), ETag: `"${md5}"` }, { sha256, md5 })).toBe('mismatch')
  })
  it('falls back to an ETag that is the content MD5 (quoted, any case)', () => {
    expect(proofOf({ ETag: `"${md5.toUpperCase()}"` }, { sha256, md5 })).toBe('match')
    expect(proofOf({ ETag: `"${other}"` }, { sha256: null, md5 })).toBe('mismatch')
  })
  it('proves nothing from ETags that are not content hashes', () => {
    expect(proofOf({ ETag: `"${other}-3"` }, { sha256, md5 })).toBe('none') // multipart
    expect(proofOf({ ETag: `"${other}"`, ServerSideEncryption: 'aws:kms' }, { sha256, md5 })).toBe('none')
    expect(proofOf({ ETag: `"${other}"`, SSECustomerAlgorithm: 'AES256' }, { sha256, md5 })).toBe('none')
    expect(proofOf({ ChecksumSHA256: `${sha256}-2`, ETag: `"${other}-2"` }, { sha256, md5 })).toBe('none') // composite
    expect(proofOf({}, { sha256, md5 })).toBe('none')
    expect(proofOf({ ETag: `"${md5}"` }, { sha256, md5: null })).toBe('none') // nothing to compare with
  })
  it('an SSE-S3 (AES256) ETag is still the MD5', () => {
    expect(proofOf({ ETag: `"${md5}"`, ServerSideEncryption: 'AES256' }, { sha256: null, md5 })).toBe('match')
  })
})
