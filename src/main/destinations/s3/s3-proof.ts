/**
 * What an S3 answer proves about the bytes it stored. AWS, MinIO, R2 and B2 reject a body whose
 * Content-MD5 does not match (BadDigest, retried), but not every S3-compatible server checks it
 * (s3rver stores what arrives): so the answer itself is compared too. Its SHA-256 checksum when
 * the server returns one (AWS echoes x-amz-checksum-sha256), else an ETag that is the content's
 * MD5 (single PUT or part, unencrypted or SSE-S3; SSE-KMS and SSE-C ETags are not content hashes,
 * nor are multipart ETags "…-N"). 'none' means the answer proves nothing either way.
 */
export type Proof = 'match' | 'mismatch' | 'none'

export interface StoredAnswer {
  ChecksumSHA256?: string
  ETag?: string
  ServerSideEncryption?: string
  SSECustomerAlgorithm?: string
}

/** The ETag as the content's MD5 (lower-case hex), or null when it is not one (encrypted with KMS or SSE-C, multipart). */
export function contentMd5Etag(answer: StoredAnswer): string | null {
  if (answer.SSECustomerAlgorithm || /kms/i.test(answer.ServerSideEncryption ?? '')) return null
  const etag = (answer.ETag ?? '').replace(/"/g, '').toLowerCase()
  return /^[0-9a-f]{32}$/.test(etag) ? etag : null
}

/** `sha256` base64 and `md5` hex of the bytes sent (null when not known: no ETag comparison). */
export function proofOf(answer: StoredAnswer, sent: { sha256: string | null; md5: string | null }): Proof {
  const checksum = answer.ChecksumSHA256
  if (checksum && !checksum.includes('-') && sent.sha256) return checksum === sent.sha256 ? 'match' : 'mismatch'
  const etag = contentMd5Etag(answer)
  if (etag === null || !sent.md5) return 'none'
  return etag === sent.md5.toLowerCase() ? 'match' : 'mismatch'
}
