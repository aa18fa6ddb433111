/**
 * The backup from the phone's own view (Photos.sqlite), against the virtual iPhone over real
 * sockets: originals that live only under PhotoData/CPLAssets are backed up byte-identically
 * under their original names; Recently Deleted is left out unless the setting asks; iCloud-only
 * is counted exactly from the database; the newest rows, only in the -wal, are seen; albums,
 * favorites and hidden reach the catalog (PhotoMetadataSource); DCIM files the database does not
 * know are listed. And the fallback: no database, or /PhotoData refused, backs up DCIM exactly as
 * before with a plain note on the card.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { Settings } from '../../../src/shared/settings.js'
import type { DeviceView, HistoryEntry } from '../../../src/shared/state.js'
import { CatalogMetadataSource } from '../../../src/main/photos/catalog-metadata-source.js'
import { safetyLedger } from '../../../src/main/engine/safety-ledger.js'
import { startSimulator, type SimDeviceOptions } from '../../../src/sim/index.js'
import type { SimPhotoAsset } from '../../../src/sim/photos/photo-library.js'
import { deviceOf, engineTestRig, ON_CHARGER, openLibrary, recordDownloads, startTestEngine, tempDirs, waitForState, type DownloadCall } from '../../helpers/engine.js'
import { expectedFromDcim, type ExpectedFile } from '../../helpers/engine-roll.js'

const rig = engineTestRig()
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

interface Backed {
  udid: string
  view: DeviceView
  entry: HistoryEntry
  expected: ExpectedFile[]
  assets: SimPhotoAsset[]
  photoDataDir: string | undefined
}

/** Starts a phone and an engine, waits for the first backup to finish, stops the engine. */
async function backUp(device: SimDeviceOptions, settings: Partial<Settings> = {}): Promise<Backed> {
  rig.dirs = tempDirs('cradle-photolib-')
  rig.sim = await startSimulator({ devices: [{ battery: ON_CHARGER, ...device }] })
  const phone = rig.sim.devices[0]!
  const udid = phone.udid
  const roll = rig.sim.roll(udid)!
  const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
  rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs, settings })
  const entry = await waitForState(rig.engine, (s) => s.history.find((h) => h.kind === 'import' && h.udid === udid), 90_000, 'the first backup')
  const view = await waitForState(rig.engine, (s) => {
    const d = deviceOf(s, udid)
    return d?.phase === 'done' ? d : undefined
  }, 30_000, 'the card after the backup')
  await rig.engine.stop()
  rig.engine = undefined
  return { udid, view, entry, expected, assets: rig.sim.photoLibrary(udid)?.assets ?? [], photoDataDir: phone.photoDataDir }
}

/** Where the catalog says a phone file went in the library, or null when it was not imported. */
function libraryFileOf(udid: string, devicePath: string): { libraryPath: string; bytes: Buffer } | null {
  const lib = openLibrary(rig.dirs!)
  try {
    const row = lib.db.prepare<[string, string], { library_path: string }>(`SELECT a.library_path FROM device_files d JOIN assets a ON a.id = d.asset_id
      WHERE d.udid = ? AND d.path = ? AND d.state IN ('done','duplicate')`).get(udid, devicePath)
    return row ? { libraryPath: row.library_path, bytes: fs.readFileSync(path.join(rig.dirs!.libraryDir, ...row.library_path.split('/'))) } : null
  } finally {
    lib.close()
  }
}

const filesOf = (assets: SimPhotoAsset[], pick: (a: SimPhotoAsset) => boolean): string[] => assets.filter(pick).flatMap((a) => a.files)
/** Edits kept under /PhotoData/Mutations (render and Adjustments.plist): files DCIM does not show. */
const mutationFiles = (assets: SimPhotoAsset[]): string[] => assets.flatMap((a) => (a.mutation ? [a.mutation.render, a.mutation.plist].filter((f): f is string => f !== null) : []))

