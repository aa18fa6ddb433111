/**
 * The safety ledger's numbers on a real catalog: two phones sharing a photo, an item only in
 * iCloud, a destination that does not take sidecars, uploads done and waiting, and a library file
 * a scrub found damaged — per phone and in total.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DestinationStore } from '../../../src/main/destinations/destination-store.js'
import { UploadQueue } from '../../../src/main/destinations/queue/upload-queue.js'
import { uploadsSchema } from '../../../src/main/destinations/queue/uploads-schema.js'
import { safetyLedger } from '../../../src/main/engine/safety-ledger.js'
import { ABORT, fixture, listing, memorySource, notOnPhoneSource, sourceFile, tempLibrary, type TempLibrary } from './helpers.js'

let t: TempLibrary
afterEach(() => t?.cleanup())

async function backUp(udid: string, files: Record<string, Buffer | null>): Promise<Map<string, number>> {
  const connection = t.lib.beginConnection({ udid, name: udid === 'A' ? 'Ann’s iPhone' : 'Ben’s iPhone' })
  const plan = t.lib.planScan(udid, listing(Object.entries(files).map(([p, b]) => sourceFile(p, b?.length ?? 10))), connection)
  const assets = new Map<string, number>()
  for (const f of plan.toImport) {
    const bytes = files[f.path]
    const outcome = await t.lib.importFile(f.id, bytes ? memorySource(bytes) : notOnPhoneSource, { signal: ABORT, connection })
    if (outcome.assetId !== null) assets.set(f.path, outcome.assetId)
  }
  return assets
}

describe('safetyLedger', () => {
  it('counts, per phone and in total, where every photo is safe', async () => {
    t = tempLibrary({ extraModules: [uploadsSchema] })
    const shared = fixture('photo.jpg')
    const a = await backUp('A', {
      '/DCIM/100APPLE/IMG_0001.JPG': shared,
      '/DCIM/100APPLE/IMG_0002.JPG': fixture('nooffset.jpg'),
      '/DCIM/100APPLE/IMG_0002.AAE': Buffer.from('<plist>edit</plist>'),
      '/DCIM/100APPLE/IMG_0003.HEIC': null, // only in iCloud
    })
    const b = await backUp('B', { '/DCIM/100APPLE/IMG_7001.JPG': shared, '/DCIM/100APPLE/IMG_7002.MOV': fixture('plain.mov') })
    const store = new DestinationStore(t.lib.db)
    const queue = new UploadQueue(t.lib.db)
    const nas = store.insert('folder', 'NAS', { path: '/nas' }, [], 0)
    const immich = store.insert('immich', 'Immich', { url: 'http://immich' }, ['sidecar'], 0)
    queue.enqueue(1)
    // NAS has everything; Immich has the shared photo only (the sidecar it does not take).
    for (const id of new Set([...a.values(), ...b.values()])) queue.markDone(nas.id, id, `ref-${id}`, false, 1, 2)
    queue.markDone(immich.id, a.get('/DCIM/100APPLE/IMG_0001.JPG')!, 'imm-1', false, 1, 2)
    const places = [{ id: nas.id, name: 'NAS' }, { id: immich.id, name: 'Immich' }]

    const ledger = safetyLedger(t.lib.db, places)
    const ann = ledger.phones.find((p) => p.udid === 'A')!
    // Counted as photos, not files: IMG_0002.JPG and its .AAE are one photo.
    expect(ann).toMatchObject({ name: 'Ann’s iPhone', items: 3, onlyInICloud: 1, safeIn: 2 })
    expect(ann.places.map((p) => [p.name, p.safe, p.of])).toEqual([['Library', 2, 2], ['NAS', 2, 2], ['Immich', 1, 2]])
    const ben = ledger.phones.find((p) => p.udid === 'B')!
    expect(ben).toMatchObject({ items: 2, onlyInICloud: 0, safeIn: 2 })
    expect(ben.places.map((p) => [p.name, p.safe, p.of])).toEqual([['Library', 2, 2], ['NAS', 2, 2], ['Immich', 1, 2]])
    // In total the shared photo is one photo: 3 in the library + 1 only in iCloud.
    expect(ledger.total).toMatchObject({ items: 4, onlyInICloud: 1, safeIn: 2 })
    expect(ledger.total.places.map((p) => [p.name, p.safe, p.of])).toEqual([['Library', 3, 3], ['NAS', 3, 3], ['Immich', 1, 3]])
    expect(ledger.total.places[0]!.verifiedAt).toEqual(expect.any(Number))

    // A place is verified only when every copy there is: one copy uploaded without proof (plain
    // WebDAV, Google) keeps the place "uploaded, not verified", whatever the others say.
    const nasIds = [...new Set([...a.values(), ...b.values()])]
    expect(ledger.total.places[1]!.verifiedAt).toBeNull()
    for (const id of nasIds.slice(1)) queue.markVerified(nas.id, id, 5)
    expect(safetyLedger(t.lib.db, places).total.places[1]!.verifiedAt).toBeNull()
    expect(safetyLedger(t.lib.db, places).phones.find((p) => p.udid === 'A')!.places[1]!.verifiedAt).toBeNull()
    queue.markVerified(nas.id, nasIds[0]!, 7)
    expect(safetyLedger(t.lib.db, places).total.places[1]!.verifiedAt).toBe(5)

    // The shared photo goes bad in the library: neither phone has it safe there any more.
    fs.appendFileSync(path.join(t.root, t.lib.db.prepare<[number], { library_path: string }>('SELECT library_path FROM assets WHERE id = ?').get(a.get('/DCIM/100APPLE/IMG_0001.JPG')!)!.library_path), 'x')
    await t.lib.scrub()
    const after = safetyLedger(t.lib.db, places)
    expect(after.phones.find((p) => p.udid === 'A')!.places[0]).toMatchObject({ safe: 1, of: 2 })
    expect(after.phones.find((p) => p.udid === 'B')!).toMatchObject({ safeIn: 1 })
    expect(after.total.places[0]).toMatchObject({ safe: 2, of: 3 })
    expect(after.total.safeIn).toBe(1)
  })

  it('in total, a file a phone could not give (or has not given yet) keeps every place from being complete', async () => {
    t = tempLibrary({ extraModules: [uploadsSchema] })
    const connection = t.lib.beginConnection({ udid: 'A', name: 'Ann’s iPhone' })
    const plan = t.lib.planScan('A', listing([sourceFile('/DCIM/100APPLE/IMG_0001.JPG', fixture('photo.jpg').length), sourceFile('/DCIM/100APPLE/IMG_0002.JPG', 10), sourceFile('/DCIM/100APPLE/IMG_0003.JPG', 10)]), connection)
    const [first, unreadable] = plan.toImport
    const asset = (await t.lib.importFile(first!.id, memorySource(fixture('photo.jpg')), { signal: ABORT, connection })).assetId!
    t.lib.markFailed(unreadable!.id, 'file-unreadable', 'AFC status 1') // IMG_0003 stays waiting
    const nas = new DestinationStore(t.lib.db).insert('folder', 'NAS', { path: '/nas' }, [], 0)
    const queue = new UploadQueue(t.lib.db)
    queue.enqueue(1)
    queue.markDone(nas.id, asset, 'ref', false, 1, 2)

    const ledger = safetyLedger(t.lib.db, [{ id: nas.id, name: 'NAS' }])
    expect(ledger.total).toMatchObject({ items: 3, onlyInICloud: 0, safeIn: 0 })
    expect(ledger.total.places.map((p) => [p.name, p.safe, p.of])).toEqual([['Library', 1, 3], ['NAS', 1, 3]])
    expect(ledger.phones[0]).toMatchObject({ items: 3, safeIn: 0 })
  })

  it('a catalog without the uploads tables: the library alone', async () => {
    t = tempLibrary()
    await backUp('A', { '/DCIM/100APPLE/IMG_0001.JPG': fixture('photo.jpg') })
    expect(safetyLedger(t.lib.db, []).total).toMatchObject({ items: 1, safeIn: 1, places: [{ id: 'library', safe: 1, of: 1 }] })
  })
})
