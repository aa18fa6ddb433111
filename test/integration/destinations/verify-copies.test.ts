/**
 * `cradle verify --destinations` underneath (UploadManager.verifyCopies, destination-verify.ts)
 * against real servers: a folder, s3rver and the Immich fake. Copies are damaged or removed behind
 * Cradle's back; the check finds each by the means the destination offers, a missing copy is
 * uploaded again from the library, a wrong folder, S3 or WebDAV copy is set aside (kept under
 * .cradle-damaged/, never overwritten) and uploaded again, and on Immich, which keys assets by
 * content, the right bytes go up as their own asset while the wrong one is left alone.
 */
import fs from 'node:fs'
import path from 'node:path'
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { DestinationFinding } from '../../../src/main/destinations/destination-verify.js'
import { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { startFakeImmich, type FakeImmich } from '../../fakes/fake-immich-server.js'
import { startFakeNextcloud } from '../../fakes/fake-nextcloud-server.js'
import { makeTestLibrary, memorySecrets, sha256Of, type TestAsset, type TestLibrary } from '../../fakes/test-library.js'
import { readAll } from '../../../src/main/destinations/stream-utils.js'
import { startS3rver } from './servers.js'

describe('verifyCopies', () => {
  let lib: TestLibrary
  let manager: UploadManager
  let s3: Awaited<ReturnType<typeof startS3rver>>
  let immich: FakeImmich
  let nas: string
  let assets: TestAsset[]
  beforeEach(async () => {
    lib = makeTestLibrary()
    nas = path.join(lib.dir, 'nas')
    fs.mkdirSync(nas)
    s3 = await startS3rver()
    immich = await startFakeImmich()
    manager = new UploadManager({ db: lib.db, libraryRoot: lib.root, secrets: memorySecrets(), settings: { uploadOnlyOnAcPower: false, uploadLimitMBps: null }, tuning: { backoff: { baseMs: 20, capMs: 100 } } })
    manager.start()
    assets = [1, 2, 3, 4].map((n) => lib.addAsset({ libraryPath: `2024/2024-05/IMG_000${n}.JPG`, size: 2_000 + n }))
    await manager.add({ kind: 'folder', name: 'NAS', config: { path: nas } })
    await manager.add({ kind: 's3', name: 'S3', config: { endpoint: s3.url, bucket: 'photos', accessKeyId: 'S3RVER' }, secret: 'S3RVER' })
    await manager.add({ kind: 'immich', name: 'Immich', config: { url: immich.url }, secret: 'test-key' })
    manager.enqueue()
    await manager.drain()
    expect(manager.statusCounts().map((d) => d.done)).toEqual([4, 4, 4])
  }, 60_000)
  afterEach(async () => {
    await manager.stop()
    await s3.close()
    await immich.close()
    lib.cleanup()
  })

  it('finds what is missing or wrong on each destination, by its own means, and heals what it can', async () => {
    const clean = await manager.verifyCopies({ damaged: new Set() })
    expect(clean.map((r) => [r.name, r.checked, r.ok, r.corrupt, r.missing, r.error])).toEqual([
      ['NAS', 4, 4, 0, 0, null], ['S3', 4, 4, 0, 0, null], ['Immich', 4, 4, 0, 0, null],
    ])
    // s3rver keeps no SHA-256 checksum; a single-part ETag is the MD5, recomputed from the library.
    expect(clean.map((r) => r.sizeOnly)).toEqual([0, 0, 0])
    expect(lib.db.prepare('SELECT COUNT(*) AS n FROM uploads WHERE verified_at IS NULL').get()).toEqual({ n: 0 })

    // Behind Cradle's back: on the NAS one file flipped and one deleted; on S3 one deleted and one
    // replaced by other bytes; on Immich one asset deleted and one with other content.
    const [a, b, c, d] = assets as [TestAsset, TestAsset, TestAsset, TestAsset]
    const flipped = Buffer.from(a.content)
    flipped[10]! ^= 0xff
    fs.writeFileSync(path.join(nas, a.libraryPath), flipped)
    fs.rmSync(path.join(nas, b.libraryPath))
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.url, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
    await client.send(new DeleteObjectCommand({ Bucket: 'photos', Key: c.libraryPath }))
    const wrong = Buffer.alloc(d.content.length, 7)
    await client.send(new PutObjectCommand({ Bucket: 'photos', Key: d.libraryPath, Body: wrong, Metadata: { sha256: d.sha256 } }))
    const immichRef = (assetId: number): string => lib.db.prepare<[number], { remote_ref: string }>("SELECT u.remote_ref FROM uploads u JOIN upload_destinations d ON d.id = u.destination_id WHERE d.name = 'Immich' AND u.asset_id = ?").get(assetId)!.remote_ref
    immich.remove(immichRef(a.id))
    // The ledger's Immich asset for b now holds other content (another photo took its place).
    immich.remove(immichRef(b.id))
    const other = immich.seed(Buffer.alloc(b.content.length, 9), path.basename(b.libraryPath))
    lib.db.prepare("UPDATE uploads SET remote_ref = ? WHERE asset_id = ? AND destination_id = (SELECT id FROM upload_destinations WHERE name = 'Immich')").run(other, b.id)

    const findings: DestinationFinding[] = []
    const found = await manager.verifyCopies({ damaged: new Set(), onFinding: (f) => findings.push(f) })
    expect(found.map((r) => [r.name, r.ok, r.corrupt, r.missing, r.requeued])).toEqual([
      ['NAS', 2, 1, 1, 2], ['S3', 2, 1, 1, 2], ['Immich', 2, 1, 1, 2],
    ])
    expect(findings).toEqual(expect.arrayContaining([
      expect.objectContaining({ destination: 'NAS', path: a.libraryPath, problem: 'corrupt', requeued: true }),
      expect.objectContaining({ destination: 'NAS', path: b.libraryPath, problem: 'missing', requeued: true }),
      expect.objectContaining({ destination: 'S3', path: c.libraryPath, problem: 'missing', requeued: true }),
      expect.objectContaining({ destination: 'S3', path: d.libraryPath, problem: 'corrupt', requeued: true }),
      expect.objectContaining({ destination: 'Immich', problem: 'missing', requeued: true }),
      expect.objectContaining({ destination: 'Immich', path: other, problem: 'corrupt', requeued: true }),
    ]))
    // The wrong NAS copy is kept aside, not deleted.
    const aside = fs.readdirSync(path.join(nas, '.cradle-damaged'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    expect(aside.map((e) => fs.readFileSync(path.join(e.parentPath, e.name)))).toEqual([flipped])

    // The next upload run brings back what was queued, from the library.
    await manager.drain()
    expect(fs.readFileSync(path.join(nas, a.libraryPath))).toEqual(a.content)
    expect(fs.readFileSync(path.join(nas, b.libraryPath))).toEqual(b.content)
    const again = await manager.verifyCopies({ damaged: new Set() })
    expect(again.map((r) => [r.name, r.ok, r.corrupt, r.missing])).toEqual([['NAS', 4, 0, 0], ['S3', 4, 0, 0], ['Immich', 4, 0, 0]])
    expect(manager.statusCounts().map((r) => [r.name, r.done, r.failed])).toEqual([['NAS', 4, 0], ['S3', 4, 0], ['Immich', 4, 0]])
    // S3: the library's bytes under the key, the wrong object kept aside.
    const read = async (key: string): Promise<Buffer> => readAll((await client.send(new GetObjectCommand({ Bucket: 'photos', Key: key }))).Body as never)
    expect(sha256Of(await read(d.libraryPath))).toBe(d.sha256)
    const asideKeys = ((await client.send(new ListObjectsV2Command({ Bucket: 'photos', Prefix: '.cradle-damaged/' }))).Contents ?? []).map((o) => o.Key!)
    expect(asideKeys).toEqual([expect.stringMatching(new RegExp(`^\\.cradle-damaged/[^/]+/${d.libraryPath}$`))])
    expect(await read(asideKeys[0]!)).toEqual(wrong)
    client.destroy()
    // Immich: b's bytes went up as their own asset; the other photo was left alone.
    expect([...immich.assets.values()].filter((x) => x.data.equals(b.content))).toHaveLength(1)
    expect(immich.assets.get(other)?.isTrashed).not.toBe(true)
    expect(immich.deleted).toEqual([])
  }, 120_000)

  it('leaves the copies of a damaged library file alone: the library cannot vouch for them', async () => {
    fs.rmSync(path.join(nas, assets[0]!.libraryPath))
    const r = await manager.verifyCopies({ damaged: new Set([assets[0]!.id]) })
    expect(r[0]).toMatchObject({ name: 'NAS', checked: 3, ok: 3, missing: 0 })
  }, 60_000)
})

describe('verifyCopies on Nextcloud (WebDAV with oc:checksums)', () => {
  it('compares the server\'s SHA-1 (a same-size change is found), and a missing file is uploaded again', async () => {
    const nc = await startFakeNextcloud()
    nc.dirs.add('/Photos')
    const lib = makeTestLibrary()
    const manager = new UploadManager({ db: lib.db, libraryRoot: lib.root, secrets: memorySecrets(), settings: { uploadOnlyOnAcPower: false, uploadLimitMBps: null }, tuning: { backoff: { baseMs: 20, capMs: 100 } } })
    try {
      manager.start()
      const [a, b] = [1, 2, 3].map((n) => lib.addAsset({ libraryPath: `2024/2024-05/IMG_100${n}.JPG`, size: 3_000 + n })) as [TestAsset, TestAsset, TestAsset]
      await manager.add({ kind: 'webdav', name: 'Nextcloud', config: { url: `${nc.url}/remote.php/dav/files/alice/Photos`, username: 'alice' }, secret: 'app-password' })
      manager.enqueue()
      await manager.drain()
      expect(await manager.verifyCopies({ damaged: new Set() })).toEqual([expect.objectContaining({ name: 'Nextcloud', checked: 3, ok: 3, sizeOnly: 0 })])

      const key = (asset: TestAsset): string => `/Photos/${asset.libraryPath}`
      const entry = nc.files.get(key(a))!
      const changed = Buffer.from(entry.data)
      changed[0]! ^= 0xff // same size: only a checksum can tell
      entry.data = changed
      nc.files.delete(key(b))
      const r = await manager.verifyCopies({ damaged: new Set() })
      expect(r[0]).toMatchObject({ checked: 3, ok: 1, corrupt: 1, missing: 1, requeued: 2 })
      await manager.drain()
      expect(nc.files.get(key(b))!.data).toEqual(b.content)
      // The wrong copy was moved aside (kept), then the library's bytes went up in its place.
      expect(nc.files.get(key(a))!.data).toEqual(a.content)
      const aside = [...nc.files.keys()].filter((k) => k.includes('/.cradle-damaged/'))
      expect(aside).toEqual([expect.stringMatching(new RegExp(`^/Photos/\\.cradle-damaged/[^/]+/${a.libraryPath}$`))])
      expect(nc.files.get(aside[0]!)!.data).toEqual(changed)
      expect((await manager.verifyCopies({ damaged: new Set() }))[0]).toMatchObject({ checked: 3, ok: 3 })
      expect(manager.statusCounts()[0]).toMatchObject({ done: 3, failed: 0 })
    } finally {
      await manager.stop()
      await nc.close()
      lib.cleanup()
    }
  }, 60_000)
})
