/**
 * Each destination's space, as its service reports it, against real servers (a folder on disk,
 * Apache mod_dav and rclone serve webdav, which report nothing; s3rver) and the strict fakes
 * (Nextcloud's RFC 4331 quota; Immich's user quota and server storage with their permissions).
 * Measured on "Test connection" and kept in the catalog, where `cradle status` reads it.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { spaceText } from '../../../src/shared/space-text.js'
import type { DestinationSpace } from '../../../src/shared/state.js'
import { startFakeImmich, type FakeImmich } from '../../fakes/fake-immich-server.js'
import { startFakeNextcloud } from '../../fakes/fake-nextcloud-server.js'
import { makeTestLibrary, quickUploadManager, type TestLibrary } from '../../fakes/test-library.js'
import { runCliInProcess } from '../../helpers/cli.js'
import { startApacheDav, startRcloneDav, startS3rver, type RunningServer } from './servers.js'

describe('destination space', () => {
  let lib: TestLibrary
  let manager: UploadManager
  const closers: (() => Promise<void>)[] = []
  beforeEach(() => {
    lib = makeTestLibrary()
    manager = quickUploadManager(lib)
  })
  afterEach(async () => {
    await manager.stop()
    for (const close of closers.splice(0)) await close()
    lib.cleanup()
  })

  /** Adds the destination, runs "Test connection" and returns the space its row shows then. */
  async function measured(input: Record<string, unknown>): Promise<DestinationSpace> {
    const view = await manager.add(input)
    const test = await manager.test({ id: view.id })
    expect(test.ok, test.message).toBe(true)
    const space = manager.views().find((v) => v.id === view.id)!.space
    expect(space).not.toBeNull()
    return space!
  }

  it('a folder: its volume\'s free and total space, as statfs says', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-space-'))
    closers.push(async () => fs.rmSync(dir, { recursive: true, force: true }))
    const space = await measured({ kind: 'folder', name: 'Disk', config: { path: dir } })
    const st = fs.statfsSync(dir)
    expect(space).toMatchObject({ measure: 'disk', totalBytes: st.blocks * st.bsize, note: null })
    expect(space.freeBytes).toBeGreaterThan(0)
    expect(space.freeBytes).toBeLessThanOrEqual(space.totalBytes!)
    expect(spaceText(space)).toMatch(/^[\d.,]+ (bytes|KB|MB|GB|TB) free of [\d.,]+ (KB|MB|GB|TB)/)
  })

  const davServers: [string, () => Promise<RunningServer & { root: string }>][] = [['Apache mod_dav', startApacheDav], ['rclone serve webdav', startRcloneDav]]
  it.each(davServers)('WebDAV on %s, which answers no RFC 4331 quota: "not reported"', async (_name, start) => {
    const server = await start()
    closers.push(() => server.close())
    const space = await measured({ kind: 'webdav', name: 'NAS', config: { url: server.url, username: 'u' }, secret: 'p' })
    expect(space).toMatchObject({ measure: 'none', freeBytes: null, low: false })
    expect(spaceText(space)).toBe("This WebDAV server doesn't report space")
  })

  it('WebDAV on Nextcloud: quota-available-bytes and quota-used-bytes, amber when little is left', async () => {
    const nc = await startFakeNextcloud()
    closers.push(() => nc.close())
    nc.dirs.add('/Photos')
    nc.quotaAvailable = 40e9
    const input = { kind: 'webdav', name: 'Nextcloud', config: { url: `${nc.url}/remote.php/dav/files/alice/Photos`, username: 'alice' }, secret: 'app-password' }
    const space = await measured(input)
    expect(space).toMatchObject({ measure: 'disk', freeBytes: 40e9, low: false })
    expect(spaceText(space)).toBe('40 GB free of 40 GB') // nothing used yet
    nc.quotaAvailable = 300e6
    await manager.test({ id: manager.views()[0]!.id })
    expect(manager.views()[0]!.space).toMatchObject({ freeBytes: 300e6, low: true })
    expect(spaceText(manager.views()[0]!.space!)).toBe('300 MB free of 300 MB — almost full; uploads stop when it is full')
  })

  it('S3 says the protocol reports no space', async () => {
    const s3 = await startS3rver()
    closers.push(() => s3.close())
    const space = await measured({ kind: 's3', name: 'Bucket', config: { endpoint: s3.url, bucket: s3.bucket, accessKeyId: 'S3RVER' }, secret: 'S3RVER' })
    expect(space).toMatchObject({ measure: 'none', note: "S3 doesn't report space" })
  })

  describe('Immich', () => {
    let immich: FakeImmich
    const all = ['asset.upload', 'asset.read', 'user.read', 'server.storage']
    const add = (key: string) => measured({ kind: 'immich', name: 'Immich', config: { url: immich.url }, secret: key })

    it('with a quota: "Quota: x of y used", from users/me', async () => {
      immich = await startFakeImmich({ keys: { k: all }, quotaBytes: 50e9 })
      closers.push(() => immich.close())
      immich.seed(Buffer.alloc(4_000_000, 1), 'IMG_0001.JPG')
      const space = await add('k')
      expect(space).toMatchObject({ measure: 'quota', totalBytes: 50e9, usedBytes: 4_000_000, freeBytes: 50e9 - 4_000_000, low: false })
      expect(spaceText(space)).toBe('Quota: 4 MB of 50 GB used')
    })

    it('without a quota: the server\'s disk from server/storage, which needs server.storage', async () => {
      immich = await startFakeImmich({ keys: { k: all, noStorage: ['asset.upload', 'asset.read', 'user.read'], neither: ['asset.upload'] }, disk: { sizeBytes: 2e12, availableBytes: 1.2e12 } })
      closers.push(() => immich.close())
      expect(spaceText(await add('k'))).toBe('1.2 TB free of 2 TB')
      await manager.remove('Immich')
      expect(await add('noStorage')).toMatchObject({ measure: 'none', note: "No quota set; the server's free space needs the API key's server.storage permission" })
      await manager.remove('Immich')
      expect(await add('neither')).toMatchObject({ measure: 'none', note: "Space needs the API key's user.read or server.storage permission" })
    })

    it('a quota nearly used up, or a disk nearly full, is low', async () => {
      immich = await startFakeImmich({ keys: { k: all }, quotaBytes: 10e9, disk: { sizeBytes: 2e12, availableBytes: 30e9 } })
      closers.push(() => immich.close())
      immich.seed(Buffer.alloc(1000, 1), 'IMG_0001.JPG')
      expect(await add('k')).toMatchObject({ measure: 'quota', low: false })
      immich.setDisk({ sizeBytes: 2e12, availableBytes: 500e6 })
      await manager.test({ id: manager.views()[0]!.id })
      // The quota has room, the disk behind it does not: uploads would fail all the same.
      expect(manager.views()[0]!.space).toMatchObject({ measure: 'quota', freeBytes: 500e6, low: true })
    })
  })

  it('`cradle status` shows the space "Test connection" measured, in words and in --json', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-space-cli-'))
    closers.push(async () => fs.rmSync(data, { recursive: true, force: true }))
    const target = path.join(data, 'copy')
    fs.mkdirSync(target)
    const cli = (args: string[]) => runCliInProcess(['--data', data, '--library', path.join(data, 'lib'), ...args])
    expect((await cli(['destination', 'add', 'folder', '--name', 'Second disk', '--path', target])).code).toBe(0)
    expect((await cli(['status'])).stdout).toContain('Space: not measured yet')
    expect((await cli(['destination', 'test', 'Second disk'])).code).toBe(0)
    const text = await cli(['status'])
    expect(text.stdout).toMatch(/Second disk \(folder\)[^\n]*\n\s+Space: [\d.,]+ \S+ free of [\d.,]+ \S+ \(/)
    const json = JSON.parse((await cli(['status', '--json'])).stdout) as { destinations: { space: DestinationSpace }[] }
    const st = fs.statfsSync(target)
    expect(json.destinations[0]!.space).toMatchObject({ measure: 'disk', totalBytes: st.blocks * st.bsize, low: expect.any(Boolean), checkedAt: expect.any(Number) })
  })
})
