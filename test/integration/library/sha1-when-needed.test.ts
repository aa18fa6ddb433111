/**
 * SHA-1 is computed at import only while a destination that compares it (Immich, WebDAV) is
 * configured; one added later gets it from the library file, checked against the catalog's SHA-256
 * first, so the checksum Immich receives is always that of the file's bytes (library/sha1.ts).
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { uploadsSchema } from '../../../src/main/destinations/queue/uploads-schema.js'
import { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { startFakeImmich, type FakeImmich } from '../../fakes/fake-immich-server.js'
import { startFaultProxy, type FaultProxy } from '../../fakes/fault-proxy.js'
import { memorySecrets } from '../../fakes/test-library.js'
import { ABORT, listing, memorySource, sourceFile, tempLibrary, type TempLibrary } from './helpers.js'

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex')
const bytes = (tag: string, size: number): Buffer => Buffer.concat([Buffer.from(`${tag}:`), Buffer.alloc(size, tag)])

let t: TempLibrary
let immich: FakeImmich | undefined
let proxy: FaultProxy | undefined
let manager: UploadManager | undefined
afterEach(async () => {
  await manager?.stop()
  await proxy?.close()
  await immich?.close()
  t?.cleanup()
  manager = immich = proxy = undefined
})

async function startImmich(): Promise<string> {
  immich = await startFakeImmich({ major: 3 })
  proxy = await startFaultProxy(immich.url)
  return proxy.url
}

/** Every SHA-1 Immich was told: bulk-upload-check checksums and x-immich-checksum headers. */
function checksumsSent(): string[] {
  const out: string[] = []
  for (const r of proxy!.log) {
    if (r.url === '/api/assets' && r.method === 'POST') out.push(String(r.headers['x-immich-checksum']))
  }
  return out
}

async function importAll(files: Record<string, Buffer>): Promise<Map<string, number>> {
  const connection = t.lib.beginConnection({ udid: 'phone', name: 'iPhone' })
  const plan = t.lib.planScan('phone', listing(Object.entries(files).map(([p, b]) => sourceFile(p, b.length))), connection)
  const ids = new Map<string, number>()
  for (const f of plan.toImport) ids.set(f.path, (await t.lib.importFile(f.id, memorySource(files[f.path]!), { signal: ABORT, connection })).assetId!)
  return ids
}

const storedSha1 = (assetId: number): string => t.lib.db.prepare<[number], { sha1: string }>('SELECT sha1 FROM assets WHERE id = ?').get(assetId)!.sha1
const uploads = (): UploadManager => new UploadManager({
  db: t.lib.db, libraryRoot: t.root, secrets: memorySecrets(), settings: { uploadOnlyOnAcPower: false, uploadLimitMBps: null },
  tuning: { stallTimeoutMs: 2_000, backoff: { baseMs: 50, capMs: 500 } },
})

describe('SHA-1 only when a destination needs it', () => {
  it('skips SHA-1 without such a destination, computes it at import once Immich is added, and fills it from the library file for what came before', async () => {
    t = tempLibrary({ extraModules: [uploadsSchema], hashOnWorker: true })
    const url = await startImmich()
    const early = bytes('a', 3 * 1024 * 1024) // big enough for the hash worker
    const small = bytes('b', 2_000) // hashed inline
    const before = await importAll({ '/DCIM/100APPLE/IMG_0001.JPG': early, '/DCIM/100APPLE/IMG_0002.JPG': small })

    // A folder destination compares SHA-256 only: still no SHA-1.
    manager = uploads()
    manager.start()
    fs.mkdirSync(path.join(t.dir, 'copy'))
    await manager.add({ kind: 'folder', name: 'Disk', config: { path: path.join(t.dir, 'copy') } })
    const more = await importAll({ '/DCIM/100APPLE/IMG_0003.JPG': bytes('c', 2 * 1024 * 1024) })
    for (const id of [...before.values(), ...more.values()]) expect(storedSha1(id)).toBe('')

    await manager.add({ kind: 'immich', name: 'Immich', config: { url }, secret: 'test-key' })
    const late = bytes('d', 2 * 1024 * 1024)
    const after = await importAll({ '/DCIM/100APPLE/IMG_0004.JPG': late })
    expect(storedSha1(after.get('/DCIM/100APPLE/IMG_0004.JPG')!)).toBe(sha1(late))

    manager.enqueue() // as the engine does after imports
    await manager.drain()
    expect(manager.statusCounts().map((c) => [c.failed, c.done])).toEqual([[0, 4], [0, 4]])
    const files = [early, small, bytes('c', 2 * 1024 * 1024), late]
    // What Immich holds and the checksums it was told are those of the bytes; the catalog has them now.
    expect([...immich!.assets.values()].map((a) => a.sha1).sort()).toEqual(files.map(sha1).sort())
    expect(checksumsSent().sort()).toEqual(files.map(sha1).sort())
    const ids = [...before.values(), ...more.values(), ...after.values()]
    expect(ids.map(storedSha1)).toEqual(files.map(sha1))
  })

  it('sends nothing for a library file that no longer matches its SHA-256: marked damaged instead', async () => {
    t = tempLibrary({ extraModules: [uploadsSchema] })
    const url = await startImmich()
    const good = bytes('g', 4_000)
    const hurt = bytes('h', 4_000)
    const ids = await importAll({ '/DCIM/100APPLE/IMG_0001.JPG': good, '/DCIM/100APPLE/IMG_0002.JPG': hurt })
    const hurtId = ids.get('/DCIM/100APPLE/IMG_0002.JPG')!
    const rel = t.lib.db.prepare<[number], { library_path: string }>('SELECT library_path FROM assets WHERE id = ?').get(hurtId)!.library_path
    fs.writeFileSync(path.join(t.root, rel), bytes('x', 4_000)) // same size, other bytes (bit rot)

    manager = uploads()
    manager.start()
    await manager.add({ kind: 'immich', name: 'Immich', config: { url }, secret: 'test-key' })
    await manager.drain({ maxWaitMs: 3_000 })
    expect([...immich!.assets.values()].map((a) => a.sha1)).toEqual([sha1(good)])
    expect(immich!.uploads.map((u) => u.sha1)).toEqual([sha1(good)])
    expect(checksumsSent()).toEqual([sha1(good)])
    expect(t.lib.db.prepare('SELECT sha1, damage FROM assets WHERE id = ?').get(hurtId)).toEqual({ sha1: '', damage: 'corrupt' })
  })
})
