/**
 * Immich against the fake Immich server (Immich cannot run here): v3 and v2 form fields, Live
 * Photos (motion first, hidden, then the still linked to it), bulk-upload-check before sending,
 * the checksum-header duplicate shortcut, a 413 that fails one file (not the destination), an address ending in /api, and key problems.
 */
import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { startFaultProxy, type FaultProxy } from '../../fakes/fault-proxy.js'
import { startFakeImmich, type FakeImmich, type FakeImmichOptions } from '../../fakes/fake-immich-server.js'
import { makeTestLibrary, quickUploadManager, type TestLibrary } from '../../fakes/test-library.js'

describe('Immich (fake server)', () => {
  let immich: FakeImmich
  let proxy: FaultProxy
  let lib: TestLibrary
  let manager: UploadManager
  const start = async (options: FakeImmichOptions = {}): Promise<void> => {
    immich = await startFakeImmich(options)
    proxy = await startFaultProxy(immich.url)
  }
  beforeEach(() => {
    lib = makeTestLibrary()
  })
  afterEach(async () => {
    await manager?.stop()
    await proxy?.close()
    await immich?.close()
    lib.cleanup()
  })
  const make = (): UploadManager => quickUploadManager(lib)
  const add = (m: UploadManager, key = 'test-key') => m.add({ kind: 'immich', name: 'Immich', config: { url: proxy.url }, secret: key })

  function livePhoto(stem: string): { still: ReturnType<TestLibrary['addAsset']>; motion: ReturnType<TestLibrary['addAsset']> } {
    const g = lib.addGroup()
    const still = lib.addAsset({ libraryPath: `2026/2026-11/${stem}.HEIC`, size: 40_000, groupId: g })
    const motion = lib.addAsset({ libraryPath: `2026/2026-11/${stem}.MOV`, size: 90_000, groupId: g, role: 'motion' })
    lib.addAsset({ libraryPath: `2026/2026-11/${stem}.AAE`, size: 500, groupId: g, role: 'sidecar' })
    return { still, motion }
  }

  it('v3: uploads the motion part hidden, then the still linked to it, without device fields', async () => {
    await start({ major: 3 })
    const { still, motion } = livePhoto('IMG_0001')
    const single = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0002.JPG', size: 30_000 })
    manager = make()
    manager.start()
    await add(manager)
    await manager.drain()
    // Two photos and videos (the Live Photo with its .AAE Immich does not take, and the JPEG): three assets.
    expect(manager.statusCounts()[0]).toMatchObject({ done: 2, skipped: 0, failed: 0 })
    expect(immich.assets.size).toBe(3)
    const bySha = new Map([...immich.assets.values()].map((a) => [a.sha1, a]))
    const m = bySha.get(motion.sha1)!
    const s = bySha.get(still.sha1)!
    expect(m.fields.visibility).toBe('hidden')
    expect(s.fields.livePhotoVideoId).toBe(m.id)
    expect(s.fields.visibility).toBeUndefined()
    expect(s.fields.fileCreatedAt).toBe('2026-11-01T10:30:00.000+01:00')
    expect(bySha.get(single.sha1)!.data.equals(single.content)).toBe(true)
    expect(immich.uploads.every((u) => !('deviceAssetId' in u.fields))).toBe(true)
    // The motion part went before its still.
    const order = immich.uploads.map((u) => u.fields.filename)
    expect(order.indexOf('IMG_0001.MOV')).toBeLessThan(order.indexOf('IMG_0001.HEIC'))
    const checksums = proxy.log.filter((r) => r.url === '/api/assets' && r.method === 'POST').map((r) => r.headers['x-immich-checksum'])
    expect(checksums).toContain(createHash('sha1').update(still.content).digest('hex'))
  })

  it('v2: sends deviceAssetId and deviceId, which v2 requires', async () => {
    await start({ major: 2 })
    lib.addAsset({ libraryPath: 'a.jpg', size: 5_000 })
    manager = make()
    manager.start()
    await add(manager)
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1, failed: 0 })
    expect(immich.uploads[0]!.fields).toMatchObject({ deviceId: 'cradle', deviceAssetId: `cradle-${lib.assets[0]!.sha1}` })
  })

  it('asks bulk-upload-check first and sends nothing the server has', async () => {
    await start()
    const a = lib.addAsset({ libraryPath: 'a.jpg', size: 5_000 })
    lib.addAsset({ libraryPath: 'b.jpg', size: 5_000 })
    const existing = immich.seed(a.content, 'a.jpg')
    manager = make()
    manager.start()
    await add(manager)
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 2, alreadyThere: 1 })
    expect(immich.bulkChecks).toBe(1)
    expect(immich.uploads).toHaveLength(1)
    expect(lib.db.prepare('SELECT remote_ref FROM uploads WHERE asset_id = ?').get(a.id)).toEqual({ remote_ref: existing })
  })

  it('takes a 200 "duplicate" answered from the checksum header as success', async () => {
    await start()
    const a = lib.addAsset({ libraryPath: 'a.jpg', size: 2_000_000 })
    const existing = immich.seed(a.content, 'a.jpg')
    proxy.setPlan((r) => (r.url === '/api/assets/bulk-upload-check' ? { kind: 'status', status: 503 } : { kind: 'pass' }))
    manager = make()
    manager.start()
    await add(manager)
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1, failed: 0 })
    // The server closes without reading the body; the client may see the answer or a reset
    // (then it retries and gets the same answer). Never a second asset.
    expect(immich.uploads.length).toBeGreaterThanOrEqual(1)
    expect(immich.uploads.every((u) => u.early && u.status === 200)).toBe(true)
    expect(immich.assets.size).toBe(1)
    expect(lib.db.prepare('SELECT remote_ref, deduped FROM uploads').get()).toEqual({ remote_ref: existing, deduped: 1 })
  })

  it('after an answer lost mid-upload, asks by checksum before sending the file again', async () => {
    // The server created the asset but its answer was lost. Re-sending 12 MB would meet Immich's
    // early "duplicate" answer mid-body; a reset then hides that answer, attempt after attempt.
    await start()
    const video = lib.addAsset({ libraryPath: '2025/2025-12/IMG_3000.MOV', size: 12 * 1024 * 1024, mime: 'video/quicktime' })
    let posts = 0
    proxy.setPlan((r) => {
      if (r.url === '/api/assets/bulk-upload-check') return { kind: 'status', status: 503 }
      if (r.method === 'POST' && r.url === '/api/assets' && posts++ === 0) return { kind: 'lose-answer' }
      return { kind: 'pass' }
    })
    manager = quickUploadManager(lib, { tuning: { maxAttempts: 3 } })
    manager.start()
    await add(manager)
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1, failed: 0 })
    expect(immich.uploads.filter((u) => u.status === 201)).toHaveLength(1)
    const sent = proxy.log.filter((r) => r.method === 'POST' && r.url === '/api/assets').map((r) => Number(r.headers['content-length']))
    expect(sent[0]).toBeGreaterThan(video.content.length)
    expect(sent.slice(1).every((n) => n < 100)).toBe(true)
    expect(lib.db.prepare('SELECT deduped FROM uploads').get()).toEqual({ deduped: 1 })
  })

  it('a file over the proxy\'s body limit (413) fails with the fix in its reason; the rest of the queue goes on', async () => {
    await start({ maxBodyBytes: 100_000 })
    const big = lib.addAsset({ libraryPath: 'big.mov', size: 200_000 })
    const small = [1, 2, 3].map((i) => lib.addAsset({ libraryPath: `2026/2026-11/IMG_000${i}.JPG`, size: 20_000 }))
    manager = make()
    manager.start()
    const view = await add(manager)
    await manager.drain()
    const v = manager.views().find((x) => x.id === view.id)!
    expect(v.problem).toBeNull()
    expect(v.counts).toMatchObject({ done: 3, failed: 1 })
    expect(v.failedReason).toBe('Immich refused a file as too large')
    const bigState = manager.uploadStates([big.id]).get(big.id)![0]!
    expect(bigState).toMatchObject({ state: 'failed', error: { code: 'destination-too-large', action: expect.stringContaining('client_max_body_size') } })
    for (const a of small) expect(manager.uploadStates([a.id]).get(a.id)![0]!.state).toBe('done')
  })

  it('accepts the server address as Immich\'s CLI shows it, ending in /api', async () => {
    await start()
    lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.JPG', size: 20_000 })
    manager = make()
    manager.start()
    const view = await manager.add({ kind: 'immich', name: 'Immich', config: { url: `${proxy.url}/api/` }, secret: 'test-key' })
    await manager.drain()
    expect(manager.views().find((x) => x.id === view.id)).toMatchObject({ problem: null, counts: { done: 1, failed: 0 } })
    expect(immich.assets.size).toBe(1)
  })

  it('tells a wrong key from a key without permission', async () => {
    await start({ keys: { good: ['asset.upload', 'user.read'], weak: ['album.read'] } })
    manager = make()
    const wrong = await manager.test({ draft: { kind: 'immich', name: 'Immich', config: { url: immich.url }, secret: 'nope' } })
    const weak = await manager.test({ draft: { kind: 'immich', name: 'Immich', config: { url: immich.url }, secret: 'weak' } })
    const good = await manager.test({ draft: { kind: 'immich', name: 'Immich', config: { url: immich.url }, secret: 'good' } })
    expect(wrong.message).toBe('Immich refused the API key. Update the API key.')
    expect(weak.message).toMatch(/^Immich refused the upload\. Give the API key these permissions: asset\.upload/)
    expect(good.ok).toBe(true)
  })

  it('a refused key is fixed by editing the destination: the new key is saved, the stop cleared, the files go up', async () => {
    await start()
    lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.JPG', size: 20_000 })
    lib.addAsset({ libraryPath: '2026/2026-11/IMG_0002.JPG', size: 20_000 })
    manager = make()
    manager.start()
    const view = await add(manager, 'wrong-key')
    await manager.drain()
    const stopped = manager.views().find((x) => x.id === view.id)!
    expect(stopped.problem).toMatchObject({ code: 'destination-auth', message: 'Immich refused the API key', action: 'Update the API key.' })
    expect(stopped.config).toEqual({ url: proxy.url })
    expect(immich.assets.size).toBe(0)

    // The edit form's test, with the key not retyped, uses the stored (wrong) one; retyped, the new one.
    const draft = { kind: 'immich' as const, name: 'Home Immich', config: { url: proxy.url } }
    expect((await manager.test({ draft, id: view.id })).ok).toBe(false)
    expect((await manager.test({ draft: { ...draft, secret: 'test-key' }, id: view.id })).ok).toBe(true)

    const edited = await manager.update(view.id, { ...draft, secret: 'test-key' })
    expect(edited).toMatchObject({ id: view.id, name: 'Home Immich', problem: null })
    await manager.drain()
    expect(manager.views().find((x) => x.id === view.id)).toMatchObject({ name: 'Home Immich', problem: null, counts: { done: 2, failed: 0 } })
    expect(immich.assets.size).toBe(2)

    // Saved again without the key: the stored one is kept, and nothing is uploaded twice.
    await manager.update(view.id, { ...draft, name: 'Immich' })
    expect((await manager.test({ id: view.id })).ok).toBe(true)
    await manager.drain()
    expect(manager.views().find((x) => x.id === view.id)).toMatchObject({ name: 'Immich', counts: { done: 2, failed: 0 } })
    expect(immich.uploads).toHaveLength(2)
  })

  it('an edit keeps the kind and refuses a name another destination has', async () => {
    await start()
    manager = make()
    const view = await add(manager)
    await manager.add({ kind: 'folder', name: 'NAS', config: { path: lib.root + '-nas' } })
    await expect(manager.update(view.id, { kind: 'folder', name: 'Immich', config: { path: '/srv/x' } })).rejects.toMatchObject({ code: 'invalid-input', context: { key: 'kind' } })
    await expect(manager.update(view.id, { kind: 'immich', name: 'nas', config: { url: proxy.url } })).rejects.toMatchObject({ code: 'invalid-input', context: { key: 'name' } })
    expect(manager.views().map((v) => v.name)).toEqual(['Immich', 'NAS'])
  })
})
