/**
 * A damaged catalog at engine start-up, end to end: the engine starts anyway on a catalog rebuilt
 * from the library, says so once (catalog-rebuilt in the state's problems, naming where the damaged
 * copy is kept), touches no library file, and the next backup of the phone finds every file
 * already stored and completes with a catalog that agrees with the library.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { startSimulator } from '../../../src/sim/index.js'
import { CATALOG_FILE } from '../../../src/main/library/library.js'
import { deviceOf, engineTestRig, listFiles, ON_CHARGER, openLibrary, startTestEngine, tempDirs, waitForState } from '../../helpers/engine.js'
import { expectedFromDcim, stopAndVerifyLibrary } from '../../helpers/engine-roll.js'

const rig = engineTestRig()

function libraryFacts(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const rel of listFiles(root, { includeHidden: true })) {
    const abs = path.join(root, ...rel.split('/'))
    if (rel.startsWith('.cradle-staging/')) continue
    out[rel] = `${fs.statSync(abs).mtimeMs} ${createHash('sha256').update(fs.readFileSync(abs)).digest('hex')}`
  }
  return out
}

describe('a damaged catalog at start-up', () => {
  it('is rebuilt from the library, said once, and the next backup finds everything stored', async () => {
    rig.dirs = tempDirs('cradle-rebuilt-')
    rig.sim = await startSimulator({ devices: [{ photos: { count: 14, seed: 81 }, battery: ON_CHARGER }] })
    const udid = rig.sim.devices[0]!.udid
    const roll = rig.sim.roll(udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', 120_000, 'the first backup')
    await rig.engine.stop()
    rig.engine = undefined
    const before = libraryFacts(rig.dirs.libraryDir)
    const catalog = path.join(rig.dirs.dataDir, CATALOG_FILE)
    const fd = fs.openSync(catalog, 'r+')
    fs.writeSync(fd, Buffer.alloc(4096 * 4, 0x42), 0, 4096 * 4, 4096)
    fs.closeSync(fd)

    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    const notice = rig.engine.current().problems.find((p) => p.code === 'catalog-rebuilt')
    expect(notice?.message).toBe("Cradle's catalog was damaged and has been rebuilt from the library")
    const aside = String(notice?.context?.path)
    expect(path.basename(aside)).toMatch(/^catalog\.sqlite\.damaged-/)
    expect(fs.existsSync(aside)).toBe(true)
    expect(notice?.action).toContain(aside)

    // The phone is still attached: its backup on the rebuilt catalog stores nothing new.
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', 120_000, 'the backup on the rebuilt catalog')
    expect(libraryFacts(rig.dirs.libraryDir)).toEqual(before)
    expect(await stopAndVerifyLibrary(rig, expected, { udid })).toEqual([])
    const lib = openLibrary(rig.dirs)
    try {
      expect(lib.checkConsistency({ deep: true })).toEqual([])
      expect(lib.db.prepare("SELECT COUNT(*) AS n FROM device_files WHERE state NOT IN ('done','duplicate')").get()).toEqual({ n: 0 })
    } finally {
      lib.close()
    }
  }, 300_000)
})
