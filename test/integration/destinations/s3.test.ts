/**
 * S3 against a real local server (s3rver 3.7.1) through the fault proxy: single PUT and
 * multipart, metadata, dedupe of a pre-existing object, no overwrite of a different one,
 * resume of a multipart upload after a restart, and the R2/B2 checksum toggle.
 * s3rver does not verify signatures, checksums or If-None-Match (destinations.md §3).
 */
import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { readAll } from '../../../src/main/destinations/stream-utils.js'
import { startFaultProxy, type FaultProxy } from '../../fakes/fault-proxy.js'
import { makeTestLibrary, memorySecrets, sha256Of, type TestLibrary } from '../../fakes/test-library.js'
import { startS3rver } from './servers.js'

const MiB = 1024 * 1024

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('S3 destination (s3rver)', () => {
  let s3: Awaited<ReturnType<typeof startS3rver>>
  let proxy: FaultProxy
  let lib: TestLibrary
  let manager: UploadManager
  let client: S3Client
  let secrets: ReturnType<typeof memorySecrets>
  beforeAll(async () => {
    s3 = await startS3rver()
    client = new S3Client({ region: 'us-east-1', endpoint: s3.url, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
  })
  afterAll(async () => {
    client.destroy()
    await s3.close()
  })
  beforeEach(async () => {
    lib = makeTestLibrary()
    secrets = memorySecrets()
    proxy = await startFaultProxy(s3.url)
  })
  afterEach(async () => {
    await manager?.stop()
    await proxy.close()
    lib.cleanup()
  })

  const make = (): UploadManager => new UploadManager({
    db: lib.db, libraryRoot: lib.root, secrets, settings: { uploadOnlyOnAcPower: false, uploadLimitMBps: null },
    tuning: { stallTimeoutMs: 1_500, backoff: { baseMs: 50, capMs: 500 } },
    options: { s3: { multipartThreshold: 6 * MiB, partSize: 5 * MiB } },
  })
  const add = (m: UploadManager, prefix: string, extra: Record<string, unknown> = {}) =>
    m.add({ kind: 's3', name: 'S3', config: { endpoint: proxy.url, bucket: 'photos', accessKeyId: 'S3RVER', prefix, ...extra }, secret: 'S3RVER' })

  async function objects(prefix: string): Promise<Map<string, { sha256: string; meta: Record<string, string> }>> {
    const list = await client.send(new ListObjectsV2Command({ Bucket: 'photos', Prefix: prefix }))
    const out = new Map<string, { sha256: string; meta: Record<string, string> }>()
    for (const o of list.Contents ?? []) {
      const got = await client.send(new GetObjectCommand({ Bucket: 'photos', Key: o.Key! }))
      const head = await client.send(new HeadObjectCommand({ Bucket: 'photos', Key: o.Key! }))
      out.set(o.Key!, { sha256: sha256Of(await readAll(got.Body as never)), meta: head.Metadata ?? {} })
    }
    return out
  }

  it('uploads small files in one PUT and large ones in parts, with the SHA-256 in metadata', async () => {
    const small = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.HEIC', size: 200_000 })
    const big = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.MOV', size: 13 * MiB, role: 'motion', groupId: small.groupId })
    manager = make()
    manager.start()
    const view = await add(manager, 'a')
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1, failed: 0 }) // one Live Photo, two objects
    const objs = await objects('a/')
    expect([...objs.keys()].sort()).toEqual(['a/2026/2026-11/IMG_0001.HEIC', 'a/2026/2026-11/IMG_0001.MOV'])
    expect(objs.get('a/2026/2026-11/IMG_0001.MOV')).toMatchObject({ sha256: big.sha256, meta: { sha256: big.sha256 } })
    expect(objs.get('a/2026/2026-11/IMG_0001.HEIC')!.sha256).toBe(small.sha256)
    const parts = proxy.log.filter((r) => r.method === 'PUT' && r.url.includes('partNumber='))
    expect(parts).toHaveLength(3)
    expect(parts.every((p) => typeof p.headers['x-amz-checksum-sha256'] === 'string' && typeof p.headers['content-md5'] === 'string')).toBe(true)
    // Every PUT was preceded by a HEAD of its key.
    expect(proxy.log.filter((r) => r.method === 'HEAD' && r.url.startsWith('/photos/a/')).length).toBe(2)
    expect(view.kind).toBe('s3')
  })

  it('counts an identical pre-existing object as done without sending it, and never overwrites a different one', async () => {
    const same = lib.addAsset({ libraryPath: 'same.jpg', size: 50_000 })
    const other = lib.addAsset({ libraryPath: 'other.jpg', size: 50_000 })
    const foreign = lib.addAsset({ libraryPath: 'foreign.jpg', size: 40_000 })
    // "same" was uploaded by someone else without our metadata; "other" holds different bytes.
    await client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'b/same.jpg', Body: same.content }))
    await client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'b/other.jpg', Body: Buffer.alloc(50_000, 7) }))
    await client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'b/foreign.jpg', Body: Buffer.alloc(10, 7), Metadata: { sha256: 'x' } }))
    manager = make()
    manager.start()
    await add(manager, 'b')
    await manager.drain()
    const c = manager.statusCounts()[0]!
    expect(c).toMatchObject({ done: 1, failed: 2, alreadyThere: 1 })
    expect(proxy.log.filter((r) => r.method === 'PUT')).toHaveLength(0)
    const objs = await objects('b/')
    expect(objs.get('b/other.jpg')!.sha256).toBe(sha256Of(Buffer.alloc(50_000, 7)))
    expect(manager.uploadStates([other.id, foreign.id]).get(other.id)![0]!.error!.code).toBe('destination-conflict')
  })

  it('resumes a multipart upload after a restart without resending finished parts', async () => {
    const big = lib.addAsset({ libraryPath: 'big.mov', size: 16 * MiB, mime: 'video/quicktime' })
    // Part 2 stalls every time while the first manager runs.
    proxy.setPlan((r) => (r.method === 'PUT' && r.url.includes('partNumber=2') ? { kind: 'stall' } : { kind: 'pass' }))
    manager = make()
    manager.start()
    await add(manager, 'c')
    await until(() => proxy.log.some((r) => r.url.includes('partNumber=2')))
    const row = lib.db.prepare('SELECT session_json FROM uploads WHERE asset_id = ?').get(big.id) as { session_json: string }
    expect(JSON.parse(row.session_json).parts).toHaveLength(1)
    await manager.stop()
    proxy.setPlan(() => ({ kind: 'pass' }))
    manager = make()
    manager.start()
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1 })
    expect(proxy.log.filter((r) => r.url.includes('partNumber=1'))).toHaveLength(1)
    expect(proxy.log.filter((r) => r.method === 'POST' && r.url.includes('uploads') && !r.url.includes('uploadId'))).toHaveLength(1)
    expect((await objects('c/')).get('c/big.mov')!.sha256).toBe(big.sha256)
  })

  it('sends only Content-MD5 when the R2/B2 checksum toggle is on', async () => {
    lib.addAsset({ libraryPath: 'r2.jpg', size: 10_000 })
    manager = make()
    manager.start()
    await add(manager, 'd', { checksumsWhenRequired: true })
    await manager.drain()
    const put = proxy.log.find((r) => r.method === 'PUT')!
    expect(put.headers['content-md5']).toBe(createHash('md5').update(lib.assets[0]!.content).digest('base64'))
    expect(put.headers['x-amz-checksum-sha256']).toBeUndefined()
    expect(put.headers['x-amz-sdk-checksum-algorithm']).toBeUndefined()
    expect(put.headers['if-none-match']).toBe('*')
  })

  // The client's handling of a lost Complete answer is judged against S3's semantics, which the
  // test server is patched to have (servers.ts makeAtomicLikeS3): one Complete wins, the object
  // appears whole.
  it('test server: two racing Completes of one upload store the object once, whole', async () => {
    const Key = `race/${Date.now()}.bin`
    const body = Buffer.alloc(6 * MiB, 7)
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'photos', Key, Metadata: { sha256: sha256Of(body) } }))
    const part = await client.send(new UploadPartCommand({ Bucket: 'photos', Key, UploadId, PartNumber: 1, Body: body, ContentLength: body.length }))
    const complete = () => client.send(new CompleteMultipartUploadCommand({ Bucket: 'photos', Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }))
    const heads: (number | undefined)[] = []
    const headWhileCompleting = async (): Promise<void> => {
      const head = await client.send(new HeadObjectCommand({ Bucket: 'photos', Key })).catch(() => null)
      if (head) heads.push(head.ContentLength)
    }
    const results = await Promise.allSettled([complete(), complete(), headWhileCompleting(), headWhileCompleting()])
    expect(results.slice(0, 2).map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ name: 'NoSuchUpload' })
    expect(heads.every((n) => n === body.length)).toBe(true)
    const got = await client.send(new GetObjectCommand({ Bucket: 'photos', Key }))
    expect(sha256Of(await readAll(got.Body as Readable))).toBe(sha256Of(body))
  })

  it('tests the connection: a wrong bucket is a setup problem', async () => {
    manager = make()
    const good = await manager.test({ draft: { kind: 's3', name: 'S3', config: { endpoint: s3.url, bucket: 'photos', accessKeyId: 'S3RVER' }, secret: 'S3RVER' } })
    expect(good.ok).toBe(true)
    const bad = await manager.test({ draft: { kind: 's3', name: 'S3', config: { endpoint: s3.url, bucket: 'nope', accessKeyId: 'S3RVER' }, secret: 'S3RVER' } })
    expect(bad).toEqual({ ok: false, message: 'S3 is not set up correctly. Check its address and settings.' })
  })
})
