/**
 * The library folder goes away (an external drive unplugged, a folder renamed): the run stops with
 * a clear problem, nothing is written anywhere (in particular the folder is not re-created at the
 * old path, which would split the library), nothing partial is left under a final name, and the
 * backup resumes by itself when the folder is back.
 *
 * The session's 5 s library re-check waits on a test clock that holds it until the test releases
 * it: the test lets exactly one re-check run while the folder is gone and waits for the session to
 * be asleep again (the barrier) before asserting nothing was written, instead of sleeping 6 s.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { RETRY_LIBRARY_MS } from '../../../src/main/engine/phone-session.js'
import { startSimulator } from '../../../src/sim/index.js'
import { HeldClock } from '../../fakes/fake-clock.js'
import { deviceOf, startTestEngine, engineTestRig, ON_CHARGER, tempDirs, waitForState } from '../../helpers/engine.js'
import { expectedFromDcim, PartialFileWatch, stopAndVerifyLibrary } from '../../helpers/engine-roll.js'

const rig = engineTestRig()

/** The session re-checks the library every 5 s, the library card every 5 s. */
const RECHECK = 20_000

describe('library folder missing', () => {
  it('mid-run: stops with library-missing, writes nothing, resumes when the folder is back', async () => {
    rig.dirs = tempDirs('cradle-libgone-')
    rig.sim = await startSimulator({
      bandwidthMBps: 3,
      devices: [{ photos: { count: 20, seed: 51, photoBytes: 600_000, videoBytes: 3_000_000 }, battery: ON_CHARGER }],
    })
    const udid = rig.sim.devices[0]!.udid
    const roll = rig.sim.roll(udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    const clock = new HeldClock((ms) => ms === RETRY_LIBRARY_MS)
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs, clock })
    await waitForState(rig.engine, (s) => s.queue.counts.done >= 3, 60_000, 'a few files imported')

    const away = `${rig.dirs.libraryDir}.away`
    fs.renameSync(rig.dirs.libraryDir, away)
    const stopped = await waitForState(rig.engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'error' && d.problem?.code === 'library-missing' ? d : undefined
    }, 30_000, 'library-missing')
    expect(stopped.problem?.message).toBeTruthy()
    const problems = await waitForState(rig.engine, (s) => s.problems.some((p) => p.code === 'library-missing') && s.problems, RECHECK, 'the problem in the state')
    expect(problems.map((p) => p.code)).toContain('library-missing')
    await waitForState(rig.engine, (s) => !s.library.available, RECHECK, 'the library card to say unavailable')
    await clock.whenStarted(1) // the session waits for the library
    clock.release() // one re-check runs while the folder is gone…
    await clock.whenStarted(2) // …and the session is back to waiting
    expect(fs.existsSync(rig.dirs.libraryDir)).toBe(false)
    const done = rig.engine.current().queue.counts.done
    expect(done).toBeLessThan(expected.length)
    expect(new PartialFileWatch(away, expected).check()).toEqual([])

    fs.renameSync(away, rig.dirs.libraryDir)
    clock.release()
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', RECHECK + 60_000, 'the rest of the import')
    await waitForState(rig.engine, (s) => s.library.available && !s.problems.some((p) => p.code === 'library-missing'), RECHECK, 'the problem to clear')
    expect(await stopAndVerifyLibrary(rig, expected, { udid })).toEqual([])
  }, 150_000)

  it('at start-up (the drive is not mounted): nothing created at the old path; imports once it is back', async () => {
    rig.dirs = tempDirs('cradle-libgone-')
    rig.sim = await startSimulator({ devices: [{ photos: { count: 10, seed: 52 }, battery: ON_CHARGER, attached: false }] })
    const phone = rig.sim.devices[0]!
    // A first start creates and registers the library folder; then the "drive" goes away.
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    await rig.engine.stop()
    rig.engine = undefined
    expect(fs.existsSync(path.join(rig.dirs.libraryDir, '.cradle-library'))).toBe(true)
    const away = `${rig.dirs.libraryDir}.away`
    fs.renameSync(rig.dirs.libraryDir, away)

    const clock = new HeldClock((ms) => ms === RETRY_LIBRARY_MS)
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs, clock })
    expect(rig.engine.current().problems.map((p) => p.code)).toContain('library-missing')
    phone.attach()
    await waitForState(rig.engine, (s) => deviceOf(s, phone.udid)?.problem?.code === 'library-missing', 30_000, 'the session to report library-missing')
    await clock.whenStarted(1)
    clock.release() // one re-check while the drive is away, then waiting again
    await clock.whenStarted(2)
    expect(fs.existsSync(rig.dirs.libraryDir)).toBe(false)
    expect(rig.engine.current().queue.counts.done).toBe(0)

    fs.renameSync(away, rig.dirs.libraryDir)
    clock.release()
    await waitForState(rig.engine, (s) => deviceOf(s, phone.udid)?.phase === 'done', RECHECK + 30_000, 'the import')
    const roll = rig.sim.roll(phone.udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    expect(await stopAndVerifyLibrary(rig, expected, { udid: phone.udid })).toEqual([])
  }, 120_000)
})
