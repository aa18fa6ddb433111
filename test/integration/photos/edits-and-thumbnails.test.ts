/**
 * Rendered edits and the phone's thumbnails (issue 15), against the virtual iPhone over real
 * sockets. An edit Photos keeps under /PhotoData/Mutations/…/Adjustments is backed up
 * byte-identically into its original's group (original + IMG_E render + .AAE recipe, one photo);
 * an edit the database promises but the phone has not rendered yet leaves the original backed up
 * alone, with no failure. A HEIC row gets the phone's own thumbnail from PhotoData/Thumbnails/V2,
 * served through the engine's thumbnail path. An original without a camera-style name (photo.jpeg,
 * downloaded from iCloud) keeps its edit too, as photo_edited.JPG + photo.AAE, one photo, one queue row.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { DeviceView, HistoryEntry } from '../../../src/shared/state.js'
import { startSimulator, type SimDeviceOptions } from '../../../src/sim/index.js'
import { NAMED_EDIT_ORIGINAL, type SimPhotoAsset } from '../../../src/sim/photos/photo-library.js'
import { deviceOf, engineTestRig, ON_CHARGER, openLibrary, startTestEngine, tempDirs, waitForState } from '../../helpers/engine.js'

const rig = engineTestRig()
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

interface Backed {
  udid: string
  view: DeviceView
  entry: HistoryEntry
  assets: SimPhotoAsset[]
  photoDataDir: string
}

/** Starts a phone and an engine and waits for the first backup; the engine keeps running (rig stops it). */
async function backUp(device: SimDeviceOptions): Promise<Backed> {
  rig.dirs = tempDirs('cradle-edits-')
  rig.sim = await startSimulator({ devices: [{ battery: ON_CHARGER, ...device }] })
  const phone = rig.sim.devices[0]!
  const udid = phone.udid
  rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
  const entry = await waitForState(rig.engine, (s) => s.history.find((h) => h.kind === 'import' && h.udid === udid), 90_000, 'the first backup')
  const view = await waitForState(rig.engine, (s) => {
    const d = deviceOf(s, udid)
    return d?.phase === 'done' ? d : undefined
  }, 30_000, 'the card after the backup')
  return { udid, view, entry, assets: rig.sim.photoLibrary(udid)!.assets, photoDataDir: phone.photoDataDir! }
}

interface LibraryFile { libraryPath: string; groupId: number; groupKind: string; bytes: Buffer }

/** Where the catalog says a phone file went in the library, or null when it was not imported. */
function libraryFileOf(udid: string, devicePath: string): LibraryFile | null {
  const lib = openLibrary(rig.dirs!)
  try {
    const row = lib.db.prepare<[string, string], { library_path: string; group_id: number; kind: string }>(`SELECT a.library_path, a.group_id, g.kind
      FROM device_files d JOIN assets a ON a.id = d.asset_id JOIN groups g ON g.id = a.group_id
      WHERE d.udid = ? AND d.path = ? AND d.state IN ('done','duplicate')`).get(udid, devicePath)
    return row ? { libraryPath: row.library_path, groupId: row.group_id, groupKind: row.kind, bytes: fs.readFileSync(path.join(rig.dirs!.libraryDir, ...row.library_path.split('/'))) } : null
  } finally {
    lib.close()
  }
}

const onPhone = (b: Backed, afcPath: string): Buffer => fs.readFileSync(path.join(b.photoDataDir, ...afcPath.split('/').slice(2)))
const stemOf = (p: string): string => path.posix.basename(p).replace(/\.[^.]+$/, '')
const numberOf = (p: string): string => /(\d{4})\.[^.]+$/.exec(p)![1]!