describe('backing up from the phone\'s Photos library', () => {
  it.each(['ios17', 'ios13'] as const)('%s: CPLAssets originals byte-identical under their original names, Recently Deleted left out, iCloud-only counted from the -wal', async (schema) => {
    const b = await backUp({ photos: { count: 20, seed: 41 }, photoLibrary: { schema } })
    const trashedFiles = filesOf(b.assets, (a) => a.trashed)
    expect(trashedFiles.length).toBeGreaterThan(0)
    const cpl = b.assets.find((a) => a.phonePath.startsWith('/PhotoData/CPLAssets/') && !a.iCloudOnly)!
    const cloudOnly = b.assets.find((a) => a.iCloudOnly)!
    // Both are rows only the -wal holds: a copy without it would know neither.
    expect([cpl.inWal, cloudOnly.inWal]).toEqual([true, true])

    const edits = mutationFiles(b.assets).length
    expect(edits).toBeGreaterThan(0)
    expect(b.entry).toMatchObject({ error: null, imported: b.expected.length - trashedFiles.length + 1 + edits, failed: 0 })
    const copy = libraryFileOf(b.udid, cpl.phonePath)!
    expect(path.posix.basename(copy.libraryPath)).toBe('IMG_7421.JPG')
    expect(sha(copy.bytes)).toBe(sha(fs.readFileSync(path.join(b.photoDataDir!, ...cpl.phonePath.split('/').slice(2)))))
    for (const p of trashedFiles) expect(libraryFileOf(b.udid, p), p).toBeNull()

    expect(b.view).toMatchObject({ itemsInICloudOnly: 1, itemsInRecentlyDeleted: trashedFiles.length, itemsOnPhone: b.expected.length - trashedFiles.length + 1 + edits })
    expect(b.view.itemsSafe).toBe(b.view.itemsOnPhone)
    const localPhotos = b.assets.filter((a) => !a.trashed && !a.iCloudOnly)
    expect(b.view.photoLibrary).toMatchObject({
      available: true, note: null, inICloudOnly: 1, inRecentlyDeletedNotCopied: 1,
      photosSafe: localPhotos.filter((a) => a.kind === 'photo').length, videosSafe: localPhotos.filter((a) => a.kind === 'video').length,
      missingFileCount: 0,
    })
    // The roll's odd extras are files Photos does not know: listed, and still backed up.
    const extras = b.expected.filter((f) => !b.assets.some((a) => a.files.includes(f.devicePath)))
    expect(b.view.photoLibrary!.unknownFiles.sort()).toEqual(extras.map((f) => f.devicePath).sort())
    for (const f of extras) expect(libraryFileOf(b.udid, f.devicePath), f.devicePath).not.toBeNull()
    // The safety ledger agrees: what the user threw away is not an item the library still lacks.
    const lib = openLibrary(rig.dirs!)
    try {
      const ledger = safetyLedger(lib.db, [])
      // Both count photos and videos (a Live Photo or an edit with its files is one), the card's count.
      const photos = b.view.photos!
      expect(photos).toMatchObject({ safe: photos.onPhone, inICloudOnly: 0 })
      expect(photos.onPhone).toBeLessThan(b.view.itemsOnPhone!)
      expect(ledger.phones[0]).toMatchObject({ items: photos.onPhone, places: [{ id: 'library', safe: photos.onPhone, of: photos.onPhone }] })
      expect(ledger.total.places[0]).toMatchObject({ safe: ledger.total.places[0]!.of })
    } finally {
      lib.close()
    }
  })

  it('keeps albums, favorites and hidden per library asset, non-ASCII titles intact (PhotoMetadataSource)', async () => {
    const b = await backUp({ photos: { count: 20, seed: 41 }, photoLibrary: { schema: 'ios17' } })
    const lib = openLibrary(rig.dirs!)
    try {
      const source = new CatalogMetadataSource(lib.db)
      const assetOf = lib.db.prepare<[string, string], { asset_id: number }>("SELECT asset_id FROM device_files WHERE udid = ? AND path = ? AND state = 'done'")
      const described = b.assets.filter((a) => !a.trashed && !a.iCloudOnly)
      for (const a of described) {
        for (const file of a.files) {
          const id = assetOf.get(b.udid, file)!.asset_id
          expect(source.forAsset(id), file).toMatchObject({ uuid: a.uuid, originalFileName: a.originalFileName, favorite: a.favorite, hidden: a.hidden, albums: a.albums })
        }
      }
      expect(described.some((a) => a.albums.includes('Été 2024 🌊'))).toBe(true)
      expect(described.some((a) => a.hidden)).toBe(true)
      // The queue rows the window shows carry the same albums and favorite, one row per photo.
      const rows = lib.listQueue({ filter: 'all', offset: 0, limit: 1000 }).items
      for (const a of described) {
        for (const file of a.files) {
          const row = rows.find((r) => r.udid === b.udid && r.files.some((f) => f.assetId === assetOf.get(b.udid, file)!.asset_id))
          expect(row, file).toMatchObject({ favorite: a.favorite, albums: a.albums })
        }
      }
    } finally {
      lib.close()
    }
  })

  it('lists an original the database says is on the phone but the iPhone does not show, and does not call the phone complete', async () => {
    const b = await backUp({ photos: { count: 12, seed: 42 }, photoLibrary: { schema: 'ios17', missingOriginal: true } })
    const missing = b.assets.find((a) => !a.iCloudOnly && a.files.length === 0)!
    expect(missing.phonePath).toBe('/DCIM/100APPLE/IMG_0000.HEIC')
    expect(b.entry).toMatchObject({ error: null, failed: 0 })
    const library = b.view.photoLibrary!
    expect(library).toMatchObject({ available: true, missingFiles: [missing.phonePath], missingFileCount: 1 })
    // Everything the phone gave is safe, but the photo Photos lists without its file is not.
    expect(library.photosSafe + library.videosSafe).toBe(library.photosOnPhone + library.videosOnPhone - 1)
    expect(libraryFileOf(b.udid, missing.phonePath)).toBeNull()
  })

  it('imports Recently Deleted too when the setting asks (ios14 shape)', async () => {
    const b = await backUp({ photos: { count: 20, seed: 41 }, photoLibrary: { schema: 'ios14' } }, { importRecentlyDeleted: true })
    const trashedFiles = filesOf(b.assets, (a) => a.trashed)
    expect(b.entry).toMatchObject({ error: null, imported: b.expected.length + 1 + mutationFiles(b.assets).length })
    for (const p of trashedFiles) expect(libraryFileOf(b.udid, p), p).not.toBeNull()
    expect(b.view).toMatchObject({ itemsInRecentlyDeleted: 0, itemsInICloudOnly: 1 })
    expect(b.view.photoLibrary).toMatchObject({ inRecentlyDeletedNotCopied: 0 })
  })

  it('without a database, backs up DCIM exactly as before and says why albums and favorites are unavailable', async () => {
    const b = await backUp({ photos: { count: 20, seed: 41 } })
    expect(b.entry).toMatchObject({ error: null, imported: b.expected.length, failed: 0 })
    expect(b.view).toMatchObject({ itemsOnPhone: b.expected.length, itemsSafe: b.expected.length, itemsInICloudOnly: 0, itemsInRecentlyDeleted: 0 })
    expect(b.view.photoLibrary).toMatchObject({
      available: false, note: 'Albums and favorites are unavailable for this iPhone: the iPhone does not share its Photos library database',
    })
  })

  it('with /PhotoData refused, backs up DCIM exactly as before (Recently Deleted included) with the note', async () => {
    const b = await backUp({ photos: { count: 20, seed: 41 }, photoLibrary: { schema: 'ios17' }, photoDataUnreadable: true })
    expect(b.entry).toMatchObject({ error: null, imported: b.expected.length, failed: 0 })
    for (const p of filesOf(b.assets, (a) => a.trashed)) expect(libraryFileOf(b.udid, p), p).not.toBeNull()
    expect(b.view.photoLibrary?.available).toBe(false)
    expect(b.view.photoLibrary?.note).toMatch(/^Albums and favorites are unavailable for this iPhone: the iPhone refused to share its Photos library \(PERM_DENIED\)$/)
    expect(b.view).toMatchObject({ itemsOnPhone: b.expected.length, itemsSafe: b.expected.length, itemsInICloudOnly: 0 })
  })

  it('copies the database again only when it changed on the phone (the fast re-check)', async () => {
    rig.dirs = tempDirs('cradle-photolib-')
    rig.sim = await startSimulator({ devices: [{ battery: ON_CHARGER, photos: { count: 12, seed: 43 }, photoLibrary: { schema: 'ios17' } }] })
    const phone = rig.sim.devices[0]!
    const udid = phone.udid
    const calls: DownloadCall[] = []
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs, wrapPort: recordDownloads(calls) })
    const engine = rig.engine
    const runs = (): HistoryEntry[] => engine.current().history.filter((h) => h.kind === 'import' && h.udid === udid)
    const dbCopies = (): number => calls.filter((c) => c.path === '/PhotoData/Photos.sqlite').length
    const nextRun = async (what: string): Promise<DeviceView> => {
      const before = runs().length
      phone.detach()
      await waitForState(engine, (s) => !deviceOf(s, udid), 10_000, 'the detach')
      phone.attach()
      await waitForState(engine, () => runs().length > before, 60_000, what)
      return waitForState(engine, (s) => (deviceOf(s, udid)?.phase === 'done' ? deviceOf(s, udid) : undefined), 30_000, what)
    }
    await waitForState(engine, () => runs().length > 0, 60_000, 'the first backup')
    expect(dbCopies()).toBe(1)

    const same = await nextRun('the backup with the library unchanged')
    expect(dbCopies()).toBe(1)
    expect(same).toMatchObject({ itemsInICloudOnly: 1, photoLibrary: { available: true, inICloudOnly: 1 } })
    expect(same.itemsSafe).toBe(same.itemsOnPhone)

    // Photos wrote to its -wal: the next connection reads the library again.
    const wal = path.join(phone.photoDataDir!, 'Photos.sqlite-wal')
    const later = new Date(Date.now() + 60_000)
    fs.utimesSync(wal, later, later)
    await nextRun('the backup after the library changed')
    expect(dbCopies()).toBe(2)
  })
})
