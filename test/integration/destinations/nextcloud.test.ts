/**
 * Nextcloud specifics against the fake Nextcloud (no Nextcloud server can run here): X-OC-Mtime
 * on PUT, chunked upload v2 for large files, resume after a restart sending only missing chunks,
 * and a fresh start when the upload folder expired.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { startFaultProxy, type FaultProxy } from '../../fakes/fault-proxy.js'
import { startFakeNextcloud, type FakeNextcloud } from '../../fakes/fake-nextcloud-server.js'
import { makeTestLibrary, memorySecrets, sha256Of, type TestLibrary } from '../../fakes/test-library.js'

const MiB = 1024 * 1024

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('Nextcloud (fake server)', () => {
  let nc: FakeNextcloud
  let proxy: FaultProxy
  let lib: TestLibrary
  let manager: UploadManager
  let secrets: ReturnType<typeof memorySecrets>
  beforeEach(async () => {
    nc = await startFakeNextcloud()
    nc.dirs.add('/Photos')
    proxy = await startFaultProxy(nc.url)
    lib = makeTestLibrary()
    secrets = memorySecrets()
  })
  afterEach(async () => {
    await manager?.stop()
    await proxy.close()
    await nc.close()
    lib.cleanup()
  })
  const make = (): UploadManager => new UploadManager({
    db: lib.db, libraryRoot: lib.root, secrets, settings: { uploadOnlyOnAcPower: false, uploadLimitMBps: null },
    tuning: { stallTimeoutMs: 1_500, backoff: { baseMs: 50, capMs: 500 } },
    options: { webdav: { chunkThreshold: 8 * MiB, chunkSize: 5 * MiB } },
  })
  const add = (m: UploadManager) => m.add({ kind: 'webdav', name: 'Nextcloud', config: { url: `${proxy.url}/remote.php/dav/files/alice/Photos`, username: 'alice' }, secret: 'app-password' })

  it('sets the modification time to the capture time and sends large files in chunks', async () => {
    const captured = Date.UTC(2024, 4, 1, 8, 0, 0)
    const small = lib.addAsset({ libraryPath: '2024/2024-05/IMG_0001.HEIC', size: 100_000, capturedAt: captured })
    const big = lib.addAsset({ libraryPath: '2024/2024-05/IMG_0002.MOV', size: 12 * MiB, mime: 'video/quicktime', capturedAt: captured })
    manager = make()
    manager.start()
    await add(manager)
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 2, failed: 0 })
    const s = nc.files.get('/Photos/2024/2024-05/IMG_0001.HEIC')!
    const b = nc.files.get('/Photos/2024/2024-05/IMG_0002.MOV')!
    expect(sha256Of(s.data)).toBe(small.sha256)
    expect(sha256Of(b.data)).toBe(big.sha256)
    expect(s.mtime).toBe(captured / 1000)
    expect(b.mtime).toBe(captured / 1000)
    const chunkPuts = nc.requests.filter((r) => r.method === 'PUT' && r.path.includes('/uploads/'))
    expect(chunkPuts.map((r) => r.path.split('/').pop())).toEqual(['1', '2', '3'])
    expect(nc.uploads.size).toBe(0)
  })

  it('resumes a chunked upload after a restart, sending only the missing chunks', async () => {
    const big = lib.addAsset({ libraryPath: 'v/IMG_0003.MOV', size: 14 * MiB, mime: 'video/quicktime' })
    proxy.setPlan((r) => (r.method === 'PUT' && /\/uploads\/.*\/2$/.test(r.url) ? { kind: 'stall' } : { kind: 'pass' }))
    manager = make()
    manager.start()
    await add(manager)
    await until(() => proxy.log.some((r) => /\/uploads\/.*\/2$/.test(r.url)))
    await manager.stop()
    proxy.setPlan(() => ({ kind: 'pass' }))
    manager = make()
    manager.start()
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1 })
    expect(sha256Of(nc.files.get('/Photos/v/IMG_0003.MOV')!.data)).toBe(big.sha256)
    const chunk1 = nc.requests.filter((r) => r.method === 'PUT' && /\/uploads\/.*\/1$/.test(r.path))
    expect(chunk1).toHaveLength(1)
    expect(nc.requests.filter((r) => r.method === 'MKCOL' && r.path.includes('/uploads/'))).toHaveLength(1)
  })

  it('starts over when the upload folder expired meanwhile', async () => {
    const big = lib.addAsset({ libraryPath: 'v/IMG_0004.MOV', size: 11 * MiB, mime: 'video/quicktime' })
    proxy.setPlan((r) => (r.method === 'PUT' && /\/uploads\/.*\/2$/.test(r.url) ? { kind: 'stall' } : { kind: 'pass' }))
    manager = make()
    manager.start()
    await add(manager)
    await until(() => proxy.log.some((r) => /\/uploads\/.*\/2$/.test(r.url)))
    await manager.stop()
    nc.uploads.clear() // Nextcloud expires upload folders after 24 h of inactivity
    proxy.setPlan(() => ({ kind: 'pass' }))
    manager = make()
    manager.start()
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1 })
    expect(sha256Of(nc.files.get('/Photos/v/IMG_0004.MOV')!.data)).toBe(big.sha256)
    expect(nc.requests.filter((r) => r.method === 'MKCOL' && r.path.includes('/uploads/'))).toHaveLength(2)
  })
})
