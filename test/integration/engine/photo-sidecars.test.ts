/**
 * XMP sidecars end to end (issue 15): the engine writes `<file>.xmp` beside each photo and video it
 * imports from the virtual iPhone when the phone's Photos library describes it, and rewrites them
 * (not duplicates) when the favorite or the albums change. First from what the engine read from
 * the virtual iPhone's own Photos.sqlite, then with a test source that can change its mind.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { startSimulator } from '../../../src/sim/index.js'
import type { Library } from '../../../src/main/library/library.js'
import type { PhotoMetadata, PhotoMetadataSource } from '../../../src/main/photos/photo-metadata.js'
import { deviceOf, engineTestRig, listFiles, ON_CHARGER, openLibrary, startTestEngine, tempDirs, waitForState } from '../../helpers/engine.js'

const rig = engineTestRig()

describe('sidecars written by the engine', () => {
  it('beside each imported photo and video, updated when the favorite or albums change', async () => {
    rig.dirs = tempDirs('cradle-sidecars-')
    rig.sim = await startSimulator({ devices: [{ photos: { count: 8, seed: 15 }, battery: ON_CHARGER }] })
    const udid = rig.sim.devices[0]!.udid
    // The phone "says": every photo and video is in the album "Été", and favorite while `favorite` is.
    let favorite = true
    const source = (lib: Library): PhotoMetadataSource => ({
      forAsset(assetId: number): PhotoMetadata | null {
        const row = lib.db.prepare<[number], { file_name: string; role: string }>('SELECT file_name, role FROM assets WHERE id = ?').get(assetId)
        if (!row || row.role === 'sidecar') return null
        return { uuid: `UUID-${assetId}`, originalFileName: row.file_name, capturedAt: null, offsetMinutes: null, favorite, hidden: false, albums: ['Été'] }
      },
    })
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs, photoMetadata: source })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', 120_000, 'the backup')
    await rig.engine.photoMetadataChanged()

    const files = listFiles(rig.dirs.libraryDir)
    const media = files.filter((f) => !/\.(xmp|aae)$/i.test(f))
    const sidecars = files.filter((f) => f.endsWith('.xmp'))
    expect(media.length).toBeGreaterThan(0)
    expect(sidecars.sort()).toEqual(media.map((f) => `${f}.xmp`).sort())
    const read = (rel: string): string => fs.readFileSync(path.join(rig.dirs!.libraryDir, ...rel.split('/')), 'utf8')
    for (const s of sidecars) {
      expect(read(s)).toContain('xmp:Rating="5"')
      expect(read(s)).toContain('<rdf:li>Albums|Été</rdf:li>')
    }

    favorite = false
    await rig.engine.photoMetadataChanged()
    expect(listFiles(rig.dirs.libraryDir).filter((f) => f.endsWith('.xmp')).sort()).toEqual(sidecars.sort())
    for (const s of sidecars) expect(read(s)).not.toContain('xmp:Rating')
  })

  it('carry the rating, album titles and UUID the phone\'s Photos.sqlite gives (virtual iPhone, iOS 17 schema)', async () => {
    rig.dirs = tempDirs('cradle-sidecars-db-')
    rig.sim = await startSimulator({ devices: [{ photos: { count: 20, seed: 41 }, photoLibrary: { schema: 'ios17' }, battery: ON_CHARGER }] })
    const udid = rig.sim.devices[0]!.udid
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', 120_000, 'the backup')
    await rig.engine.photoMetadataChanged()
    await rig.engine.stop()
    rig.engine = undefined

    const assets = rig.sim.photoLibrary(udid)!.assets.filter((a) => !a.trashed && !a.iCloudOnly)
    const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    const lib = openLibrary(rig.dirs)
    let favorites = 0
    let hidden = 0
    const titles = new Set<string>()
    try {
      for (const a of assets) {
        const row = lib.db.prepare<[string, string], { library_path: string }>(`SELECT a.library_path FROM device_files d JOIN assets a ON a.id = d.asset_id
          WHERE d.udid = ? AND d.path = ? AND d.state IN ('done','duplicate')`).get(udid, a.phonePath)
        expect(row, a.phonePath).toBeDefined()
        const xmp = fs.readFileSync(path.join(rig.dirs.libraryDir, ...`${row!.library_path}.xmp`.split('/')), 'utf8')
        expect(xmp).toContain(`cradle:AssetUUID="${a.uuid}"`)
        expect(xmp.includes('xmp:Rating="5"'), a.phonePath).toBe(a.favorite)
        expect(xmp.includes('<rdf:li>Cradle|Hidden</rdf:li>'), a.phonePath).toBe(a.hidden)
        for (const t of a.albums) {
          expect(xmp).toContain(`<rdf:li>Albums|${esc(t.normalize('NFC'))}</rdf:li>`)
          titles.add(t)
        }
        if (a.favorite) favorites++
        if (a.hidden) hidden++
      }
    } finally {
      lib.close()
    }
    // The roll has favorites, hidden assets and both albums, one with a non-ASCII title.
    expect(favorites).toBeGreaterThan(0)
    expect(hidden).toBeGreaterThan(0)
    expect(titles.size).toBe(2)
    expect([...titles].some((t) => /[^\x00-\x7f]/.test(t))).toBe(true)
    expect(listFiles(rig.dirs.libraryDir).filter((f) => f.endsWith('.xmp')).length).toBeGreaterThanOrEqual(assets.length)
  })
})
