/**
 * S3-compatible storage (AWS, B2, Wasabi, R2, MinIO) with the AWS SDK v3. The key is the library
 * path under the prefix. Before sending: HEAD (same SHA-256 in x-amz-meta-sha256 → done; a
 * different object → conflict, never overwritten), then PUT with If-None-Match: * for servers
 * that honour it. Small files go in one PutObject with Content-MD5 and (unless the R2/B2 toggle
 * is on) x-amz-checksum-sha256; large ones in a multipart upload we drive ourselves so the
 * UploadId and part ETags persist in the queue row and a restart resumes (s3-multipart.ts).
 * Each answer is compared with what was sent (s3-proof.ts): a server that stored damaged bytes
 * and said 200 has its copy read back to be sure, removed, and the upload is retried.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { Readable } from 'node:stream'
import type { S3Client } from '@aws-sdk/client-s3'
import type { S3Config } from '../../../shared/destination-config.js'
import { CradleError } from '../../../shared/errors.js'
import type { Clock } from '../../engine/ports.js'
import type { Destination, MetadataContext, RemoteCheck, UploadContext, UploadItem, UploadResult } from '../destination.js'
import { isoWithOffset, takenAt } from '../destination.js'
import { hashStream, hexToBase64, readAll } from '../stream-utils.js'
import { loadS3Sdk } from './s3-sdk.js'
import { preconditionAware, s3Name, s3Status, toS3Error } from './s3-errors.js'
import { multipartUpload } from './s3-multipart.js'
import { contentMd5Etag, proofOf, type StoredAnswer } from './s3-proof.js'
import { notReported, type SpaceReport } from '../../../shared/space-text.js'
import { mustReadBack, newProbe, type ProbeResult } from '../write-probe.js'

export interface S3Options {
  secret: () => Promise<string | undefined>
  clock: Clock
  concurrency?: number
  /** Files above this go multipart (default 16 MiB). */
  multipartThreshold?: number
  /** Minimum part size (default 8 MiB; S3's floor is 5 MiB). */
  partSize?: number
}

const MiB = 1024 * 1024

export class S3Destination implements Destination {
  readonly kind = 's3' as const
  readonly concurrency: number
  readonly skipRoles = [] as const
  private client: S3Client | null = null
  private readonly threshold: number
  private readonly minPart: number

  constructor(private readonly config: S3Config, private readonly options: S3Options) {
    this.concurrency = options.concurrency ?? 3
    this.threshold = options.multipartThreshold ?? 16 * MiB
    this.minPart = Math.max(options.partSize ?? 8 * MiB, 5 * MiB)
  }

  private async s3(): Promise<S3Client> {
    if (this.client) return this.client
    const secret = await this.options.secret()
    if (!secret) throw new CradleError('destination-auth', 'no secret access key stored')
    const whenRequired = this.config.checksumsWhenRequired
    const agentOptions = { keepAlive: true, maxSockets: this.concurrency + 2 }
    const { S3Client } = await loadS3Sdk()
    this.client = new S3Client({
      region: this.config.region,
      endpoint: this.config.endpoint,
      forcePathStyle: this.config.pathStyle,
      credentials: { accessKeyId: this.config.accessKeyId, secretAccessKey: secret },
      // Cradle's runner retries (with backoff, Retry-After and dedupe); the SDK must not as well.
      maxAttempts: 1,
      // Some S3-compatibles reject the SDK's default CRC32 (aws-sdk-js-v3 #6810): the R2/B2 toggle.
      requestChecksumCalculation: whenRequired ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      responseChecksumValidation: whenRequired ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      requestHandler: { connectionTimeout: 15_000, httpAgent: new http.Agent(agentOptions), httpsAgent: new https.Agent(agentOptions) },
    })
    return this.client
  }

  key(item: UploadItem): string {
    return this.config.prefix ? `${this.config.prefix}/${item.libraryPath}` : item.libraryPath
  }

  async check(signal?: AbortSignal): Promise<void> {
    const client = await this.s3()
    const { HeadBucketCommand } = await loadS3Sdk()
    try {
      await client.send(new HeadBucketCommand({ Bucket: this.config.bucket }), { abortSignal: signal })
    } catch (error) {
      const status = s3Status(error)
      // HEAD has no body, so the SDK only knows the status: name the likely cause.
      if (status === 404) throw new CradleError('destination-config', `bucket ${this.config.bucket} not found`, { cause: error })
      if (status === 403) throw new CradleError('destination-forbidden', `no access to bucket ${this.config.bucket} (wrong key or no permission)`, { cause: error })
      throw toS3Error(error, this.options.clock.now(), signal)
    }
  }

  /** The S3 protocol has no call for free space or a bucket's quota. */
  async space(): Promise<SpaceReport> {
    return notReported("S3 doesn't report space")
  }

