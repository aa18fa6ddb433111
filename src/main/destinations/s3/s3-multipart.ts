/**
 * A multipart upload driven part by part, so it resumes after a restart: the UploadId and each
 * part's ETag (and SHA-256) are saved in the queue row as soon as S3 has the part
 * (lib-storage's Upload keeps them in memory only; destinations.md §3). Parts are read from the
 * library one at a time (memory ≈ part size per upload), sent with Content-MD5 and, unless the
 * R2/B2 toggle is on, x-amz-checksum-sha256. The whole file's SHA-256 is checked against the
 * catalog before Complete, so a changed library file is never published. Each part's answer is
 * compared with the part sent (s3-proof.ts): a part stored damaged is sent again.
 */
import { createHash } from 'node:crypto'
import type { S3Client } from '@aws-sdk/client-s3'
import { CradleError } from '../../../shared/errors.js'
import type { UploadContext, UploadItem } from '../destination.js'
import { readAll } from '../stream-utils.js'
import { preconditionAware, s3Name, s3Status } from './s3-errors.js'
import { loadS3Sdk } from './s3-sdk.js'
import { proofOf } from './s3-proof.js'

export interface MultipartSession {
  kind: 's3-multipart'
  uploadId: string
  key: string
  partSize: number
  flexible: boolean
  /** `proven`: the answer showed S3 stored exactly the part sent. */
  parts: { n: number; etag: string; sha256?: string; proven?: boolean }[]
}

function resumable(session: unknown, key: string, partSize: number, flexible: boolean): MultipartSession | null {
  const s = session as Partial<MultipartSession> | null
  if (!s || s.kind !== 's3-multipart' || s.key !== key || s.partSize !== partSize || s.flexible !== flexible) return null
  if (typeof s.uploadId !== 'string' || !Array.isArray(s.parts)) return null
  return s as MultipartSession
}

function noSuchUpload(error: unknown): boolean {
  return s3Name(error) === 'NoSuchUpload' || (s3Status(error) === 404)
}

export async function multipartUpload(args: {
  client: S3Client
  bucket: string
  key: string
  item: UploadItem
  ctx: UploadContext
  metadata: Record<string, string>
  partSize: number
  flexibleChecksums: boolean
}): Promise<boolean> {
  const { client, bucket, key, item, ctx, partSize, flexibleChecksums: flexible } = args
  const { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } = await loadS3Sdk()
  const opts = { abortSignal: ctx.signal }
  let session = resumable(ctx.session, key, partSize, flexible)
  if (session) ctx.log.info('resuming multipart upload', { key, parts: session.parts.length })
  else {
    const created = await client.send(new CreateMultipartUploadCommand({
      Bucket: bucket, Key: key, ContentType: item.mime, Metadata: args.metadata, ...(flexible ? { ChecksumAlgorithm: 'SHA256' } : {}),
    }), opts)
    if (!created.UploadId) throw new CradleError('destination-rejected', 'CreateMultipartUpload returned no UploadId')
    session = { kind: 's3-multipart', uploadId: created.UploadId, key, partSize, flexible, parts: [] }
    ctx.saveSession(session)
  }
  const uploadId = session.uploadId
  const total = Math.ceil(item.size / partSize)
  const whole = createHash('sha256')
  for (let n = 1; n <= total; n++) {
    const start = (n - 1) * partSize
    const end = Math.min(item.size, start + partSize)
    if (session.parts.some((p) => p.n === n)) {
      // Sent before the interruption: hash it locally only, to check the whole file below.
      for await (const chunk of ctx.openLocal(start, end)) whole.update(chunk as Buffer)
      ctx.touch()
      continue
    }
    const body = await readAll(ctx.open(start, end), ctx.signal)
    whole.update(body)
    const sha256 = createHash('sha256').update(body).digest('base64')
    const md5 = createHash('md5').update(body).digest()
    try {
      const res = await client.send(new UploadPartCommand({
        Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: body, ContentLength: body.length,
        ContentMD5: md5.toString('base64'),
        ...(flexible ? { ChecksumSHA256: sha256 } : {}),
      }), opts)
      if (!res.ETag) throw new CradleError('destination-rejected', `part ${n} got no ETag`)
      const proof = proofOf(res, { sha256: flexible ? sha256 : null, md5: md5.toString('hex') })
      // Not saved: the next attempt sends this part number again, which replaces it.
      if (proof === 'mismatch') throw new CradleError('destination-unreachable', `part ${n} of ${key} was stored damaged (ETag ${res.ETag}); sending it again`)
      session.parts.push({ n, etag: res.ETag, ...(flexible ? { sha256 } : {}), proven: proof === 'match' })
      ctx.saveSession(session)
    } catch (error) {
      if (noSuchUpload(error)) {
        // Expired or aborted by a lifecycle rule: start over on the next attempt.
        ctx.saveSession(null)
        throw new CradleError('destination-unreachable', 'multipart upload vanished; restarting', { cause: error })
      }
      throw error
    }
  }
  if (whole.digest('hex') !== item.sha256) {
    await abort(client, bucket, key, uploadId)
    ctx.saveSession(null)
    throw new CradleError('library-missing', `library file ${item.libraryPath} no longer matches its hash`)
  }
  try {
    await client.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: key, UploadId: uploadId, IfNoneMatch: '*',
      MultipartUpload: {
        Parts: [...session.parts].sort((a, b) => a.n - b.n).map((p) => ({ PartNumber: p.n, ETag: p.etag, ...(p.sha256 ? { ChecksumSHA256: p.sha256 } : {}) })),
      },
    }), opts)
  } catch (error) {
    if (s3Status(error) === 412) {
      await abort(client, bucket, key, uploadId)
      ctx.saveSession(null)
      throw preconditionAware(error)
    }
    if (noSuchUpload(error)) ctx.saveSession(null)
    throw error
  }
  ctx.saveSession(null)
  return session.parts.every((p) => p.proven === true)
}

async function abort(client: S3Client, bucket: string, key: string, uploadId: string): Promise<void> {
  const { AbortMultipartUploadCommand } = await loadS3Sdk()
  // Best effort: orphaned parts cost money, but a failed abort must not hide the real error.
  await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined)
}
