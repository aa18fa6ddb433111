/**
 * The phone's albums in Google Photos (issue 15), against the fake Google server: since the 2025
 * API changes an app may only add media it created to albums it created, so Cradle creates its own
 * album per phone album and fills it with what it uploaded; the user's own albums are never
 * touched (the fake refuses them with Google's error, as the service does).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeGoogle, type FakeGoogle } from '../../fakes/fake-google-photos-server.js'
import { MemoryPhotoMetadata, photoMeta } from '../../fakes/memory-photo-metadata.js'
import { makeTestLibrary, memorySecrets, type TestLibrary } from '../../fakes/test-library.js'

describe('Google Photos albums (fake server)', () => {
  let google: FakeGoogle
  let lib: TestLibrary
  let manager: UploadManager
  let secrets: ReturnType<typeof memorySecrets>
  let meta: MemoryPhotoMetadata
  beforeEach(async () => {
    lib = makeTestLibrary()
    secrets = memorySecrets()
    meta = new MemoryPhotoMetadata()
    google = await startFakeGoogle()
    manager = new UploadManager({
      db: lib.db, libraryRoot: lib.root, secrets, settings: { uploadOnlyOnAcPower: false, uploadLimitMBps: null },
      tuning: { stallTimeoutMs: 2_000, backoff: { baseMs: 50, capMs: 500 } }, metadata: meta,
      options: { google: { authUrl: `${google.url}/auth`, tokenUrl: `${google.url}/token`, apiBase: google.url, batchDelayMs: 20 } },
    })
    manager.start()
  })
  afterEach(async () => {
    await manager.stop()
    await google.close()
    lib.cleanup()
  })

  async function addSignedIn(): Promise<string> {
    const view = await manager.add({ kind: 'google-photos', name: 'Google Photos', config: { clientId: FAKE_CLIENT_ID, uploadLivePhotoVideo: false }, secret: FAKE_CLIENT_SECRET })
    const { url, completion } = await manager.signIn(view.id)
    const consent = await fetch(url, { redirect: 'manual' })
    await (await fetch(consent.headers.get('location')!)).text()
    await completion
    manager.retryFailed(view.id)
    return view.id
  }

  it('creates its own album per phone album and adds the media it uploaded; the user’s album of the same name is left alone', async () => {
    const userAlbum = google.seedUserAlbum('Trip')
    const a = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.JPG', size: 5_000 })
    const b = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0002.JPG', size: 6_000 })
    lib.addAsset({ libraryPath: '2026/2026-11/IMG_0003.JPG', size: 7_000 }) // not described by the phone
    meta.set(a.id, photoMeta({ albums: ['Trip', 'Été 2026'] }))
    meta.set(b.id, photoMeta({ uuid: 'B', albums: ['Trip'] }))
    const id = await addSignedIn()
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 3, failed: 0 })

    const ref = (assetId: number): string => (lib.db.prepare('SELECT remote_ref FROM uploads WHERE asset_id = ?').get(assetId) as { remote_ref: string }).remote_ref
    const mine = [...google.albums.values()].filter((x) => x.appCreated)
    expect(mine.map((x) => x.title).sort()).toEqual(['Trip', 'Été 2026'])
    expect(mine.find((x) => x.title === 'Trip')!.mediaItemIds.sort()).toEqual([ref(a.id), ref(b.id)].sort())
    expect(mine.find((x) => x.title === 'Été 2026')!.mediaItemIds).toEqual([ref(a.id)])
    expect(google.albums.get(userAlbum)!.mediaItemIds).toEqual([])
    // Album ids are kept with the destination, so a restart does not create them again.
    const state = JSON.parse((lib.db.prepare('SELECT state_json FROM upload_destinations WHERE id = ?').get(id) as { state_json: string }).state_json) as { albums: Record<string, string> }
    expect(Object.keys(state.albums).sort()).toEqual(['Trip', 'Été 2026'])

    // A new album on the phone: added to the album Cradle makes; the existing one is reused.
    meta.update(b.id, { albums: ['Trip', 'Été 2026'] })
    manager.syncMetadata()
    await manager.drain()
    expect([...google.albums.values()].filter((x) => x.appCreated)).toHaveLength(2)
    expect(mine.find((x) => x.title === 'Été 2026')!.mediaItemIds.sort()).toEqual([ref(a.id), ref(b.id)].sort())
  })

  it('adds to an album in calls of up to 50 items, not one call per item (the daily budget)', async () => {
    const items = Array.from({ length: 60 }, (_, i) => lib.addAsset({ libraryPath: `2026/2026-11/IMG_${1000 + i}.JPG`, size: 2_000 + i }))
    for (const a of items) meta.set(a.id, photoMeta({ uuid: `U${a.id}`, albums: ['Trip'] }))
    await addSignedIn()
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 60, failed: 0 })
    const trip = [...google.albums.values()].find((x) => x.title === 'Trip')!
    expect(trip.mediaItemIds).toHaveLength(60)
    const adds = google.requests.filter((r) => r.path.endsWith(':batchAddMediaItems'))
    expect(adds.length).toBeLessThanOrEqual(3)
    expect(adds.every((r) => r.status === 200)).toBe(true)
  })

  it('the fake refuses what Google refuses since 2025: a user album, media the app did not create', async () => {
    await addSignedIn()
    const refresh = [...secrets.values.values()].find((v) => v.startsWith('1//'))!
    const token = (await (await fetch(`${google.url}/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh, client_id: FAKE_CLIENT_ID, client_secret: FAKE_CLIENT_SECRET }),
    })).json() as { access_token: string }).access_token
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${google.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return { status: res.status, body: await res.json() as { error?: { message: string; status: string }; id?: string } }
    }
    const userAlbum = google.seedUserAlbum('Holidays')
    const userItem = google.seedUserItem('PXL_1.jpg')
    const appAlbum = (await post('/v1/albums', { album: { title: 'Cradle' } })).body.id!
    expect(await post(`/v1/albums/${userAlbum}:batchAddMediaItems`, { mediaItemIds: [userItem] })).toEqual({
      status: 400, body: { error: { code: 400, message: 'No permission to add media items to this album.', status: 'INVALID_ARGUMENT' } },
    })
    expect((await post(`/v1/albums/${appAlbum}:batchAddMediaItems`, { mediaItemIds: [userItem] })).body.error!.message).toBe('Request contains an invalid media item id.')
    expect((await post('/v1/albums', { album: { title: 'x'.repeat(501) } })).status).toBe(400)
    expect((await post(`/v1/albums/${appAlbum}:batchAddMediaItems`, { mediaItemIds: [] })).status).toBe(400)
    expect(google.albums.get(appAlbum)!.mediaItemIds).toEqual([])
  })
})