  /**
   * `<prefix>/.cradle-write-test-<random>`: put, got back, compared, deleted. HeadBucket passes for
   * a key that may only read; this is what an upload needs. S3 reports no free space.
   */
  async probeWrite(signal: AbortSignal): Promise<ProbeResult> {
    const client = await this.s3()
    const { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } = await loadS3Sdk()
    const probe = newProbe()
    const key = this.config.prefix ? `${this.config.prefix}/${probe.name}` : probe.name
    const bucket = this.config.bucket
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: probe.body, ContentLength: probe.body.length, ContentType: 'text/plain' }), { abortSignal: signal })
      try {
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal })
        mustReadBack(key, probe.body, await readAll(got.Body as Readable, signal))
      } catch (error) {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined)
        throw error
      }
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal })
    } catch (error) {
      if (error instanceof CradleError) throw error
      throw toS3Error(error, this.options.clock.now(), signal)
    }
    return { freeBytes: null }
  }

  async upload(item: UploadItem, ctx: UploadContext): Promise<UploadResult> {
    const client = await this.s3()
    const key = this.key(item)
    try {
      // HEAD first, also when resuming: an earlier attempt may have completed before a crash.
      const existing = await this.compareExisting(client, key, item, ctx)
      if (existing) {
        if (ctx.session) ctx.saveSession(null)
        return existing
      }
      const metadata = { sha256: item.sha256, 'captured-at': isoWithOffset(takenAt(item), item.captureOffsetMinutes) }
      let verified: boolean
      if (item.size <= this.threshold) verified = await this.putSmall(client, key, item, metadata, ctx)
      else {
        verified = await multipartUpload({
          client, bucket: this.config.bucket, key, item, ctx, metadata,
          partSize: Math.max(this.minPart, Math.ceil(item.size / 10_000 / MiB) * MiB),
          flexibleChecksums: !this.config.checksumsWhenRequired,
        })
      }
      return { remoteRef: key, deduped: false, verified }
    } catch (error) {
      if (error instanceof CradleError && error.code === 'destination-conflict' && error.context.precondition) {
        // If-None-Match lost a race: look again; same content is fine.
        const again = await this.compareExisting(client, key, item, ctx)
        if (again) return again
      }
      throw toS3Error(error, this.options.clock.now(), ctx.signal)
    }
  }

  /**
   * The XMP sidecar travels with the file: `<key>.xmp` beside the object, put again (replacing
   * Cradle's previous one) when the phone's metadata changes.
   */
  async applyMetadata(item: UploadItem, remoteRef: string, _meta: unknown, ctx: MetadataContext): Promise<void> {
    if (item.role === 'sidecar') return
    const client = await this.s3()
    const { PutObjectCommand } = await loadS3Sdk()
    const body = Buffer.from(await ctx.sidecar(), 'utf8')
    try {
      await client.send(new PutObjectCommand({
        Bucket: this.config.bucket,
        Key: `${remoteRef}.xmp`,
        Body: body,
        ContentLength: body.length,
        ContentType: 'application/rdf+xml',
        ContentMD5: createHash('md5').update(body).digest('base64'),
      }), { abortSignal: ctx.signal })
    } catch (error) {
      throw toS3Error(error, this.options.clock.now(), ctx.signal)
    }
  }

  /** One PutObject; true when the answer proves the stored bytes are the ones sent. */
  private async putSmall(client: S3Client, key: string, item: UploadItem, metadata: Record<string, string>, ctx: UploadContext): Promise<boolean> {
    const body = await readAll(ctx.open(), ctx.signal)
    const sha256 = createHash('sha256').update(body).digest('hex')
    if (sha256 !== item.sha256) throw new CradleError('library-missing', `library file ${item.libraryPath} no longer matches its hash`)
    const { PutObjectCommand } = await loadS3Sdk()
    const md5 = createHash('md5').update(body).digest()
    let answer: StoredAnswer
    try {
      answer = await client.send(new PutObjectCommand({
        Bucket: this.config.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: item.mime,
        ContentMD5: md5.toString('base64'),
        ...(this.config.checksumsWhenRequired ? {} : { ChecksumSHA256: hexToBase64(item.sha256) }),
        Metadata: metadata,
        IfNoneMatch: '*',
      }), { abortSignal: ctx.signal })
    } catch (error) {
      throw preconditionAware(error)
    }
    ctx.touch()
    const proof = proofOf(answer, { sha256: this.config.checksumsWhenRequired ? null : hexToBase64(item.sha256), md5: md5.toString('hex') })
    if (proof === 'mismatch') return this.readBackOrRemove(client, key, item, ctx, `answered with ETag ${answer.ETag ?? '?'}, not the MD5 of what was sent`)
    return proof === 'match'
  }

  /**
   * The answer says the stored bytes differ from ours. Read them back to be sure (an ETag can
   * mislead); if they really differ, remove our damaged object and retry. True when they match.
   */
  private async readBackOrRemove(client: S3Client, key: string, item: UploadItem, ctx: UploadContext, why: string): Promise<boolean> {
    const { DeleteObjectCommand, GetObjectCommand } = await loadS3Sdk()
    const got = await client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }), { abortSignal: ctx.signal })
    const sha = await hashStream(got.Body as Readable, 'sha256', ctx.touch)
    if (sha === item.sha256) return true
    ctx.log.warn('S3 stored damaged bytes; removing them and sending again', { key, why })
    await client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: key }), { abortSignal: ctx.signal })
    throw new CradleError('destination-unreachable', `${key} was stored damaged (${why}); removed, sending again`)
  }

  /** HEAD the key: absent → null; ours → done; anything else → conflict. */
  private async compareExisting(client: S3Client, key: string, item: UploadItem, ctx: UploadContext): Promise<UploadResult | null> {
    const { GetObjectCommand, HeadObjectCommand } = await loadS3Sdk()
    let head
    try {
      head = await client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: key, ChecksumMode: 'ENABLED' }), { abortSignal: ctx.signal })
    } catch (error) {
      if (s3Status(error) === 404 || s3Name(error) === 'NotFound' || s3Name(error) === 'NoSuchKey') return null
      throw error
    }
    ctx.touch()
    if (head.ContentLength !== item.size) throw conflict(key)
    const metaSha = head.Metadata?.sha256
    if (metaSha === item.sha256) {
      // Ours (an earlier attempt whose answer was lost): its metadata names the right content,
      // but the bytes may have been damaged on the way. Prove them where the answer allows.
      const sha256 = hexToBase64(item.sha256)
      const md5 = proofOf(head, { sha256, md5: null }) === 'none' && contentMd5Etag(head) !== null ? await hashStream(ctx.openLocal(), 'md5', ctx.touch) : null
      const proof = proofOf(head, { sha256, md5 })
      const verified = proof === 'mismatch' ? await this.readBackOrRemove(client, key, item, ctx, 'an earlier attempt stored other bytes under our metadata') : proof === 'match'
      return { remoteRef: key, deduped: true, verified }
    }
    if (metaSha) throw conflict(key)
    // Put there by someone else without our metadata: same size, so compare the bytes.
    const got = await client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }), { abortSignal: ctx.signal })
    const sha = await hashStream(got.Body as Readable, 'sha256', ctx.touch)
    if (sha === item.sha256) return { remoteRef: key, deduped: true, verified: true }
    throw conflict(key)
  }

  /**
   * HeadObject with checksums: the size, then the SHA-256 S3 stored at upload (single PUT), else
   * our x-amz-meta-sha256 against an ETag that is the content's MD5 (single part, recomputed from
   * the library file), else the size only (a multipart ETag is not a content hash).
   */
  async verify(item: UploadItem, remoteRef: string, signal: AbortSignal, libraryFile?: string): Promise<RemoteCheck> {
    const client = await this.s3()
    const { HeadObjectCommand } = await loadS3Sdk()
    let head
    try {
      head = await client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: remoteRef, ChecksumMode: 'ENABLED' }), { abortSignal: signal })
    } catch (error) {
      if (s3Status(error) === 404 || s3Name(error) === 'NotFound' || s3Name(error) === 'NoSuchKey') return { state: 'missing', means: 'checksum' }
      throw toS3Error(error, this.options.clock.now(), signal)
    }
    if (head.ContentLength !== item.size) return { state: 'corrupt', means: 'size', detail: `${head.ContentLength} bytes, the library has ${item.size}` }
    const stored = head.ChecksumSHA256
    if (stored && !stored.includes('-')) return { state: stored === hexToBase64(item.sha256) ? 'ok' : 'corrupt', means: 'checksum' }
    if (head.Metadata?.sha256 && head.Metadata.sha256 !== item.sha256) return { state: 'corrupt', means: 'checksum', detail: 'another file under this key' }
    // An SSE-KMS or SSE-C ETag looks like an MD5 but is not one: comparing it would call every
    // such copy corrupt and upload it again, forever.
    const etag = contentMd5Etag(head)
    if (etag !== null && libraryFile) {
      const md5 = await hashStream(fs.createReadStream(libraryFile), 'md5')
      return { state: md5 === etag ? 'ok' : 'corrupt', means: 'checksum' }
    }
    return { state: 'ok', means: 'size' }
  }

  /**
   * A copy found wrong goes to `<prefix>/.cradle-damaged/<time>/<path>` (copied, then removed from
   * its key): kept, never overwritten, and the key is free for the library's bytes.
   */
  async setAside(item: UploadItem, remoteRef: string, signal: AbortSignal): Promise<void> {
    const client = await this.s3()
    const { CopyObjectCommand, DeleteObjectCommand } = await loadS3Sdk()
    const stamp = new Date(this.options.clock.now()).toISOString().replace(/[:.]/g, '-')
    const aside = this.key({ ...item, libraryPath: `.cradle-damaged/${stamp}/${item.libraryPath}` })
    const source = `${this.config.bucket}/${remoteRef.split('/').map(encodeURIComponent).join('/')}`
    try {
      await client.send(new CopyObjectCommand({ Bucket: this.config.bucket, Key: aside, CopySource: source }), { abortSignal: signal })
      await client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: remoteRef }), { abortSignal: signal })
    } catch (error) {
      throw toS3Error(error, this.options.clock.now(), signal)
    }
  }

  async close(): Promise<void> {
    this.client?.destroy()
    this.client = null
  }
}

function conflict(key: string): CradleError {
  return new CradleError('destination-conflict', `${key} exists with different content`, { context: { path: key } })
}
