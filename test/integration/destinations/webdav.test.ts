/**
 * WebDAV against real servers: Apache mod_dav (honours If-None-Match, 409 for a missing parent),
 * webdav-server from npm and rclone serve webdav (both lenient; rclone answers 404 for a missing
 * parent). Missing parents, no overwrite, dedupe of identical content, wrong password.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { startFaultProxy, type FaultProxy } from '../../fakes/fault-proxy.js'
import { makeTestLibrary, quickUploadManager, sha256Of, type TestLibrary } from '../../fakes/test-library.js'
import { filesUnder, startApacheDav, startNpmWebdav, startRcloneDav, type RunningServer } from './servers.js'

const servers: [string, () => Promise<RunningServer & { root: string }>][] = [
  ['Apache mod_dav', startApacheDav],
  ['webdav-server (npm)', startNpmWebdav],
  ['rclone serve webdav', startRcloneDav],
]

describe.each(servers)('WebDAV destination: %s', (_name, start) => {
  let server: RunningServer & { root: string }
  let proxy: FaultProxy
  let lib: TestLibrary
  let manager: UploadManager
  let base: string
  let n = 0
  beforeAll(async () => {
    server = await start()
  })
  afterAll(async () => {
    await server.close()
  })
  beforeEach(async () => {
    lib = makeTestLibrary()
    proxy = await startFaultProxy(server.url)
    base = `t${++n}`
    fs.mkdirSync(path.join(server.root, base))
    if (process.getuid?.() === 0) fs.chownSync(path.join(server.root, base), fs.statSync(server.root).uid, fs.statSync(server.root).gid)
  })
  afterEach(async () => {
    await manager?.stop()
    await proxy.close()
    lib.cleanup()
  })

  const make = (): UploadManager => quickUploadManager(lib)
  const serverUrl = (): string => `${proxy.url}${new URL(server.url).pathname.replace(/\/$/, '')}/${base}`

  it('makes missing parent folders and uploads every file once, byte-identical', async () => {
    const g = lib.addGroup()
    lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.HEIC', size: 300_000, groupId: g })
    lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.MOV', size: 1_200_000, role: 'motion', groupId: g })
    lib.addAsset({ libraryPath: '2025/2025-01/IMG_9999 (1).JPG', size: 10_000 })
    manager = make()
    manager.start()
    await manager.add({ kind: 'webdav', name: 'NAS', config: { url: serverUrl(), username: 'u' }, secret: 'p' })
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 2, failed: 0 }) // a Live Photo and a JPEG: three files
    const files = filesUnder(path.join(server.root, base))
    expect(new Map([...files].map(([k, v]) => [k, sha256Of(v)]))).toEqual(new Map(lib.assets.map((a) => [a.libraryPath, a.sha256])))
    expect(proxy.log.filter((r) => r.method === 'PUT')).toHaveLength(3)
  })

  it('recognises identical content as done and never overwrites different content', async () => {
    const same = lib.addAsset({ libraryPath: 'x/same.jpg', size: 20_000 })
    const other = lib.addAsset({ libraryPath: 'x/other.jpg', size: 20_000 })
    fs.mkdirSync(path.join(server.root, base, 'x'))
    fs.writeFileSync(path.join(server.root, base, 'x/same.jpg'), same.content)
    fs.writeFileSync(path.join(server.root, base, 'x/other.jpg'), Buffer.alloc(20_000, 1))
    manager = make()
    manager.start()
    await manager.add({ kind: 'webdav', name: 'NAS', config: { url: serverUrl(), username: 'u' }, secret: 'p' })
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 1, failed: 1, alreadyThere: 1 })
    expect(proxy.log.filter((r) => r.method === 'PUT')).toHaveLength(0)
    expect(fs.readFileSync(path.join(server.root, base, 'x/other.jpg')).equals(Buffer.alloc(20_000, 1))).toBe(true)
    expect(manager.uploadStates([other.id]).get(other.id)![0]!.error!.code).toBe('destination-conflict')
  })

  it('makes the parents again when they vanish between files', async () => {
    lib.addAsset({ libraryPath: 'y/z/a.jpg', size: 1000 })
    manager = make()
    manager.start()
    await manager.add({ kind: 'webdav', name: 'NAS', config: { url: serverUrl(), username: 'u' }, secret: 'p' })
    await manager.drain()
    fs.rmSync(path.join(server.root, base, 'y'), { recursive: true })
    lib.addAsset({ libraryPath: 'y/z/b.jpg', size: 1000 })
    manager.enqueue()
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 2, failed: 0 })
    expect(fs.existsSync(path.join(server.root, base, 'y/z/b.jpg'))).toBe(true)
    // The PUT into the vanished folder was refused ("maybe missing parent"), then retried once.
    const puts = proxy.log.filter((r) => r.method === 'PUT')
    expect(puts.map((r) => r.status)).toEqual([201, expect.any(Number), 201])
    expect([404, 409, 500]).toContain(puts[1]!.status)
  })

  it('a wrong password says so, and to update it', async () => {
    manager = make()
    const result = await manager.test({ draft: { kind: 'webdav', name: 'NAS', config: { url: serverUrl(), username: 'u' }, secret: 'wrong' } })
    expect(result).toEqual({ ok: false, message: 'NAS refused the user name or password. Update the password.' })
  })
})

describe('WebDAV conditional PUT (Apache)', () => {
  it('answers 412 to If-None-Match on an existing file, which the uploader relies on', async () => {
    const server = await startApacheDav()
    try {
      const auth = { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` }
      const first = await fetch(`${server.url}/c.txt`, { method: 'PUT', body: 'a', headers: { ...auth, 'if-none-match': '*' } })
      const second = await fetch(`${server.url}/c.txt`, { method: 'PUT', body: 'b', headers: { ...auth, 'if-none-match': '*' } })
      expect([first.status, second.status]).toEqual([201, 412])
      expect(fs.readFileSync(path.join(server.root, 'c.txt'), 'utf8')).toBe('a')
    } finally {
      await server.close()
    }
  })
})
