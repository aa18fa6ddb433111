/**
 * Immich with an API key limited to asset.upload (issue 18, items 5 and 6): before 1.139.4
 * bulk-upload-check needs the `all` permission (immich #21456, fixed by PR #21470), and
 * /api/users/me needs user.read. Neither may stop the destination or fail `destination test`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { startFakeImmich, type FakeImmich } from '../../fakes/fake-immich-server.js'
import { makeTestLibrary, quickUploadManager, type TestLibrary } from '../../fakes/test-library.js'

describe('Immich with an upload-only API key', () => {
  let immich: FakeImmich
  let lib: TestLibrary
  let manager: UploadManager | undefined
  beforeEach(() => {
    lib = makeTestLibrary()
  })
  afterEach(async () => {
    await manager?.stop()
    manager = undefined
    await immich?.close()
    lib.cleanup()
  })
  const make = (): UploadManager => quickUploadManager(lib)
  const draft = (secret: string) => ({ draft: { kind: 'immich', name: 'Immich', config: { url: immich.url }, secret } })

  it('on a server whose bulk check needs `all`, uploads with the checksum header and recognises what the server has', async () => {
    immich = await startFakeImmich({ major: 1, minor: 138, patch: 0, bulkCheckNeedsAll: true, keys: { upload: ['asset.upload'] } })
    const known = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.JPG', size: 20_000 })
    const fresh = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0002.JPG', size: 30_000 })
    const knownId = immich.seed(known.content, 'IMG_0001.JPG')
    manager = make()
    manager.start()
    const view = await manager.add({ kind: 'immich', name: 'Immich', config: { url: immich.url }, secret: 'upload' })
    await manager.drain()
    expect(manager.views().find((x) => x.id === view.id)).toMatchObject({ problem: null, counts: { done: 2, failed: 0 } })
    // One asset created (the new file); the known one answered "duplicate" from the header.
    expect(immich.assets.size).toBe(2)
    expect(immich.uploads.filter((u) => u.status === 201).map((u) => u.sha1)).toEqual([fresh.sha1])
    expect(immich.uploads.some((u) => u.status === 200 && u.sha1 === known.sha1)).toBe(true)
    expect(immich.bulkRequests).toBe(1)
    expect(immich.assets.get(knownId)).toBeDefined()

    // Remembered: more files later do not ask bulk-upload-check again on this server.
    const bulkRequests = immich.bulkRequests
    const later = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0003.JPG', size: 10_000 })
    manager.enqueue([later.id])
    await manager.drain()
    expect(immich.bulkRequests).toBe(bulkRequests)
    expect(manager.views().find((x) => x.id === view.id)).toMatchObject({ problem: null, counts: { done: 3, failed: 0 } })
    expect(immich.assets.size).toBe(3)
  })

  it('a key with only asset.upload passes `destination test`; a key without it is told it needs asset.upload', async () => {
    immich = await startFakeImmich({ keys: { upload: ['asset.upload'], albums: ['album.read'] } })
    manager = make()
    const upload = await manager.test(draft('upload'))
    expect(upload).toMatchObject({ ok: true })
    expect(immich.assets.size).toBe(0)
    const read = await manager.test(draft('albums'))
    expect(read.ok).toBe(false)
    expect(read.message).toMatch(/asset\.upload/)
  })
})
