/**
 * `cradle verify --destinations` on a bucket with SSE-KMS: the server's ETag is then not the MD5 of
 * the content (AWS documents this), so comparing it would call every copy corrupt and upload it
 * again on every check. A minimal S3 endpoint here answers HeadObject as AWS does for an SSE-KMS
 * object (s3rver, used elsewhere, cannot encrypt); the destination must fall back to the size and
 * say so, and still catch a wrong size.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { S3Destination } from '../../../src/main/destinations/s3/s3-destination.js'
import type { UploadItem } from '../../../src/main/destinations/destination.js'
import { systemClock } from '../../../src/main/engine/ports.js'

const bytes = Buffer.from('the photo, encrypted at rest with a KMS key')
let server: http.Server
let url: string
let storedSize = bytes.length
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-kms-')), 'IMG_0001.JPG')

beforeAll(async () => {
  fs.writeFileSync(file, bytes)
  server = http.createServer((req, res) => {
    if (req.method !== 'HEAD' || !req.url?.startsWith('/photos/')) return void res.writeHead(400).end()
    res.writeHead(200, {
      'content-length': String(storedSize),
      // 32 hex digits, but not the MD5 of the content: what AWS answers for SSE-KMS objects.
      etag: `"${createHash('md5').update('not the content').digest('hex')}"`,
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': 'arn:aws:kms:eu-west-1:111122223333:key/example',
    }).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('S3 verify with SSE-KMS', () => {
  const item: UploadItem = {
    assetId: 1, sha256: createHash('sha256').update(bytes).digest('hex'), sha1: createHash('sha1').update(bytes).digest('hex'), size: bytes.length,
    libraryPath: '2026/2026-11/IMG_0001.JPG', fileName: 'IMG_0001.JPG', mime: 'image/jpeg', capturedAt: null, captureOffsetMinutes: null, groupId: 1, role: 'original', importedAt: 0,
  }
  const destination = (): S3Destination => new S3Destination(
    { endpoint: url, bucket: 'photos', accessKeyId: 'AKIDEXAMPLE', region: 'eu-west-1', prefix: '', pathStyle: true, checksumsWhenRequired: true },
    { secret: async () => 'secret', clock: systemClock },
  )

  it('does not compare a KMS ETag with the MD5: the copy is ok by its size', async () => {
    expect(await destination().verify(item, item.libraryPath, AbortSignal.timeout(10_000), file)).toEqual({ state: 'ok', means: 'size' })
  })

  it('still finds a copy of the wrong size', async () => {
    storedSize = bytes.length - 1
    expect(await destination().verify(item, item.libraryPath, AbortSignal.timeout(10_000), file)).toMatchObject({ state: 'corrupt', means: 'size' })
  })
})
