/**
 * The folder destination on the real file system: same layout, verified copies with the capture
 * time as mtime, identical files recognised, different files never overwritten, no temp files
 * left behind, a missing folder (unplugged disk) retried rather than failed.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { makeTestLibrary, memorySecrets, sha256Of, type TestLibrary } from '../../fakes/test-library.js'
import { filesUnder } from './servers.js'

describe('folder destination', () => {
  let lib: TestLibrary
  let manager: UploadManager
  let target: string
  beforeEach(() => {
    lib = makeTestLibrary()
    target = path.join(lib.dir, 'nas')
    fs.mkdirSync(target)
    manager = new UploadManager({ db: lib.db, libraryRoot: lib.root, secrets: memorySecrets(), settings: { uploadOnlyOnAcPower: false, uploadLimitMBps: null }, tuning: { backoff: { baseMs: 20, capMs: 100 } } })
    manager.start()
  })
  afterEach(async () => {
    await manager.stop()
    lib.cleanup()
  })

  it('copies with the same layout, verified, dated by capture time, nothing overwritten', async () => {
    const captured = Date.UTC(2023, 6, 14, 18, 30)
    lib.addAsset({ libraryPath: '2023/2023-07/IMG_0001.HEIC', size: 150_000, capturedAt: captured })
    const same = lib.addAsset({ libraryPath: '2023/2023-07/IMG_0002.HEIC', size: 1_000 })
    lib.addAsset({ libraryPath: '2023/2023-07/IMG_0003.HEIC', size: 1_000 })
    fs.mkdirSync(path.join(target, '2023/2023-07'), { recursive: true })
    fs.writeFileSync(path.join(target, '2023/2023-07/IMG_0002.HEIC'), same.content)
    fs.writeFileSync(path.join(target, '2023/2023-07/IMG_0003.HEIC'), 'someone else')
    await manager.add({ kind: 'folder', name: 'NAS', config: { path: target } })
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 2, alreadyThere: 1, failed: 1 })
    const files = filesUnder(target)
    expect(sha256Of(files.get('2023/2023-07/IMG_0001.HEIC')!)).toBe(lib.assets[0]!.sha256)
    expect(files.get('2023/2023-07/IMG_0003.HEIC')!.toString()).toBe('someone else')
    expect(fs.statSync(path.join(target, '2023/2023-07/IMG_0001.HEIC')).mtimeMs).toBe(captured)
    expect(fs.readdirSync(path.join(target, '2023/2023-07')).filter((n) => n.startsWith('.'))).toEqual([])
  })

  it('waits for a folder that is not there (an unplugged disk) instead of failing files', async () => {
    lib.addAsset({ libraryPath: 'a.jpg', size: 1_000 })
    fs.rmSync(target, { recursive: true })
    const view = await manager.add({ kind: 'folder', name: 'USB disk', config: { path: target } })
    await new Promise((r) => setTimeout(r, 300))
    const v = manager.views().find((x) => x.id === view.id)!
    expect(v.counts).toMatchObject({ done: 0, failed: 0 })
    expect(v.problem).toBeNull()
    fs.mkdirSync(target)
    manager.retryFailed(view.id)
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1 })
  })

  it('holds uploads to the global bandwidth limit and shows speed and time left', async () => {
    lib.addAsset({ libraryPath: 'slow.mov', size: 3_000_000 })
    manager.updateSettings({ uploadLimitMBps: 1 })
    const view = await manager.add({ kind: 'folder', name: 'NAS', config: { path: target } })
    // The first view that shows a measured speed mid-upload (polled: an event, not a sleep).
    let mid: ReturnType<UploadManager['views']>[number] | undefined
    await expect.poll(() => (mid = manager.views().find((v) => v.id === view.id && v.status === 'uploading' && (v.bytesPerSecond ?? 0) > 0)), { timeout: 30_000, interval: 20 }).toBeDefined()
    if (!mid) throw new Error('unreachable: polled until defined')
    expect(mid.bytesPerSecond).toBeLessThan(1_500_000) // never above the limit (a slow machine only lowers it)
    expect(mid.secondsLeft).toBeGreaterThan(0)
    await manager.drain()
    // Every byte of the copy went through the global limit at 1 MB/s; how the limit spaces them in
    // time is checked exactly, on a fake clock, in test/unit/destinations/bandwidth-limiter.test.ts.
    expect(manager.uploadLimit()).toEqual({ bytesPerSecond: 1_000_000, bytesGoverned: 3_000_000 })
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1 })
  })
})


describe('a folder destination whose folder does not exist', () => {
  it('says the folder does not exist (not "can\'t reach"), naming it', async () => {
    const { FolderDestination } = await import('../../../src/main/destinations/folder/folder-destination.js')
    const missing = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-nofolder-')), 'Photos backup')
    const error = await new FolderDestination({ path: missing }).check().then(() => null, (e: unknown) => e)
    expect(error).toMatchObject({ code: 'destination-unreachable', context: { missingFolder: missing } })
  })
})