describe('rendered edits under PhotoData/Mutations', () => {
  it('backs up each render and its Adjustments.plist byte-identically, in the original\'s group, named as its edit', async () => {
    const b = await backUp({ photos: { count: 20, seed: 41 }, photoLibrary: { schema: 'ios17' } })
    expect(b.entry).toMatchObject({ error: null, failed: 0 })
    const edited = b.assets.filter((a) => a.mutation?.render)
    expect(edited.length).toBe(2)
    for (const a of edited) {
      const original = libraryFileOf(b.udid, a.phonePath)!
      const render = libraryFileOf(b.udid, a.mutation!.render!)
      const recipe = libraryFileOf(b.udid, a.mutation!.plist)
      expect(render, a.mutation!.render!).not.toBeNull()
      expect(recipe, a.mutation!.plist).not.toBeNull()
      expect(sha(render!.bytes)).toBe(sha(onPhone(b, a.mutation!.render!)))
      expect(sha(recipe!.bytes)).toBe(sha(onPhone(b, a.mutation!.plist)))
      // One group, in one folder: IMG_0042.HEIC, IMG_E0042.HEIC, IMG_0042.AAE.
      expect([render!.groupId, recipe!.groupId]).toEqual([original.groupId, original.groupId])
      expect(original.groupKind).toBe('edited')
      const dir = path.posix.dirname(original.libraryPath)
      const n = numberOf(original.libraryPath)
      const ext = path.posix.extname(a.mutation!.render!).toUpperCase()
      expect(render!.libraryPath).toBe(`${dir}/${stemOf(original.libraryPath).replace(n, `E${n}`)}${ext}`)
      expect(recipe!.libraryPath).toBe(`${dir}/${stemOf(original.libraryPath)}.AAE`)
      expect(path.posix.basename(render!.libraryPath)).toMatch(/^IMG_E\d{4}\.(HEIC|JPG)$/)
    }
    // Counted in photos: original + edit + recipe is one photo, and it is safe.
    const photos = b.view.photos!
    const local = b.assets.filter((a) => !a.trashed && !a.iCloudOnly)
    expect(photos).toMatchObject({ onPhone: local.length + unknownFiles(b), safe: photos.onPhone })

    // The next connection, with the library unchanged (the fast re-check): the edits are still on the phone and safe.
    const engine = rig.engine!
    const phone = rig.sim!.devices[0]!
    const runs = (): number => engine.current().history.filter((h) => h.kind === 'import' && h.udid === b.udid).length
    phone.detach()
    await waitForState(engine, (s) => !deviceOf(s, b.udid), 10_000, 'the detach')
    phone.attach()
    await waitForState(engine, () => runs() > 1, 60_000, 'the second backup')
    const again = await waitForState(engine, (s) => (deviceOf(s, b.udid)?.phase === 'done' ? deviceOf(s, b.udid) : undefined), 30_000, 'the card after it')
    expect(again.photos).toEqual(photos)
    expect(again).toMatchObject({ itemsOnPhone: b.view.itemsOnPhone, itemsSafe: b.view.itemsOnPhone })
    const lib = openLibrary(rig.dirs!)
    try {
      const present = lib.db.prepare<[string, string], { present: number }>('SELECT present FROM device_files WHERE udid = ? AND path = ?')
      for (const a of edited) expect(present.get(b.udid, a.mutation!.render!)?.present, a.mutation!.render!).toBe(1)
    } finally {
      lib.close()
    }
  })

  it('the edit of an original without a camera-style name is kept with it as <stem>_edited and <stem>.AAE, one photo, one row', async () => {
    const b = await backUp({ photos: { count: 20, seed: 41 }, photoLibrary: { schema: 'ios17', namedEdit: true } })
    expect(b.entry).toMatchObject({ error: null, failed: 0 })
    const a = b.assets.find((x) => x.originalFileName === NAMED_EDIT_ORIGINAL)!
    expect(a.phonePath).toMatch(/^\/PhotoData\/CPLAssets\//)
    const original = libraryFileOf(b.udid, a.phonePath)!
    const render = libraryFileOf(b.udid, a.mutation!.render!)
    const recipe = libraryFileOf(b.udid, a.mutation!.plist)
    expect(render, a.mutation!.render!).not.toBeNull()
    expect(recipe, a.mutation!.plist).not.toBeNull()
    expect(sha(original.bytes)).toBe(sha(onPhone(b, a.phonePath)))
    expect(sha(render!.bytes)).toBe(sha(onPhone(b, a.mutation!.render!)))
    expect(sha(recipe!.bytes)).toBe(sha(onPhone(b, a.mutation!.plist)))
    expect([render!.groupId, recipe!.groupId]).toEqual([original.groupId, original.groupId])
    expect(original.groupKind).toBe('edited')
    const dir = path.posix.dirname(original.libraryPath)
    expect([original.libraryPath, render!.libraryPath, recipe!.libraryPath]).toEqual([`${dir}/photo.jpeg`, `${dir}/photo_edited.JPG`, `${dir}/photo.AAE`])

    // The queue speaks in photos: one row, an edited photo of three files.
    const lib = openLibrary(rig.dirs!)
    try {
      const rows = lib.listQueue({ filter: 'all', offset: 0, limit: 1000 }).items.filter((r) => r.files.some((f) => f.fileName.startsWith('photo')))
      expect(rows.map((r) => ({ fileName: r.fileName, groupKind: r.groupKind, importState: r.importState, files: r.files.map((f) => f.fileName) })))
        .toEqual([{ fileName: 'photo.jpeg', groupKind: 'edited', importState: 'done', files: ['photo.jpeg', 'photo_edited.JPG', 'photo.AAE'] }])
    } finally {
      lib.close()
    }
    // Counted as one photo, and safe.
    const local = b.assets.filter((x) => !x.trashed && !x.iCloudOnly)
    expect(b.view.photos).toMatchObject({ onPhone: local.length + unknownFiles(b), safe: b.view.photos!.onPhone })
  })

  it('an edit the phone has not rendered yet leaves the original backed up alone, nothing failed', async () => {
    const b = await backUp({ photos: { count: 20, seed: 41 }, photoLibrary: { schema: 'ios17', unrenderedEdit: true } })
    expect(b.entry).toMatchObject({ error: null, failed: 0, unreadable: 0 })
    const pendingEdit = b.assets.find((a) => a.mutation && a.mutation.render === null)!
    expect(pendingEdit).toBeDefined()
    const original = libraryFileOf(b.udid, pendingEdit.phonePath)!
    expect(sha(original.bytes)).toBe(sha(fs.readFileSync(path.join(rig.sim!.devices[0]!.dcimDir, ...pendingEdit.phonePath.split('/').slice(2)))))
    // The recipe is kept with it; there is no render to keep.
    expect(libraryFileOf(b.udid, pendingEdit.mutation!.plist)?.groupId).toBe(original.groupId)
    const names = fs.readdirSync(path.join(rig.dirs!.libraryDir, ...path.posix.dirname(original.libraryPath).split('/')))
    expect(names.filter((n) => n.includes(`E${numberOf(original.libraryPath)}`))).toEqual([])
    expect(b.view.photos).toMatchObject({ safe: b.view.photos!.onPhone, unreadable: 0 })
    expect(b.view.itemsSafe).toBe(b.view.itemsOnPhone)
  })
})

describe('the phone\'s own thumbnails', () => {
  it('a HEIC row gets the phone\'s thumbnail, stored in the library and served through the thumbnail path', async () => {
    const b = await backUp({ photos: { count: 20, seed: 41 }, photoLibrary: { schema: 'ios17' } })
    const heic = b.assets.find((a) => !a.trashed && a.kind === 'photo' && a.phonePath.endsWith('.HEIC'))!
    const video = b.assets.find((a) => !a.trashed && a.kind === 'video')
    const phoneThumb = onPhone(b, `/PhotoData/Thumbnails/V2${heic.phonePath}/5005.JPG`)
    const lib = openLibrary(rig.dirs!)
    let heicRow: { id: string; thumbnail: boolean } | undefined
    let videoRow: { id: string; thumbnail: boolean } | undefined
    try {
      const idOf = lib.db.prepare<[string, string], { id: number }>('SELECT id FROM device_files WHERE udid = ? AND path = ?')
      const rows = lib.listQueue({ filter: 'all', offset: 0, limit: 1000 }).items
      heicRow = rows.find((r) => r.id === String(idOf.get(b.udid, heic.phonePath)!.id))
      if (video) videoRow = rows.find((r) => r.id === String(idOf.get(b.udid, video.phonePath)!.id))
    } finally {
      lib.close()
    }
    expect(heicRow).toMatchObject({ thumbnail: true })
    const image = await rig.engine!.thumbnail(heicRow!.id)
    expect(image?.contentType).toBe('image/jpeg')
    expect(sha(Buffer.from(image!.bytes))).toBe(sha(phoneThumb))
    if (video) {
      expect(videoRow).toMatchObject({ thumbnail: true })
      expect((await rig.engine!.thumbnail(videoRow!.id))?.contentType).toBe('image/jpeg')
    }
  })
})

/** Files Photos does not know (the roll's odd extras): each is a photo of its own on the card. */
function unknownFiles(b: Backed): number {
  const known = new Set(b.assets.flatMap((a) => a.files))
  const lib = openLibrary(rig.dirs!)
  try {
    const rows = lib.db.prepare<[string], { path: string; file_name: string }>('SELECT path, file_name FROM device_files WHERE udid = ? AND present = 1').all(b.udid)
    return new Set(rows.filter((r) => !known.has(r.path)).map((r) => r.path)).size
  } finally {
    lib.close()
  }
}
