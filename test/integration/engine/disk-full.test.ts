/**
 * A full disk at engine level, end to end (engine + virtual iPhone + real small volumes): the
 * library disk fills mid-import, the session stops with "The library disk is full", nothing partial
 * stays under a final name, and once space is freed it resumes by itself and completes. The same
 * for the disk under the data folder (SQLite answers SQLITE_FULL): "The disk with Cradle's catalog
 * is full", then a resume by itself. Both need root for the tmpfs volumes (test/helpers/tmpfs.ts).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect } from 'vitest'
import '../../fakes/quiet-logs.js'
import { startSimulator } from '../../../src/sim/index.js'
import { deviceOf, engineTestRig, ON_CHARGER, startTestEngine, waitForState, type TempDirs } from '../../helpers/engine.js'
import { expectedFromDcim, PartialFileWatch, stopAndVerifyLibrary } from '../../helpers/engine-roll.js'
import { itAsRoot, mountTmpfs, type Tmpfs } from '../../helpers/tmpfs.js'

const rig = engineTestRig()

function dirsOn(vol: Tmpfs, where: 'library' | 'data'): TempDirs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-full-'))
  return {
    dir,
    dataDir: where === 'data' ? path.join(vol.dir, 'data') : path.join(dir, 'data'),
    libraryDir: where === 'library' ? path.join(vol.dir, 'Library') : path.join(dir, 'Library'),
    cleanup: () => {
      vol.unmount()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

describe('a full disk, end to end', () => {
  itAsRoot('the library disk fills mid-import: waits with "The library disk is full", resumes by itself when space is freed', async () => {
    const vol = mountTmpfs(32 * 1024)
    rig.dirs = dirsOn(vol, 'library')
    // ~16 MB of photos and videos; the volume has room for about a third of them.
    rig.sim = await startSimulator({
      bandwidthMBps: 8,
      devices: [{ photos: { count: 16, seed: 61, photoBytes: 600_000, videoBytes: 3_000_000 }, battery: ON_CHARGER, attached: false }],
    })
    const phone = rig.sim.devices[0]!
    const roll = rig.sim.roll(phone.udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    const give = vol.fill(5 * 1024 * 1024)
    phone.attach()

    const stopped = await waitForState(rig.engine, (s) => {
      const d = deviceOf(s, phone.udid)
      return d?.problem?.code === 'disk-full' ? d : undefined
    }, 120_000, 'disk-full')
    expect(stopped.problem?.message).toMatch(/^The library disk is full/)
    const problems = await waitForState(rig.engine, (s) => s.problems.find((p) => p.code === 'disk-full'), 30_000, 'the problem in the state')
    expect(problems.message).toMatch(/^The library disk is full/)
    expect(rig.engine.current().queue.counts.done).toBeGreaterThan(0)
    expect(rig.engine.current().queue.counts.done).toBeLessThan(expected.length)
    expect(new PartialFileWatch(rig.dirs.libraryDir, expected).check()).toEqual([])

    give()
    await waitForState(rig.engine, (s) => deviceOf(s, phone.udid)?.phase === 'done', 120_000, 'the rest of the import')
    expect(deviceOf(rig.engine.current(), phone.udid)?.problem ?? null).toBeNull()
    expect(await stopAndVerifyLibrary(rig, expected, { udid: phone.udid })).toEqual([])
  }, 300_000)

  itAsRoot('the disk under the data folder is full: waits with "The disk with Cradle\'s catalog is full", resumes by itself when space is freed', async () => {
    const vol = mountTmpfs(8 * 1024)
    rig.dirs = dirsOn(vol, 'data')
    rig.sim = await startSimulator({
      devices: [{ photos: { count: 12, seed: 62, photoBytes: 300_000, videoBytes: 1_000_000 }, battery: ON_CHARGER, attached: false }],
    })
    const phone = rig.sim.devices[0]!
    const roll = rig.sim.roll(phone.udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    const give = vol.fill()
    phone.attach()

    const stopped = await waitForState(rig.engine, (s) => {
      const d = deviceOf(s, phone.udid)
      return d?.problem?.code === 'data-disk-full' ? d : undefined
    }, 120_000, 'data-disk-full')
    expect(stopped.problem?.message).toBe("The disk with Cradle's catalog is full")
    expect(new PartialFileWatch(rig.dirs.libraryDir, expected).check()).toEqual([])

    give()
    await waitForState(rig.engine, (s) => deviceOf(s, phone.udid)?.phase === 'done', 120_000, 'the import')
    expect(await stopAndVerifyLibrary(rig, expected, { udid: phone.udid })).toEqual([])
  }, 300_000)
})
