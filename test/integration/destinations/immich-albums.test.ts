/**
 * The phone's albums and favorites in Immich (issue 15), against the fake Immich server written
 * from Immich's published API: albums created (or the user's own album of that name used), assets
 * added and, when the phone takes them out, removed; favorites set and unset; only changes sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { ImmichDestination } from '../../../src/main/destinations/immich/immich-destination.js'
import type { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { systemClock } from '../../../src/main/engine/ports.js'
import { createLogger } from '../../../src/main/logging/logger.js'
import { startFakeImmich, type FakeImmich, type FakeImmichOptions } from '../../fakes/fake-immich-server.js'
import { MemoryPhotoMetadata, photoMeta } from '../../fakes/memory-photo-metadata.js'
import { makeTestLibrary, quickUploadManager, type TestLibrary } from '../../fakes/test-library.js'

describe('Immich albums and favorites (fake server)', () => {
  let immich: FakeImmich
  let lib: TestLibrary
  let manager: UploadManager | undefined
  let meta: MemoryPhotoMetadata
  const start = async (options: FakeImmichOptions = {}): Promise<void> => {
    immich = await startFakeImmich(options)
  }
  beforeEach(() => {
    lib = makeTestLibrary()
    meta = new MemoryPhotoMetadata()
  })
  afterEach(async () => {
    await manager?.stop()
    manager = undefined
    await immich?.close()
    lib.cleanup()
  })
  const make = (): UploadManager => quickUploadManager(lib, { metadata: meta })
  const add = (m: UploadManager, key = 'test-key') => m.add({ kind: 'immich', name: 'Immich', config: { url: immich.url }, secret: key })
  const idOf = (sha1: string): string => [...immich.assets.values()].find((a) => a.sha1 === sha1)!.id
  const album = (name: string) => [...immich.albums.values()].filter((a) => a.albumName === name)

  it('creates the albums, adds the assets, sets favorites; sends only what changed on the phone', async () => {
    await start()
    // The user's own album of that name is used, not doubled, also when they share it with family;
    // someone else's album of that name shared with the user is not theirs to fill.
    const userAlbum = immich.seedAlbum('Family', 'user-1', ['user-2'])
    const sharedWithMe = immich.seedAlbum('Family', 'user-2', ['user-1'])
    const g = lib.addGroup()
    const still = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.HEIC', size: 20_000, groupId: g })
    const motion = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.MOV', size: 30_000, role: 'motion', groupId: g })
    const other = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0002.JPG', size: 10_000 })
    meta.set(still.id, photoMeta({ favorite: true, albums: ['Family', 'Été 2026 🌞'] }))
    meta.set(motion.id, photoMeta({ favorite: true, albums: ['Family', 'Été 2026 🌞'] }))
    meta.set(other.id, photoMeta({ uuid: 'OTHER', favorite: false, albums: ['Été 2026 🌞'] }))
    manager = make()
    manager.start()
    await add(manager)
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 2, failed: 0 }) // a Live Photo and a JPEG

    const [stillId, motionId, otherId] = [idOf(still.sha1), idOf(motion.sha1), idOf(other.sha1)]
    expect(album('Family')).toHaveLength(2)
    expect(immich.albums.get(userAlbum)!.assetIds).toEqual([stillId])
    expect(immich.albums.get(sharedWithMe)!.assetIds).toEqual([])
    expect(album('Été 2026 🌞')).toHaveLength(1)
    expect(album('Été 2026 🌞')[0]!.assetIds.sort()).toEqual([stillId, otherId].sort())
    expect(immich.assets.get(stillId)!.isFavorite).toBe(true)
    expect(immich.assets.get(otherId)!.isFavorite).toBe(false)
    // The Live Photo's video is hidden under its still: no album, no favorite of its own.
    expect([...immich.albums.values()].some((a) => a.assetIds.includes(motionId))).toBe(false)
    expect(immich.assets.get(motionId)!.isFavorite).toBe(false)
    expect(immich.albumRequests.every((r) => r.status < 300)).toBe(true)

    // Nothing changed: a new pass sends nothing.
    const before = immich.albumRequests.length
    manager.syncMetadata()
    await manager.drain()
    expect(immich.albumRequests.length).toBe(before)

    // On the phone: unfavourited, out of Family, into a new album.
    meta.update(still.id, { favorite: false, albums: ['Été 2026 🌞', 'Best of'] })
    manager.syncMetadata()
    await manager.drain()
    expect(immich.assets.get(stillId)!.isFavorite).toBe(false)
    expect(immich.albums.get(userAlbum)!.assetIds).toEqual([])
    expect(album('Best of')[0]!.assetIds).toEqual([stillId])
    expect(album('Été 2026 🌞')[0]!.assetIds).toContain(stillId)
    expect(immich.albumRequests.slice(before).map((r) => r.method).sort()).toEqual(['DELETE', 'GET', 'POST', 'PUT'])
  })

  it('content Immich already had gets its albums too; an album deleted in Immich is made again', async () => {
    await start()
    const a = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0003.JPG', size: 12_000 })
    const b = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0004.JPG', size: 12_000 })
    const existing = immich.seed(a.content, 'IMG_0003.JPG')
    meta.set(a.id, photoMeta({ albums: ['Trip'] }))
    manager = make()
    manager.start()
    await add(manager)
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 2, alreadyThere: 1 })
    expect(album('Trip')[0]!.assetIds).toEqual([existing])
    expect(immich.assets.get(existing)!.isFavorite).toBe(true)

    immich.albums.delete(album('Trip')[0]!.id)
    meta.set(b.id, photoMeta({ uuid: 'B', albums: ['Trip'] }))
    manager.syncMetadata()
    await manager.drain()
    expect(album('Trip')).toHaveLength(1)
    expect(album('Trip')[0]!.assetIds).toEqual([idOf(b.sha1)])
  })

  it('a key without album permissions: files still go up, the destination is not stopped, albums wait', async () => {
    await start({ keys: { 'upload-only': ['asset.upload', 'asset.read', 'user.read'] } })
    const a = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0005.JPG', size: 12_000 })
    meta.set(a.id, photoMeta({ albums: ['Trip'] }))
    manager = make()
    manager.start()
    await add(manager, 'upload-only')
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1, failed: 0 })
    expect(manager.views()[0]!.problem).toBeNull()
    expect(immich.albums.size).toBe(0)
    expect(lib.db.prepare('SELECT meta_json FROM uploads').get()).toEqual({ meta_json: null })
  })

  it('the fake is as strict as Immich on these endpoints', async () => {
    await start({ keys: { 'test-key': ['all'], 'no-album-update': ['album.read', 'asset.update'] } })
    const mine = immich.seed(Buffer.from('mine'), 'a.jpg')
    const theirs = immich.seed(Buffer.from('theirs'), 'b.jpg', 'user-2')
    const theirAlbum = immich.seedAlbum('Theirs', 'user-2')
    const myAlbum = immich.seedAlbum('Mine')
    const call = async (method: string, path: string, body?: unknown, key: string | null = 'test-key') => {
      const res = await fetch(`${immich.url}${path}`, {
        method, headers: { ...(key ? { 'x-api-key': key } : {}), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await res.text()
      return { status: res.status, body: text ? JSON.parse(text) : null }
    }
    expect((await call('GET', '/api/albums', undefined, null)).status).toBe(401)
    // v3's error bodies (PRs #28140, #28204): { message } alone, validation issues under `errors`.
    expect(await call('POST', '/api/albums', { assetIds: [mine] })).toEqual({ status: 400, body: { message: 'Validation failed', errors: [{ code: 'custom', path: ['albumName'], message: 'must be a string' }] } })
    expect((await call('POST', '/api/albums', { albumName: 'x', assetIds: ['nope'] })).status).toBe(400)
    expect(await call('PUT', '/api/albums/not-a-uuid/assets', { ids: [mine] })).toMatchObject({ status: 400, body: { message: 'Validation failed', errors: [{ path: ['id'] }] } })
    expect(await call('PUT', `/api/albums/${theirAlbum}/assets`, { ids: [mine] })).toEqual({ status: 400, body: { message: 'Not found or no albumAsset.create access' } })
    expect(await call('PUT', `/api/albums/${myAlbum}/assets`, { ids: [mine, theirs] })).toEqual({ status: 200, body: [{ id: mine, success: true }, { id: theirs, success: false, error: 'no_permission' }] })
    expect((await call('PUT', `/api/albums/${myAlbum}/assets`, { ids: [mine] })).body).toEqual([{ id: mine, success: false, error: 'duplicate' }])
    expect((await call('DELETE', `/api/albums/${myAlbum}/assets`, { ids: [theirs] })).body).toEqual([{ id: theirs, success: false, error: 'not_found' }])
    expect(await call('PUT', '/api/assets', { ids: [mine, theirs], isFavorite: true })).toMatchObject({ status: 400, body: { message: 'Not found or no asset.update access' } })
    expect(immich.assets.get(mine)!.isFavorite).toBe(false)
    expect((await call('PUT', '/api/assets', { ids: [mine], isFavorite: 'yes' })).status).toBe(400)
    expect(await call('PUT', '/api/assets', { ids: [mine], isFavorite: true })).toEqual({ status: 204, body: null })
    expect(immich.assets.get(mine)!.isFavorite).toBe(true)
    const created = await call('POST', '/api/albums', { albumName: 'New', assetIds: [mine, theirs] })
    expect(created.status).toBe(201)
    expect(immich.albums.get(created.body.id)!.assetIds).toEqual([mine]) // another user's asset left out
    expect((await call('GET', '/api/albums?shared=false')).body.map((a: { albumName: string }) => a.albumName).sort()).toEqual(['Mine', 'New'])
    expect((await call('GET', '/api/albums?shared=maybe')).status).toBe(400)
    // Visibility (AssetVisibility) and album renames, as album.controller and asset.controller check them.
    expect((await call('PUT', '/api/assets', { ids: [mine], visibility: 'secret' })).status).toBe(400)
    expect(await call('PUT', '/api/assets', { ids: [mine], visibility: 'hidden' })).toEqual({ status: 204, body: null })
    expect(immich.assets.get(mine)!.visibility).toBe('hidden')
    expect(await call('PATCH', `/api/albums/${theirAlbum}`, { albumName: 'Taken' })).toEqual({ status: 400, body: { message: 'Not found or no album.update access' } })
    expect((await call('PATCH', `/api/albums/${myAlbum}`, { albumName: 7 })).status).toBe(400)
    expect(await call('PATCH', `/api/albums/${myAlbum}`, { albumName: 'Mine, renamed' })).toMatchObject({ status: 200, body: { id: myAlbum, albumName: 'Mine, renamed' } })
    expect(await call('PATCH', `/api/albums/${myAlbum}`, { albumName: 'x' }, 'no-album-update')).toEqual({ status: 403, body: { message: 'Missing required permission: album.update' } })
  })

  // Archive, not Immich's 'hidden' (which no Immich view shows, and its interface cannot undo).
  it('hidden on the phone: archived in Immich; shown again: back in the timeline', async () => {
    await start()
    const hidden = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.JPG', size: 20_000 })
    const shown = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0002.JPG', size: 10_000 })
    meta.set(hidden.id, photoMeta({ hidden: true, favorite: false, albums: [] }))
    meta.set(shown.id, photoMeta({ uuid: 'OTHER', hidden: false, favorite: false, albums: [] }))
    manager = make()
    manager.start()
    await add(manager)
    await manager.drain()
    expect(immich.assets.get(idOf(hidden.sha1))!.visibility).toBe('archive')
    expect(immich.assets.get(idOf(shown.sha1))!.visibility).toBe('timeline')
    // Only the change is sent: one PUT for the hidden one, none for the other.
    expect(immich.albumRequests.filter((r) => r.method === 'PUT' && r.path === '/api/assets')).toHaveLength(1)

    meta.update(hidden.id, { hidden: false })
    manager.syncMetadata()
    await manager.drain()
    expect(immich.assets.get(idOf(hidden.sha1))!.visibility).toBe('timeline')
  })

  it('an Immich before 1.133 (no asset visibility) is refused clearly, not told "done" while it drops the field', async () => {
    await start({ major: 1, minor: 132, patch: 0 })
    const asset = immich.seed(Buffer.from('a photo hidden on the phone'), 'IMG_0001.JPG')
    const immichDest = new ImmichDestination({ url: immich.url }, { secret: async () => 'test-key', clock: systemClock, log: createLogger('test/immich') })
    try {
      const item = { assetId: 1, sha256: '', sha1: '', size: 1, libraryPath: 'IMG_0001.JPG', fileName: 'IMG_0001.JPG', mime: 'image/jpeg', capturedAt: null, captureOffsetMinutes: null, groupId: 1, role: 'original' as const, importedAt: 0 }
      const ctx = { signal: AbortSignal.timeout(10_000), previous: null, sidecar: async () => '', log: createLogger('test/immich') }
      await expect(immichDest.applyMetadata(item, asset, photoMeta({ hidden: true, favorite: false, albums: [] }), ctx)).rejects.toThrow('asset visibility needs Immich 1.133 or later')
      expect(immich.assets.get(asset)!.visibility).toBe('timeline')
    } finally {
      await immichDest.close()
    }
  })

  it('an album renamed on the phone (same album id) renames the Immich album Cradle made, not a second one', async () => {
    await start()
    const a = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.JPG', size: 20_000 })
    const b = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0002.JPG', size: 10_000 })
    const trip = { uuid: 'ALBUM-1', title: 'Trip' }
    meta.set(a.id, photoMeta({ favorite: false, albums: ['Trip'], albumRefs: [trip] }))
    meta.set(b.id, photoMeta({ uuid: 'OTHER', favorite: false, albums: ['Trip'], albumRefs: [trip] }))
    manager = make()
    manager.start()
    await add(manager)
    await manager.drain()
    expect(album('Trip')).toHaveLength(1)
    const albumId = album('Trip')[0]!.id

    const renamed = { uuid: 'ALBUM-1', title: 'Rome 2026' }
    meta.update(a.id, { albums: ['Rome 2026'], albumRefs: [renamed] })
    meta.update(b.id, { albums: ['Rome 2026'], albumRefs: [renamed] })
    manager.syncMetadata()
    await manager.drain()
    expect(immich.albums.size).toBe(1)
    expect(immich.albums.get(albumId)).toMatchObject({ albumName: 'Rome 2026' })
    expect(immich.albums.get(albumId)!.assetIds.sort()).toEqual([idOf(a.sha1), idOf(b.sha1)].sort())
    expect(immich.albumRequests.filter((r) => r.method === 'PATCH')).toEqual([{ method: 'PATCH', path: `/api/albums/${albumId}`, status: 200 }])

    // Deleted in Immich, then renamed again on the phone: made again under the new title, once.
    immich.albums.delete(albumId)
    const again = { uuid: 'ALBUM-1', title: 'Rome, spring 2026' }
    meta.update(a.id, { albums: [again.title], albumRefs: [again] })
    meta.update(b.id, { albums: [again.title], albumRefs: [again] })
    manager.syncMetadata()
    await manager.drain()
    expect(album('Rome, spring 2026')).toHaveLength(1)
    expect(album('Rome, spring 2026')[0]!.assetIds.sort()).toEqual([idOf(a.sha1), idOf(b.sha1)].sort())
  })

  it('a copy whose albums were applied before album ids were kept follows a rename the catalog saw, instead of a second album', async () => {
    await start()
    const a = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.JPG', size: 20_000 })
    const b = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0002.JPG', size: 10_000 })
    // Applied by a Cradle that kept titles only: the stored metadata has no album ids.
    meta.set(a.id, photoMeta({ favorite: false, albums: ['Trip'] }))
    meta.set(b.id, photoMeta({ uuid: 'OTHER', favorite: false, albums: ['Trip'] }))
    const c = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0003.JPG', size: 12_000 })
    meta.set(c.id, photoMeta({ uuid: 'THIRD', favorite: false, albums: ['Paris'] }))
    manager = make()
    manager.start()
    await add(manager)
    await manager.drain()
    expect(album('Trip')).toHaveLength(1)
    const albumId = album('Trip')[0]!.id

    // Renamed on the phone before these copies were applied again with ids: the catalog read the
    // album once as "Trip" with its id, so the ref carries that title as a former one.
    const renamed = { uuid: 'ALBUM-1', title: 'Rome 2026', formerTitles: ['Trip'] }
    meta.update(a.id, { albums: ['Rome 2026'], albumRefs: [renamed] })
    meta.update(b.id, { albums: ['Rome 2026'], albumRefs: [renamed] })
    manager.syncMetadata()
    await manager.drain()
    expect([...immich.albums.values()].map((x) => x.albumName).sort()).toEqual(['Paris', 'Rome 2026'])
    expect(immich.albums.get(albumId)!.assetIds.sort()).toEqual([idOf(a.sha1), idOf(b.sha1)].sort())
    expect(immich.albumRequests.filter((r) => r.method === 'PATCH')).toEqual([{ method: 'PATCH', path: `/api/albums/${albumId}`, status: 200 }])
    // Nothing taken out of the album under its old name: it is the same album.
    expect(immich.albumRequests.filter((r) => r.method === 'DELETE')).toEqual([])

    // An album Cradle already follows for another phone album is never taken for a former title:
    // the photo moved to a new album, which is made; the one it left is left, and keeps its name.
    const paris = album('Paris')[0]!.id
    meta.update(c.id, { albums: ['Lisbon'], albumRefs: [{ uuid: 'ALBUM-2', title: 'Lisbon', formerTitles: ['Rome 2026'] }] })
    manager.syncMetadata()
    await manager.drain()
    expect(immich.albums.get(albumId)).toMatchObject({ albumName: 'Rome 2026' })
    expect(immich.albums.get(albumId)!.assetIds).not.toContain(idOf(c.sha1))
    expect(album('Lisbon').map((x) => x.assetIds)).toEqual([[idOf(c.sha1)]])
    expect(immich.albums.get(paris)!.assetIds).toEqual([])
    expect(immich.albumRequests.filter((r) => r.method === 'PATCH')).toHaveLength(1)
  })
})
