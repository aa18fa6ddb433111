/**
 * The phone's metadata travels with the files to folder, S3 (s3rver) and WebDAV (webdav-server)
 * destinations as `<file>.xmp` beside each copy (issue 15): written after the upload, replaced
 * when the favorite or the albums change on the phone, not written for files the phone's
 * database does not describe nor for .AAE edits; what another tool added to the library's
 * sidecar goes along.
 */
import fs from 'node:fs'
import path from 'node:path'
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { readAll } from '../../../src/main/destinations/stream-utils.js'
import { syncSidecars } from '../../../src/main/photos/sidecar-writer.js'
import { MemoryPhotoMetadata, photoMeta } from '../../fakes/memory-photo-metadata.js'
import { makeTestLibrary, memorySecrets, type TestLibrary } from '../../fakes/test-library.js'
import { startNpmWebdav, startS3rver } from './servers.js'

interface Target {
  /** The destination draft for the manager. */
  draft(): Record<string, unknown>
  /** The text stored at a path relative to the destination's root, or null when absent. */
  read(rel: string): Promise<string | null>
}

let s3: Awaited<ReturnType<typeof startS3rver>>
let s3client: S3Client
let dav: Awaited<ReturnType<typeof startNpmWebdav>>
let n = 0

beforeAll(async () => {
  s3 = await startS3rver()
  s3client = new S3Client({ region: 'us-east-1', endpoint: s3.url, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
  dav = await startNpmWebdav()
})
afterAll(async () => {
  s3client.destroy()
  await s3.close()
  await dav.close()
})

const readFile = (file: string): string | null => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null)

const targets: [string, (lib: TestLibrary) => Target][] = [
  ['folder', (lib) => {
    const dir = path.join(lib.dir, 'nas')
    fs.mkdirSync(dir)
    return { draft: () => ({ kind: 'folder', name: 'NAS', config: { path: dir } }), read: async (rel) => readFile(path.join(dir, rel)) }
  }],
  ['S3 (s3rver)', () => {
    const prefix = `m${++n}`
    return {
      draft: () => ({ kind: 's3', name: 'S3', config: { endpoint: s3.url, bucket: 'photos', accessKeyId: 'S3RVER', prefix }, secret: 'S3RVER' }),
      read: async (rel) => {
        try {
          const got = await s3client.send(new GetObjectCommand({ Bucket: 'photos', Key: `${prefix}/${rel}` }))
          return (await readAll(got.Body as NodeJS.ReadableStream as never)).toString('utf8')
        } catch (error) {
          if ((error as { name?: string }).name === 'NoSuchKey') return null
          throw error
        }
      },
    }
  }],
  ['WebDAV (webdav-server)', () => {
    const base = `m${++n}`
    fs.mkdirSync(path.join(dav.root, base))
    return {
      draft: () => ({ kind: 'webdav', name: 'DAV', config: { url: `${dav.url}/${base}`, username: 'u' }, secret: 'p' }),
      read: async (rel) => readFile(path.join(dav.root, base, rel)),
    }
  }],
]

describe.each(targets)('sidecars travel with the files: %s', (_name, makeTarget) => {
  let lib: TestLibrary
  let manager: UploadManager | undefined
  let meta: MemoryPhotoMetadata
  let target: Target
  beforeEach(() => {
    lib = makeTestLibrary()
    meta = new MemoryPhotoMetadata()
    target = makeTarget(lib)
  })
  afterEach(async () => {
    await manager?.stop()
    manager = undefined
    lib.cleanup()
  })

  const make = (): UploadManager => new UploadManager({
    db: lib.db, libraryRoot: lib.root, secrets: memorySecrets(), settings: { uploadOnlyOnAcPower: false, uploadLimitMBps: null },
    tuning: { stallTimeoutMs: 5_000, backoff: { baseMs: 50, capMs: 500 } }, metadata: meta,
  })

  it('uploads <file>.xmp beside each described copy and replaces it when the phone changes', async () => {
    const g = lib.addGroup()
    const heic = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.HEIC', size: 20_000, groupId: g })
    const mov = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.MOV', size: 30_000, role: 'motion', groupId: g })
    const aae = lib.addAsset({ libraryPath: '2026/2026-11/IMG_0001.AAE', size: 500, role: 'sidecar', groupId: g })
    lib.addAsset({ libraryPath: '2026/2026-11/IMG_0002.JPG', size: 10_000 }) // the phone's database does not know it
    for (const a of [heic, mov, aae]) meta.set(a.id, photoMeta())
    // Another tool's keyword in the library's sidecar goes along.
    await syncSidecars(lib.root, [{ libraryPath: heic.libraryPath, meta: photoMeta() }])
    const libSidecar = path.join(lib.root, `${heic.libraryPath}.xmp`)
    fs.writeFileSync(libSidecar, fs.readFileSync(libSidecar, 'utf8').replace('<rdf:li>Été 2026</rdf:li>', '<rdf:li>Été 2026</rdf:li><rdf:li>Sunset</rdf:li>'))

    manager = make()
    manager.start()
    await manager.add(target.draft())
    await manager.drain()
    expect(manager.statusCounts()[0]).toMatchObject({ done: 2, failed: 0 }) // a Live Photo with its .AAE, and a JPEG

    const first = await target.read('2026/2026-11/IMG_0001.HEIC.xmp')
    expect(first).toContain('xmp:Rating="5"')
    expect(first).toContain('<rdf:li>Albums|Été 2026</rdf:li>')
    expect(first).toContain('<rdf:li>Sunset</rdf:li>')
    expect(await target.read('2026/2026-11/IMG_0001.MOV.xmp')).toContain('cradle:AssetUUID="A1B2C3D4-0000-4000-8000-000000000001"')
    expect(await target.read('2026/2026-11/IMG_0001.AAE.xmp')).toBeNull()
    expect(await target.read('2026/2026-11/IMG_0002.JPG.xmp')).toBeNull()

    // Unfavourited and added to an album on the phone: the sidecar there is replaced, not duplicated.
    meta.update(heic.id, { favorite: false, albums: ['Été 2026', 'Family'] })
    manager.syncMetadata()
    await manager.drain()
    const second = await target.read('2026/2026-11/IMG_0001.HEIC.xmp')
    expect(second).not.toContain('xmp:Rating')
    expect(second).toContain('<rdf:li>Albums|Family</rdf:li>')
    expect(await target.read('2026/2026-11/IMG_0001.MOV.xmp')).toContain('xmp:Rating="5"') // unchanged there
    expect(lib.db.prepare('SELECT COUNT(*) AS n FROM uploads WHERE meta_json IS NOT NULL').get()).toEqual({ n: 3 })
  })
})
