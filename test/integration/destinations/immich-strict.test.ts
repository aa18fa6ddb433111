/**
 * The fake Immich is as strict as the server where Cradle relies on it (issue 18 item 9), and
 * Cradle copes: error bodies as each version sends them, file types Immich does not take (never
 * sent, counted as not for this destination), a Live Photo link to a video Immich no longer has,
 * and each endpoint's permission per server version.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { startFaultProxy, type FaultProxy } from '../../fakes/fault-proxy.js'
import { startFakeImmich, type FakeImmich, type FakeImmichOptions } from '../../fakes/fake-immich-server.js'
import { makeTestLibrary, quickUploadManager, type TestLibrary } from '../../fakes/test-library.js'


describe('Immich as strict as the server (fake)', () => {
  let immich: FakeImmich
  let proxy: FaultProxy | undefined
  let lib: TestLibrary
  let manager: UploadManager | undefined
  const start = async (options: FakeImmichOptions = {}): Promise<void> => {
    immich = await startFakeImmich(options)
  }
  beforeEach(() => {
    lib = makeTestLibrary()
  })
  afterEach(async () => {
    await manager?.stop()
    manager = undefined
    await proxy?.close()
    proxy = undefined
    await immich?.close()
    lib.cleanup()
  })
  const call = async (method: string, path: string, init: { json?: unknown; form?: FormData; key?: string | null } = {}) => {
    const key = init.key === undefined ? 'test-key' : init.key
    const res = await fetch(`${immich.url}${path}`, {
      method,
      headers: { ...(key ? { 'x-api-key': key } : {}), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.form ?? (init.json === undefined || method === 'GET' ? undefined : JSON.stringify(init.json)),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null, correlation: res.headers.get('x-correlation-id') }
  }
  const form = (fields: Record<string, string>, fileName: string, data = Buffer.from(fileName)): FormData => {
    const f = new FormData()
    for (const [k, v] of Object.entries({ fileCreatedAt: '2026-11-01T10:30:00.000+01:00', fileModifiedAt: '2026-11-01T10:30:00.000+01:00', ...fields })) f.append(k, v)
    f.append('assetData', new Blob([data]), fileName)
    return f
  }

  it('error bodies: v2 sends { message, error, statusCode, correlationId }; v3 only { message } and the id in X-Correlation-ID', async () => {
    await start({ major: 2, minor: 4, keys: { 'test-key': ['album.read'] } })
    const v2Auth = await call('GET', '/api/users/me', { key: 'nope' })
    expect(v2Auth).toMatchObject({ status: 401, body: { message: 'Invalid API key', error: 'Unauthorized', statusCode: 401, correlationId: expect.any(String) } })
    expect(await call('GET', '/api/users/me')).toMatchObject({ status: 403, body: { message: 'Missing required permission: user.read', error: 'Forbidden', statusCode: 403 } })
    await immich.close()
    await start({ major: 2, minor: 4 })
    const v2Invalid = await call('POST', '/api/albums', { json: {} })
    expect(v2Invalid).toMatchObject({ status: 400, body: { message: ['albumName must be a string'], error: 'Bad Request', statusCode: 400 } })
    await immich.close()

    await start({ major: 3, keys: { 'test-key': ['album.read'] } })
    const v3Auth = await call('GET', '/api/users/me', { key: 'nope' })
    expect(v3Auth.body).toEqual({ message: 'Invalid API key' })
    expect(v3Auth.correlation).toEqual(expect.any(String))
    expect((await call('GET', '/api/users/me')).body).toEqual({ message: 'Missing required permission: user.read' })
    await immich.close()
    await start({ major: 3 })
    expect((await call('POST', '/api/albums', { json: {} })).body).toEqual({ message: 'Validation failed', errors: [{ code: 'custom', path: ['albumName'], message: 'must be a string' }] })
  })

  it('Cradle words a refused key the same from either body shape', async () => {
    for (const major of [2, 3]) {
      await start({ major, keys: { weak: ['album.read'] } })
      manager = quickUploadManager(lib)
      const wrong = await manager.test({ draft: { kind: 'immich', name: 'Immich', config: { url: immich.url }, secret: 'nope' } })
      const weak = await manager.test({ draft: { kind: 'immich', name: 'Immich', config: { url: immich.url }, secret: 'weak' } })
      expect({ major, wrong: wrong.message }).toEqual({ major, wrong: 'Immich refused the API key. Update the API key.' })
      expect({ major, weak: weak.message }).toEqual({ major, weak: expect.stringMatching(/^Immich refused the upload\. Give the API key these permissions: asset\.upload/) })
      await manager.stop()
      manager = undefined
      await immich.close()
    }
  })

  it('the fake answers 400 "Unsupported file type" for what Immich does not take, by the filename field first', async () => {
    await start()
    expect(await call('POST', '/api/assets', { form: form({ filename: 'IMG_0001.AAE' }, 'IMG_0001.AAE') })).toEqual({ status: 400, body: { message: 'Unsupported file type IMG_0001.AAE' }, correlation: expect.any(String) })
    expect((await call('POST', '/api/assets', { form: form({}, 'notes.PLIST') })).body).toEqual({ message: 'Unsupported file type notes.PLIST' })
    // The filename field decides, not the part's name.
    expect((await call('POST', '/api/assets', { form: form({ filename: 'IMG_0002.xmp' }, 'IMG_0002.JPG') })).status).toBe(400)
    expect((await call('POST', '/api/assets', { form: form({ filename: 'IMG_0003.HEIC' }, 'blob') })).status).toBe(201)
    expect((await call('POST', '/api/assets', { form: form({ filename: 'IMG_0004.dng' }, 'x') })).status).toBe(201)
    expect(immich.assets.size).toBe(2)
  })

  it('never sends a file type Immich refuses; it counts as not for Immich, not as a failure', async () => {
    await start()
    proxy = await startFaultProxy(immich.url)
    const photo = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.JPG', size: 20_000 })
    // Files a phone may hold that Immich refuses, even were they taken as photos.
    const aae = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0002.AAE', size: 600, role: 'original' })
    const plist = lib.addAsset({ libraryPath: '2026/2026-11/Info.plist', size: 300 })
    manager = quickUploadManager(lib)
    manager.start()
    const view = await manager.add({ kind: 'immich', name: 'Immich', config: { url: proxy.url }, secret: 'test-key' })
    await manager.drain()
    const v = manager.views().find((x) => x.id === view.id)!
    expect(v).toMatchObject({ problem: null, failedReason: null, counts: { done: 1, failed: 0 } })
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1, failed: 0, skipped: 2 })
    expect(immich.uploads.map((u) => u.status)).toEqual([201])
    const sent = proxy.log.filter((r) => r.method === 'POST' && r.url === '/api/assets').map((r) => r.headers['x-immich-checksum'])
    expect(sent).toEqual([photo.sha1])
    for (const a of [aae, plist]) expect(manager.uploadStates([a.id]).get(a.id)![0]).toMatchObject({ state: 'skipped', error: { code: 'destination-unsupported' } })
  })

  it('an older server that lacks a type Cradle thought it takes: that file is not for it either, the rest goes on', async () => {
    await start({ missingExtensions: ['.jxl'] })
    lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.JPG', size: 20_000 })
    const jxl = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0002.JXL', size: 20_000 })
    manager = quickUploadManager(lib)
    manager.start()
    const view = await manager.add({ kind: 'immich', name: 'Immich', config: { url: immich.url }, secret: 'test-key' })
    await manager.drain()
    expect(manager.views().find((x) => x.id === view.id)).toMatchObject({ problem: null, counts: { done: 1, failed: 0 } })
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1, failed: 0, skipped: 1 })
    expect(immich.uploads.filter((u) => u.status === 400)).toHaveLength(1)
    expect(manager.uploadStates([jxl.id]).get(jxl.id)![0]).toMatchObject({ state: 'skipped', error: { code: 'destination-unsupported' } })
  })

  it('the fake links a Live Photo only to the same user\'s video asset', async () => {
    await start()
    const image = immich.seed(Buffer.from('still'), 'IMG_0009.HEIC')
    const theirs = immich.seed(Buffer.from('their video'), 'IMG_0008.MOV', 'user-2')
    const video = immich.seed(Buffer.from('my video'), 'IMG_0007.MOV')
    const still = (n: number, id: string) => call('POST', '/api/assets', { form: form({ filename: `IMG_000${n}.HEIC`, livePhotoVideoId: id }, 'x', Buffer.from(`still ${n}`)) })
    expect(await still(1, 'not-a-uuid')).toMatchObject({ status: 400, body: { message: 'Validation failed', errors: [{ path: ['livePhotoVideoId'] }] } })
    expect((await still(2, '6f1f4d8e-1111-4222-8333-444455556666')).body).toEqual({ message: 'Live photo video not found' })
    expect((await still(3, image)).body).toEqual({ message: 'Live photo video must be a video' })
    expect((await still(4, theirs)).body).toEqual({ message: 'Live photo video does not belong to the user' })
    expect((await still(5, video)).status).toBe(201)
    expect(immich.assets.size).toBe(4)
  })

  it('a Live Photo whose video Immich no longer has: the still goes up unlinked instead of failing', async () => {
    await start()
    proxy = await startFaultProxy(immich.url)
    const g = lib.addGroup()
    const still = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.HEIC', size: 40_000, groupId: g })
    const motion = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.MOV', size: 90_000, groupId: g, role: 'motion' })
    // The user deletes the video in Immich between its upload and the still's.
    let deleted = false
    proxy.setPlan((r) => {
      if (!deleted && r.method === 'POST' && r.url === '/api/assets' && r.headers['x-immich-checksum'] === still.sha1) {
        deleted = true
        for (const a of immich.assets.values()) if (a.sha1 === motion.sha1) immich.remove(a.id)
      }
      return { kind: 'pass' }
    })
    manager = quickUploadManager(lib)
    manager.start()
    const view = await manager.add({ kind: 'immich', name: 'Immich', config: { url: proxy.url }, secret: 'test-key' })
    await manager.drain()
    expect(deleted).toBe(true)
    expect(manager.views().find((x) => x.id === view.id)).toMatchObject({ problem: null, counts: { done: 1, failed: 0 } }) // one Live Photo
    const stored = [...immich.assets.values()].find((a) => a.sha1 === still.sha1)!
    expect(stored.fields.livePhotoVideoId).toBeUndefined()
    expect(immich.uploads.filter((u) => u.status === 400)).toHaveLength(1)
  })

  it('permissions per endpoint and version: bulk-upload-check needs `all` on 1.x before 1.140, asset.upload after', async () => {
    const check = { json: { assets: [{ id: '1', checksum: 'a'.repeat(40) }] } }
    for (const [minor, patch, status] of [[138, 0, 403], [139, 4, 403], [140, 0, 200]] as const) {
      await start({ major: 1, minor, patch, keys: { 'test-key': ['asset.upload'], everything: ['all'] } })
      expect({ v: `1.${minor}.${patch}`, status: (await call('POST', '/api/assets/bulk-upload-check', check)).status }).toEqual({ v: `1.${minor}.${patch}`, status })
      expect((await call('POST', '/api/assets/bulk-upload-check', { ...check, key: 'everything' })).status).toBe(200)
      await immich.close()
    }
    await start({ keys: { 'test-key': ['asset.upload'], none: [] } })
    expect((await call('POST', '/api/assets/bulk-upload-check', check)).status).toBe(200)
    const need: [string, string, string][] = [
      ['GET', '/api/users/me', 'user.read'], ['POST', '/api/assets', 'asset.upload'], ['POST', '/api/assets/bulk-upload-check', 'asset.upload'],
      ['GET', `/api/assets/${immich.seed(Buffer.from('x'), 'x.jpg')}`, 'asset.read'], ['DELETE', '/api/assets', 'asset.delete'], ['PUT', '/api/assets', 'asset.update'],
      ['GET', '/api/albums', 'album.read'], ['POST', '/api/albums', 'album.create'],
      ['PUT', '/api/albums/6f1f4d8e-1111-4222-8333-444455556666/assets', 'albumAsset.create'], ['DELETE', '/api/albums/6f1f4d8e-1111-4222-8333-444455556666/assets', 'albumAsset.delete'],
    ]
    for (const [method, path, perm] of need) {
      expect({ method, path, ...(await call(method, path, { json: {}, key: 'none' })) }).toMatchObject({ method, path, status: 403, body: { message: `Missing required permission: ${perm}` } })
    }
    for (const path of ['/api/server/ping', '/api/server/version']) expect((await call('GET', path, { key: null })).status).toBe(200)
  })

  it('on 1.139.4 an upload-only key still uploads everything (the bulk check refused by default there)', async () => {
    await start({ major: 1, minor: 139, patch: 4, keys: { upload: ['asset.upload'] } })
    lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.JPG', size: 20_000 })
    manager = quickUploadManager(lib)
    manager.start()
    const view = await manager.add({ kind: 'immich', name: 'Immich', config: { url: immich.url }, secret: 'upload' })
    await manager.drain()
    expect(immich.bulkRequests).toBe(1)
    expect(immich.bulkChecks).toBe(0)
    expect(manager.views().find((x) => x.id === view.id)).toMatchObject({ problem: null, counts: { done: 1, failed: 0 } })
  })
})
