/**
 * An Immich user over their storage quota: the server answers every upload 400 "Quota has been
 * exceeded!" (Immich's requireQuota, checked before anything is stored). The fake does the same.
 * Cradle must call the destination full, park it without failing files (a 400 is otherwise "this
 * file was rejected"), and upload everything once the quota is raised.
 */
import { afterEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { startFakeImmich, type FakeImmich } from '../../fakes/fake-immich-server.js'
import { makeTestLibrary, quickUploadManager, type TestLibrary } from '../../fakes/test-library.js'

describe('Immich over its storage quota', () => {
  let immich: FakeImmich
  let lib: TestLibrary
  let manager: UploadManager | undefined
  afterEach(async () => {
    await manager?.stop()
    await immich?.close()
    lib?.cleanup()
  })

  it('is full: no file marked failed, the destination says so, and it uploads after the quota is raised', async () => {
    immich = await startFakeImmich({ quotaBytes: 50_000 })
    lib = makeTestLibrary()
    for (let i = 1; i <= 4; i++) lib.addAsset({ libraryPath: `2026/2026-11/IMG_000${i}.JPG`, size: 30_000 })
    manager = quickUploadManager(lib, { tuning: { fullRecheckMs: 60 * 60_000 } })
    manager.start()
    const added = await manager.add({ kind: 'immich', name: 'Immich', config: { url: immich.url }, secret: 'test-key' })
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1, failed: 0, pending: 3 })
    const view = manager.views().find((d) => d.id === added.id)!
    expect(view.status).toBe('error')
    expect(view.problem?.message).toBe('Immich is full')
    // One refusal per upload that was already on its way (3 at once), then it waits: no retry storm.
    const refusals = immich.uploads.filter((u) => u.status === 400).length
    expect(refusals).toBeGreaterThanOrEqual(1)
    expect(refusals).toBeLessThanOrEqual(3)

    immich.setQuota(null)
    manager.retryFailed(added.id) // "Retry" in the window; left alone, the runner re-checks by itself after fullRecheckMs
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 4, failed: 0, pending: 0 })
    expect(immich.assets.size).toBe(4)
  })
})
