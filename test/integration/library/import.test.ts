import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CradleError, isCradleError } from '../../../src/shared/errors.js'
import type { ImportSource } from '../../../src/main/library/source.js'
import { ABORT, fixture, listing, memorySource, notOnPhoneSource, sourceFile, tempLibrary, type TempLibrary } from './helpers.js'

// Dates without an offset (mvhd, birth times) are filed by this computer's zone: pin it.
beforeAll(() => {
  process.env.TZ = 'UTC'
})

const variant = (name: string, tag: string): Buffer => Buffer.concat([fixture(name), Buffer.from(`~${tag}`)])
const AAE = Buffer.from('<?xml version="1.0"?><plist version="1.0"><dict><key>adjustmentFormatIdentifier</key><string>com.apple.photo</string></dict></plist>\n')

let t: TempLibrary
afterEach(() => t?.cleanup())

/** Lists `files` for `udid`, imports everything planned, returns the outcomes by path. */
async function backup(udid: string, files: Record<string, Buffer>, connection = 1) {
  const listed = Object.entries(files).map(([p, b]) => sourceFile(p, b.length))
  const plan = t.lib.planScan(udid, listing(listed), connection)
  const out = new Map<string, Awaited<ReturnType<typeof t.lib.importFile>>>()
  for (const f of plan.toImport) out.set(f.path, await t.lib.importFile(f.id, memorySource(files[f.path]!), { signal: ABORT, connection }))
  return { plan, out, listed }
}

const read = (rel: string): Buffer => fs.readFileSync(path.join(t.root, rel))

