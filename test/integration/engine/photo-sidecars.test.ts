/**
 * XMP sidecars end to end (issue 15): the engine writes `<file>.xmp` beside each photo and video it
 * imports from the virtual iPhone when the phone's Photos library describes it, and rewrites them
 * (not duplicates) when the favorite or the albums change. The phone's database reader is another
 * part of the engine; here a test source stands in for what it recorded.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { startSimulator } from '../../../src/sim/index.js'
import type { Library } from '../../../src/main/library/library.js'
import type { PhotoMetadata, PhotoMetadataSource } from '../../../src/main/photos/photo-metadata.js'
import { deviceOf, engineTestRig, listFiles, ON_CHARGER, startTestEngine, tempDirs, waitForState } from '../../helpers/engine.js'

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
})
