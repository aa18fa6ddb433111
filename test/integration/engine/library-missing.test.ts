/**
 * The library folder goes away (an external drive unplugged, a folder renamed): the run stops with
 * a clear problem, nothing is written anywhere (in particular the folder is not re-created at the
 * old path, which would split the library), nothing partial is left under a final name, and the
 * backup resumes by itself when the folder is back.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { Engine } from '../../../src/main/engine/engine.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import { deviceOf, openLibrary, sleep, startTestEngine, tempDirs, waitForState, type TempDirs } from '../../helpers/engine.js'
import { expectedFromDcim, PartialFileWatch, verifyLibrary } from '../../helpers/engine-roll.js'

let sim: Simulator | undefined
let dirs: TempDirs | undefined
let engine: Engine | undefined

afterEach(async () => {
  await engine?.stop()
  engine = undefined
  await sim?.close()
  sim = undefined
  dirs?.cleanup()
  dirs = undefined
})

const power = { level: 70, charging: true, externalPower: true }
/** The session re-checks the library every 5 s, the library card every 5 s. */
const RECHECK = 20_000

describe('library folder missing', () => {
  it('mid-run: stops with library-missing, writes nothing, resumes when the folder is back', async () => {
    dirs = tempDirs('cradle-libgone-')
    sim = await startSimulator({
      bandwidthMBps: 3,
      devices: [{ photos: { count: 20, seed: 51, photoBytes: 600_000, videoBytes: 3_000_000 }, battery: power }],
    })
    const udid = sim.devices[0]!.udid
    const roll = sim.roll(udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    engine = await startTestEngine({ muxAddress: sim.address, dirs })
    await waitForState(engine, (s) => s.queue.counts.done >= 3, 60_000, 'a few files imported')

    const away = `${dirs.libraryDir}.away`
    fs.renameSync(dirs.libraryDir, away)
    const stopped = await waitForState(engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'error' && d.problem?.code === 'library-missing' ? d : undefined
    }, 30_000, 'library-missing')
    expect(stopped.problem?.message).toBeTruthy()
    const problems = await waitForState(engine, (s) => s.problems.some((p) => p.code === 'library-missing') && s.problems, RECHECK, 'the problem in the state')
    expect(problems.map((p) => p.code)).toContain('library-missing')
    await waitForState(engine, (s) => !s.library.available, RECHECK, 'the library card to say unavailable')
    await sleep(6_000) // over one library re-check
    expect(fs.existsSync(dirs.libraryDir)).toBe(false)
    const done = engine.current().queue.counts.done
    expect(done).toBeLessThan(expected.length)
    expect(new PartialFileWatch(away, expected).check()).toEqual([])

    fs.renameSync(away, dirs.libraryDir)
    await waitForState(engine, (s) => deviceOf(s, udid)?.phase === 'done', RECHECK + 60_000, 'the rest of the import')
    await waitForState(engine, (s) => s.library.available && !s.problems.some((p) => p.code === 'library-missing'), RECHECK, 'the problem to clear')
    await engine.stop()
    engine = undefined
    const lib = openLibrary(dirs)
    try {
      expect(verifyLibrary(lib, expected, { udid })).toEqual([])
    } finally {
      lib.close()
    }
  }, 150_000)

  it('at start-up (the drive is not mounted): nothing created at the old path; imports once it is back', async () => {
    dirs = tempDirs('cradle-libgone-')
    sim = await startSimulator({ devices: [{ photos: { count: 10, seed: 52 }, battery: power, attached: false }] })
    const phone = sim.devices[0]!
    // A first start creates and registers the library folder; then the "drive" goes away.
    engine = await startTestEngine({ muxAddress: sim.address, dirs })
    await engine.stop()
    engine = undefined
    expect(fs.existsSync(path.join(dirs.libraryDir, '.cradle-library'))).toBe(true)
    const away = `${dirs.libraryDir}.away`
    fs.renameSync(dirs.libraryDir, away)

    engine = await startTestEngine({ muxAddress: sim.address, dirs })
    expect(engine.current().problems.map((p) => p.code)).toContain('library-missing')
    phone.attach()
    await waitForState(engine, (s) => deviceOf(s, phone.udid)?.problem?.code === 'library-missing', 30_000, 'the session to report library-missing')
    await sleep(6_000)
    expect(fs.existsSync(dirs.libraryDir)).toBe(false)
    expect(engine.current().queue.counts.done).toBe(0)

    fs.renameSync(away, dirs.libraryDir)
    await waitForState(engine, (s) => deviceOf(s, phone.udid)?.phase === 'done', RECHECK + 30_000, 'the import')
    const roll = sim.roll(phone.udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    await engine.stop()
    engine = undefined
    const lib = openLibrary(dirs)
    try {
      expect(verifyLibrary(lib, expected, { udid: phone.udid })).toEqual([])
    } finally {
      lib.close()
    }
  }, 120_000)
})
