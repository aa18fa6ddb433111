import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DestinationStore } from '../../../src/main/destinations/destination-store.js'
import { UploadQueue } from '../../../src/main/destinations/queue/upload-queue.js'
import { makeTestLibrary, type TestLibrary } from '../../fakes/test-library.js'
import { preparedWhile } from '../../helpers/statement-counter.js'

describe('upload queue (SQLite)', () => {
  let lib: TestLibrary
  let queue: UploadQueue
  let store: DestinationStore
  beforeEach(() => {
    lib = makeTestLibrary()
    queue = new UploadQueue(lib.db)
    store = new DestinationStore(lib.db)
  })
  afterEach(() => lib.cleanup())

  it('adds one row per missing (asset, destination) pair, skipped roles as skipped', () => {
    const g = lib.addGroup()
    lib.addAsset({ libraryPath: '2026/a.heic', groupId: g })
    lib.addAsset({ libraryPath: '2026/a.mov', groupId: g, role: 'motion' })
    lib.addAsset({ libraryPath: '2026/a.aae', groupId: g, role: 'sidecar' })
    const folder = store.insert('folder', 'Copy', { path: '/x' }, [], 0)
    const immich = store.insert('immich', 'Immich', { url: 'http://i' }, ['sidecar'], 0)
    expect(queue.enqueue(1)).toBe(6)
    expect(queue.enqueue(2)).toBe(0)
    // In photos and videos: the still, its video and its .AAE are one photo, waiting on both.
    expect(queue.counts(folder.id)).toMatchObject({ pending: 1, skipped: 0, waitingFiles: 3 })
    expect(queue.counts(immich.id)).toMatchObject({ pending: 1, skipped: 0, waitingFiles: 2 })
    const b = lib.addAsset({ libraryPath: '2026/b.jpg' })
    expect(queue.enqueue(3, { assetIds: [b.id] })).toBe(2)
  })

  it('holds a Live Photo still back while its motion part is queued', () => {
    const g = lib.addGroup()
    const still = lib.addAsset({ libraryPath: '2026/IMG_1.HEIC', groupId: g })
    const motion = lib.addAsset({ libraryPath: '2026/IMG_1.MOV', groupId: g, role: 'motion' })
    const d = store.insert('immich', 'Immich', { url: 'http://i' }, ['sidecar'], 0)
    queue.enqueue(0)
    const first = queue.claim(d.id, 10)!
    expect(first.item.assetId).toBe(motion.id)
    expect(queue.claim(d.id, 10)).toBeNull()
    queue.markDone(d.id, motion.id, 'video-uuid', false, 10, 11)
    const second = queue.claim(d.id, 12)!
    expect(second.item.assetId).toBe(still.id)
    expect(queue.groupRef(d.id, g, 'motion')).toBe('video-uuid')
  })

  it('finds a still’s motion part through its group and key, not by walking every waiting upload (each claim)', () => {
    const g = lib.addGroup()
    lib.addAsset({ libraryPath: '2026/IMG_1.HEIC', groupId: g })
    lib.addAsset({ libraryPath: '2026/IMG_1.MOV', groupId: g, role: 'motion' })
    const d = store.insert('folder', 'Copy', { path: '/x' }, [], 0)
    queue.enqueue(0)
    const [select] = preparedWhile(lib.db, () => queue.claim(d.id, 1)).filter((sql) => sql.includes('SELECT'))
    const plan = (lib.db.prepare(`EXPLAIN QUERY PLAN ${select!}`).all({ dest: d.id, now: 1, ex: '[]' }) as { detail: string }[]).map((r) => r.detail)
    expect(plan, plan.join('\n')).toEqual(expect.arrayContaining(['SEARCH m USING INDEX assets_group (group_id=?)', 'SEARCH mu USING PRIMARY KEY (destination_id=? AND asset_id=?)']))
  })

  it('never claims an asset whose library file a scrub found damaged (it would upload the damage)', () => {
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    const b = lib.addAsset({ libraryPath: 'b.jpg' })
    const d = store.insert('folder', 'Copy', { path: '/x' }, [], 0)
    queue.enqueue(0)
    lib.db.prepare("UPDATE assets SET damage = 'corrupt' WHERE id = ?").run(a.id)
    expect(queue.claim(d.id, 0)!.item.assetId).toBe(b.id)
    expect(queue.claim(d.id, 0)).toBeNull()
    lib.db.prepare('UPDATE assets SET damage = NULL WHERE id = ?').run(a.id)
    expect(queue.claim(d.id, 0)!.item.assetId).toBe(a.id)
  })

  it('claims only due rows, earliest first', () => {
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    const b = lib.addAsset({ libraryPath: 'b.jpg' })
    const d = store.insert('folder', 'Copy', { path: '/x' }, [], 0)
    queue.enqueue(0)
    queue.claim(d.id, 0)
    queue.markRetry(d.id, a.id, 1, 5_000, { code: 'destination-unreachable', detail: '503' }, 0)
    expect(queue.claim(d.id, 100)!.item.assetId).toBe(b.id)
    queue.release(d.id, b.id, 100)
    queue.markRetry(d.id, b.id, 1, 9_000, { code: 'destination-unreachable', detail: '503' }, 100)
    expect(queue.claim(d.id, 4_999)).toBeNull()
    expect(queue.nextDue(d.id)).toBe(5_000)
    expect(queue.claim(d.id, 5_000)!.item.assetId).toBe(a.id)
  })

  it('puts rows a crash left uploading back to pending, keeping their session', () => {
    const a = lib.addAsset({ libraryPath: 'a.mov', size: 100 })
    const d = store.insert('s3', 'S3', { endpoint: 'http://s', bucket: 'b', accessKeyId: 'k', region: 'r', prefix: '', pathStyle: true, checksumsWhenRequired: false }, [], 0)
    queue.enqueue(0)
    queue.claim(d.id, 0)
    queue.saveSession(d.id, a.id, { uploadId: 'u1', parts: [{ n: 1, etag: 'e' }] })
    expect(queue.resetInterrupted(1)).toBe(1)
    const again = queue.claim(d.id, 2)!
    expect(again.session).toEqual({ uploadId: 'u1', parts: [{ n: 1, etag: 'e' }] })
  })

  it('retries failed rows with a fresh attempt count and reports reasons', () => {
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    const d = store.insert('folder', 'Copy', { path: '/x' }, [], 0)
    queue.enqueue(0)
    queue.claim(d.id, 0)
    queue.markFailed(d.id, a.id, 8, { code: 'destination-conflict', detail: 'a.jpg exists with different content' }, 1)
    expect(queue.failureReasons(d.id)).toEqual([{ code: 'destination-conflict', count: 1, example: 'a.jpg exists with different content' }])
    expect(queue.statesFor([a.id]).get(a.id)).toEqual([{ destinationId: d.id, state: 'failed', errorCode: 'destination-conflict', errorDetail: 'a.jpg exists with different content' }])
    expect(queue.retryFailed(null, 2)).toBe(1)
    expect(queue.claim(d.id, 3)!.attempts).toBe(0)
  })

  it('removes a destination with its rows', () => {
    lib.addAsset({ libraryPath: 'a.jpg' })
    const d = store.insert('folder', 'Copy', { path: '/x' }, [], 0)
    queue.enqueue(0)
    store.remove(d.id)
    expect(lib.db.prepare('SELECT COUNT(*) AS n FROM uploads').get()).toEqual({ n: 0 })
  })
})