describe('import pipeline', () => {
  it('keeps a Live Photo with its edit and sidecars as one group in the original’s dated folder', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'Ann’s iPhone' })
    const files = {
      '/DCIM/100APPLE/IMG_0001.HEIC': fixture('photo.heic'),
      '/DCIM/100APPLE/IMG_0001.MOV': fixture('live.mov'),
      '/DCIM/100APPLE/IMG_E0001.HEIC': fixture('photo.jpg'), // the render carries another date: it must follow the group
      '/DCIM/100APPLE/IMG_0001.AAE': AAE,
      '/DCIM/100APPLE/IMG_O0001.AAE': Buffer.concat([AAE, Buffer.from(' ')]),
    }
    const { plan, out } = await backup('A', files)
    expect(plan.toImport.map((f) => path.basename(f.path))).toEqual(['IMG_0001.HEIC', 'IMG_0001.MOV', 'IMG_E0001.HEIC', 'IMG_0001.AAE', 'IMG_O0001.AAE'])
    expect([...out.values()].map((o) => o.libraryPath)).toEqual([
      '2022/2022-12/IMG_0001.HEIC', '2022/2022-12/IMG_0001.MOV', '2022/2022-12/IMG_E0001.HEIC', '2022/2022-12/IMG_0001.AAE', '2022/2022-12/IMG_O0001.AAE',
    ])
    for (const [p, o] of out) expect(read(o.libraryPath!).equals(files[p as keyof typeof files])).toBe(true)
    const assets = t.lib.db.prepare('SELECT file_name, role, group_id, mime, captured_at, capture_offset_minutes FROM assets ORDER BY id').all() as { role: string; group_id: number; captured_at: number; capture_offset_minutes: number }[]
    expect(assets.map((a) => a.role)).toEqual(['original', 'motion', 'edited', 'sidecar', 'sidecar'])
    expect(new Set(assets.map((a) => a.group_id)).size).toBe(1)
    expect(assets[0]).toMatchObject({ captured_at: Date.parse('2023-01-01T04:59:30Z'), capture_offset_minutes: -300, mime: 'image/heic' })
    expect(t.lib.db.prepare('SELECT kind FROM groups').get()).toEqual({ kind: 'edited' })
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])

    const again = t.lib.planScan('A', listing(Object.keys(files).map((p) => t.lib.storedFiles('A', '/DCIM/100APPLE').find((s) => s.path === p)!)), 2)
    expect(again).toMatchObject({ toImport: [], newFiles: 0, itemsOnPhone: 5, itemsSafe: 5, itemsNotOnPhone: 0, itemsUnreadable: 0 })
  })

  it('files a plain video as an original by its QuickTime date, a screenshot by XMP, an undated photo by birth time', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    const birth = BigInt(Date.parse('2019-05-20T12:00:00Z')) * 1_000_000n
    const undated = { ...sourceFile('/DCIM/100APPLE/IMG_0003.JPG', fixture('nodate.jpg').length), birthtimeNs: birth }
    const files = [sourceFile('/DCIM/100APPLE/IMG_0002.MOV', fixture('plain.mov').length), sourceFile('/DCIM/100APPLE/IMG_0004.PNG', fixture('screenshot.png').length), undated]
    const bytes: Record<string, Buffer> = { 'IMG_0002.MOV': fixture('plain.mov'), 'IMG_0003.JPG': fixture('nodate.jpg'), 'IMG_0004.PNG': fixture('screenshot.png') }
    const plan = t.lib.planScan('A', listing(files), 1)
    const paths: string[] = []
    for (const f of plan.toImport) paths.push((await t.lib.importFile(f.id, memorySource(bytes[path.basename(f.path)]!), { signal: ABORT })).libraryPath!)
    expect(paths.sort()).toEqual(['2019/2019-05/IMG_0003.JPG', '2020/2020-03/IMG_0002.MOV', '2024/2024-02/IMG_0004.PNG'])
    const roles = t.lib.db.prepare('SELECT file_name, role, capture_source FROM assets ORDER BY file_name').all()
    expect(roles).toEqual([
      { file_name: 'IMG_0002.MOV', role: 'original', capture_source: 'quicktime-mvhd' },
      { file_name: 'IMG_0003.JPG', role: 'original', capture_source: 'birthtime' },
      { file_name: 'IMG_0004.PNG', role: 'original', capture_source: 'xmp' },
    ])
  })

  it('resumes a file cut off mid-transfer from the staged offset, byte-identical', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    const bytes = Buffer.concat([fixture('live.mov'), Buffer.alloc(300_000, 7)])
    const plan = t.lib.planScan('A', listing([sourceFile('/DCIM/100APPLE/IMG_0009.MOV', bytes.length)]), 1)
    const id = plan.toImport[0]!.id
    for (const [stopAt, fail] of [[120_001, 'resolve'], [250_000, 'reject']] as const) {
      const err = await t.lib.importFile(id, memorySource(bytes, { stopAt, fail }), { signal: ABORT }).catch((e: unknown) => e)
      expect(isCradleError(err, 'device-unplugged')).toBe(true)
      expect(t.lib.db.prepare('SELECT state, staged_bytes FROM device_files WHERE id = ?').get(id)).toEqual({ state: 'pending', staged_bytes: stopAt })
      expect(fs.readdirSync(path.join(t.root)).filter((n) => !n.startsWith('.'))).toEqual([]) // nothing under a final name
    }
    expect(t.lib.pendingFor('A', 2).toImport).toEqual([expect.objectContaining({ id, stagedBytes: 250_000 })])
    const src = memorySource(bytes)
    const done = await t.lib.importFile(id, src, { signal: ABORT })
    expect(src.offsets).toEqual([250_000])
    expect(read(done.libraryPath!).equals(bytes)).toBe(true)
    const sha = t.lib.db.prepare('SELECT sha256 FROM assets').get() as { sha256: string }
    expect(sha.sha256).toBe((await import('node:crypto')).createHash('sha256').update(bytes).digest('hex'))
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
  })

  it('stores identical content once: a second phone, a renamed copy', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    t.lib.beginConnection({ udid: 'B', name: 'B' })
    await backup('A', { '/DCIM/100APPLE/IMG_0001.JPG': fixture('photo.jpg') })
    const b = await backup('B', { '/DCIM/103APPLE/IMG_0777.JPG': fixture('photo.jpg'), '/DCIM/103APPLE/IMG_0778.JPG': fixture('nooffset.jpg') })
    expect(b.out.get('/DCIM/103APPLE/IMG_0777.JPG')).toMatchObject({ state: 'duplicate', libraryPath: '2023/2023-08/IMG_0001.JPG' })
    expect(b.out.get('/DCIM/103APPLE/IMG_0778.JPG')).toMatchObject({ state: 'done', libraryPath: '2021/2021-06/IMG_0778.JPG' })
    expect(t.lib.db.prepare('SELECT COUNT(*) AS n FROM assets').get()).toEqual({ n: 2 })
    expect(t.lib.deviceCounts('B')).toMatchObject({ itemsOnPhone: 2, itemsSafe: 2, itemsNotOnPhone: 0, itemsUnreadable: 0, itemsInRecentlyDeleted: 0, itemsInICloudOnly: 0 })
    expect(t.lib.queueCounts()).toMatchObject({ all: 3, done: 3 })
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
  })

  it('keeps an identical .AAE beside each photo it belongs to (edits pasted onto several photos)', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    const { out } = await backup('A', {
      '/DCIM/100APPLE/IMG_0001.HEIC': fixture('photo.heic'),
      '/DCIM/100APPLE/IMG_0001.AAE': AAE,
      '/DCIM/100APPLE/IMG_0002.JPG': fixture('photo.jpg'),
      '/DCIM/100APPLE/IMG_0002.AAE': AAE,
    })
    expect(out.get('/DCIM/100APPLE/IMG_0001.AAE')).toMatchObject({ state: 'done', libraryPath: '2022/2022-12/IMG_0001.AAE' })
    expect(out.get('/DCIM/100APPLE/IMG_0002.AAE')).toMatchObject({ state: 'done', libraryPath: '2023/2023-08/IMG_0002.AAE' })
    expect(read('2023/2023-08/IMG_0002.AAE').equals(AAE)).toBe(true)
    expect(t.lib.db.prepare('SELECT COUNT(*) AS n FROM assets').get()).toEqual({ n: 3 }) // the bytes are one asset
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
    // The same again from a second phone: nothing new is written.
    t.lib.beginConnection({ udid: 'B', name: 'B' })
    const b = await backup('B', { '/DCIM/100APPLE/IMG_0002.JPG': fixture('photo.jpg'), '/DCIM/100APPLE/IMG_0002.AAE': AAE })
    expect([...b.out.values()].map((o) => o.state)).toEqual(['duplicate', 'duplicate'])
    fs.rmSync(path.join(t.root, '2023/2023-08/IMG_0002.AAE'))
    expect(t.lib.checkConsistency()).toEqual([expect.objectContaining({ kind: 'missing-file', libraryPath: '2023/2023-08/IMG_0002.AAE' })])
  })

  it('suffixes the whole group when its names are taken by different content', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    t.lib.beginConnection({ udid: 'B', name: 'B' })
    await backup('A', { '/DCIM/100APPLE/IMG_0001.HEIC': fixture('photo.heic'), '/DCIM/100APPLE/IMG_0001.MOV': fixture('live.mov') })
    const b = await backup('B', {
      '/DCIM/100APPLE/IMG_0001.HEIC': variant('photo.heic', 'b'),
      '/DCIM/100APPLE/IMG_0001.MOV': variant('live.mov', 'b'),
      '/DCIM/100APPLE/IMG_E0001.HEIC': variant('photo.heic', 'edit'),
    })
    expect([...b.out.values()].map((o) => o.libraryPath)).toEqual(['2022/2022-12/IMG_0001-1.HEIC', '2022/2022-12/IMG_0001-1.MOV', '2022/2022-12/IMG_E0001-1.HEIC'])
    expect(read('2022/2022-12/IMG_0001.HEIC').equals(fixture('photo.heic'))).toBe(true) // never overwritten
    // A file the user put there that is not in the catalog also reserves its family's names.
    fs.writeFileSync(path.join(t.root, '2022/2022-12/img_e0002.heic'), 'mine')
    const c = await backup('B', { '/DCIM/100APPLE/IMG_0002.HEIC': variant('photo.heic', 'c') })
    expect([...c.out.values()][0]!.libraryPath).toBe('2022/2022-12/IMG_0002-1.HEIC')
  })

  it('imports both IMG_0001 after the IMG_9999 wrap and never mistakes one for the other', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    const first = await backup('A', { '/DCIM/100APPLE/IMG_0001.JPG': fixture('photo.jpg') })
    const listed = [...first.listed, sourceFile('/DCIM/100APPLE/IMG_9999.JPG', 10), sourceFile('/DCIM/101APPLE/IMG_0001.JPG', variant('photo.jpg', 'wrap').length)]
    const plan = t.lib.planScan('A', listing(listed), 2)
    expect(plan.toImport.map((f) => f.path)).toEqual(['/DCIM/100APPLE/IMG_9999.JPG', '/DCIM/101APPLE/IMG_0001.JPG'])
    const wrapped = plan.toImport[1]!
    expect((await t.lib.importFile(wrapped.id, memorySource(variant('photo.jpg', 'wrap')), { signal: ABORT })).libraryPath).toBe('2023/2023-08/IMG_0001-1.JPG')
    // Same path in the same folder but a new birth time (the name reused after deletion): a new file too.
    const reused = sourceFile('/DCIM/100APPLE/IMG_0001.JPG', fixture('photo.jpg').length)
    const again = t.lib.planScan('A', listing([reused, listed[1]!, listed[2]!]), 3)
    expect(again.toImport.map((f) => f.path)).toEqual(['/DCIM/100APPLE/IMG_0001.JPG', '/DCIM/100APPLE/IMG_9999.JPG'])
  })

  it('records "not on this iPhone", does not count it as failed, and retries it only on a later connection', async () => {
    t = tempLibrary()
    const c1 = t.lib.beginConnection({ udid: 'A', name: 'A' })
    const files = [sourceFile('/DCIM/100APPLE/IMG_0005.HEIC', 123_456)]
    const plan = t.lib.planScan('A', listing(files), c1)
    const outcome = await t.lib.importFile(plan.toImport[0]!.id, notOnPhoneSource, { signal: ABORT, connection: c1 })
    expect(outcome.state).toBe('not-on-phone')
    expect(t.lib.deviceCounts('A')).toMatchObject({ itemsOnPhone: 1, itemsSafe: 0, itemsNotOnPhone: 1, itemsUnreadable: 0, itemsInRecentlyDeleted: 0, itemsInICloudOnly: 0 })
    expect(t.lib.queueCounts()).toEqual({ all: 1, pending: 0, failed: 0, notOnPhone: 1, done: 0, importPending: 0, importFailed: 0 })
    expect(t.lib.listQueue({ filter: 'not-on-phone', offset: 0, limit: 10 }).items[0]).toMatchObject({ importState: 'not-on-phone', error: { code: 'file-not-on-device' } })
    expect(t.lib.planScan('A', listing(files), c1).toImport).toEqual([])
    const c2 = t.lib.beginConnection({ udid: 'A', name: 'A' })
    expect(c2).toBe(c1 + 1)
    expect(t.lib.planScan('A', listing(files), c2).toImport).toHaveLength(1)
    expect(fs.readdirSync(path.join(t.root, '.cradle-staging'))).toEqual([])
  })

  it('records a file the phone refused as "couldn\'t read" (failed, with the AFC detail), apart from iCloud-only, retried only on a later connection', async () => {
    t = tempLibrary()
    const c1 = t.lib.beginConnection({ udid: 'A', name: 'A' })
    const files = [sourceFile('/DCIM/100APPLE/IMG_0006.HEIC', 1_000), sourceFile('/DCIM/100APPLE/IMG_0007.HEIC', 1_000)]
    const plan = t.lib.planScan('A', listing(files), c1)
    const refused: ImportSource = {
      copyTo: (sink) => {
        sink.write(Buffer.alloc(300)) // some bytes arrived first: none may stay behind
        return Promise.reject(new CradleError('file-unreadable', 'AFC FileRefRead /DCIM/100APPLE/IMG_0006.HEIC: UNKNOWN_ERROR (status 1)', { context: { afcStatusCode: 1 } }))
      },
    }
    const outcome = await t.lib.importFile(plan.toImport[0]!.id, refused, { signal: ABORT, connection: c1 })
    expect(outcome).toMatchObject({ state: 'failed', assetId: null, problem: { code: 'file-unreadable' } })
    await t.lib.importFile(plan.toImport[1]!.id, notOnPhoneSource, { signal: ABORT, connection: c1 })
    expect(t.lib.deviceCounts('A')).toMatchObject({ itemsOnPhone: 2, itemsSafe: 0, itemsNotOnPhone: 1, itemsUnreadable: 1, itemsInRecentlyDeleted: 0, itemsInICloudOnly: 0 })
    expect(t.lib.queueCounts()).toMatchObject({ failed: 1, notOnPhone: 1 })
    const row = t.lib.db.prepare<[number], { state: string; error_code: string; error_detail: string; staged_bytes: number }>('SELECT state, error_code, error_detail, staged_bytes FROM device_files WHERE id = ?').get(plan.toImport[0]!.id)!
    expect(row).toEqual({ state: 'failed', error_code: 'file-unreadable', error_detail: 'AFC FileRefRead /DCIM/100APPLE/IMG_0006.HEIC: UNKNOWN_ERROR (status 1)', staged_bytes: 0 })
    expect(t.lib.listQueue({ filter: 'failed', offset: 0, limit: 10 }).items[0]).toMatchObject({ importState: 'failed', error: { code: 'file-unreadable', message: "Couldn't read IMG_0006.HEIC from your iPhone" } })
    expect(fs.readdirSync(path.join(t.root, '.cradle-staging'))).toEqual([])
    // Not again on this connection; on the next one, both.
    expect(t.lib.planScan('A', listing(files), c1).toImport).toEqual([])
    const c2 = t.lib.beginConnection({ udid: 'A', name: 'A' })
    expect(t.lib.planScan('A', listing(files), c2).toImport.map((f) => f.path)).toEqual(files.map((f) => f.path))
    // A failure that was the lock's goes straight back to pending (this connection retries it).
    t.lib.requeue([plan.toImport[0]!.id, plan.toImport[1]!.id])
    expect(t.lib.deviceCounts('A')).toMatchObject({ itemsNotOnPhone: 0, itemsUnreadable: 0 })
    expect(t.lib.planScan('A', listing(files), c1).toImport).toHaveLength(2)
  })

  it('keeps a file whose stat the phone refused (it is not deleted), and reports one it has no row for', () => {
    t = tempLibrary()
    const c1 = t.lib.beginConnection({ udid: 'A', name: 'A' })
    const known = sourceFile('/DCIM/100APPLE/IMG_0008.HEIC', 500)
    const other = sourceFile('/DCIM/100APPLE/IMG_0009.HEIC', 500)
    t.lib.planScan('A', listing([known, other]), c1)
    const plan = t.lib.planScan('A', [{ folder: '/DCIM/100APPLE', signature: 'sig:incomplete', files: [other], unstatted: [known.path, '/DCIM/100APPLE/IMG_0010.HEIC'] }], c1)
    expect(plan.itemsOnPhone).toBe(2)
    expect(plan.toImport.map((f) => f.path).sort()).toEqual([known.path, other.path])
    expect(plan.unrecorded).toEqual(['/DCIM/100APPLE/IMG_0010.HEIC'])
    // The stored signature makes the next scan stat the folder again.
    expect(t.lib.changedFolders('A', [{ folder: '/DCIM/100APPLE', signature: 'sig' }])).toEqual(['/DCIM/100APPLE'])
  })

  it('adopts a file left under its final name by a crash between link and catalog commit', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    fs.mkdirSync(path.join(t.root, '2023/2023-08'), { recursive: true })
    fs.writeFileSync(path.join(t.root, '2023/2023-08/IMG_0001.JPG'), fixture('photo.jpg'))
    const { out } = await backup('A', { '/DCIM/100APPLE/IMG_0001.JPG': fixture('photo.jpg') })
    expect([...out.values()][0]).toMatchObject({ state: 'done', libraryPath: '2023/2023-08/IMG_0001.JPG' })
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
  })

  it('puts a deleted library file back when its content is imported again', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    t.lib.beginConnection({ udid: 'B', name: 'B' })
    await backup('A', { '/DCIM/100APPLE/IMG_0001.JPG': fixture('photo.jpg') })
    fs.rmSync(path.join(t.root, '2023'), { recursive: true })
    expect(t.lib.checkConsistency()).toEqual([expect.objectContaining({ kind: 'missing-file' })])
    const b = await backup('B', { '/DCIM/100APPLE/IMG_0042.JPG': fixture('photo.jpg') })
    expect([...b.out.values()][0]).toMatchObject({ state: 'done', libraryPath: '2023/2023-08/IMG_0001.JPG' })
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
  })

  it('keeps hostile device names inside the library root', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    const names = ['..', '...JPG', '..\\..\\evil.JPG', 'CON.JPG', 'a\u0000b.JPG', '\u202egnp.JPG', `${'é'.repeat(300)}.JPG`, ' .JPG']
    const files: Record<string, Buffer> = {}
    names.forEach((n, i) => (files[`/DCIM/100APPLE/${n}`] = variant('nodate.jpg', String(i))))
    const { out } = await backup('A', files)
    expect(out.size).toBe(names.length)
    for (const o of out.values()) {
      const abs = path.resolve(t.root, o.libraryPath!)
      expect(abs.startsWith(`${t.root}${path.sep}`)).toBe(true)
      expect(Buffer.byteLength(path.basename(abs))).toBeLessThanOrEqual(200)
      expect(fs.existsSync(abs)).toBe(true)
    }
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
  })
})
