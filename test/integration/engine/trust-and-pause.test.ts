/**
 * The user in the loop: a phone that shows the "Trust This Computer?" dialog (the engine says
 * needs-trust and imports nothing until the user taps Trust), and Pause / Resume in the middle of
 * a transfer (the file in flight keeps its prefix and continues from it).
 */
import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { CATALOG_FILE } from '../../../src/main/library/library.js'
import { BATTERY_POLL_MS } from '../../../src/main/engine/phone-session.js'
import { startSimulator } from '../../../src/sim/index.js'
import { HeldClock } from '../../fakes/fake-clock.js'
import { deviceOf, recordDownloads, startTestEngine, engineTestRig, ON_CHARGER, tempDirs, waitForState, type DownloadCall } from '../../helpers/engine.js'
import { expectedFromDcim, stopAndVerifyLibrary } from '../../helpers/engine-roll.js'

const rig = engineTestRig()


describe('Trust prompt', () => {
  it('shows needs-trust and imports nothing until the user taps Trust, then imports', async () => {
    rig.dirs = tempDirs('cradle-trust-')
    rig.sim = await startSimulator({ devices: [{ photos: { count: 8, seed: 61 }, battery: ON_CHARGER, trust: 'prompt' }] })
    const phone = rig.sim.devices[0]!
    const udid = phone.udid
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    const asking = await waitForState(rig.engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'needs-trust' ? d : undefined
    }, 30_000, 'needs-trust')
    expect(asking.trust).toBe('pending')
    // Two more Pair requests reach the phone: the engine read the pending answer and asked again
    // (the barrier that it moved past the decision), without pairing or importing anything.
    const pairs = (): number => phone.lockdownRequests.get('Pair') ?? 0
    const asked = pairs()
    await expect.poll(pairs, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(asked + 2)
    expect(deviceOf(rig.engine.current(), udid)?.phase).toBe('needs-trust')
    expect(rig.engine.current().queue.counts.all).toBe(0)
    expect(rig.sim.pairRecords.has(udid)).toBe(false)

    phone.acceptTrust()
    const done = await waitForState(rig.engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'done' ? d : undefined
    }, 45_000, 'the import after Trust')
    expect(done.trust).toBe('paired')
    expect(rig.sim.pairRecords.has(udid)).toBe(true)
    const roll = rig.sim.roll(udid)!
    expect(done.itemsSafe).toBe(expectedFromDcim(roll.dir, [{ manifest: roll }]).length)
  }, 90_000)

  it("Don't Trust: trust-denied, nothing imported, Back up now says why", async () => {
    rig.dirs = tempDirs('cradle-trust-')
    rig.sim = await startSimulator({ devices: [{ photos: { count: 3, seed: 62 }, battery: ON_CHARGER, trust: 'prompt' }] })
    const phone = rig.sim.devices[0]!
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    await waitForState(rig.engine, (s) => deviceOf(s, phone.udid)?.phase === 'needs-trust', 30_000, 'needs-trust')
    phone.denyTrust()
    const denied = await waitForState(rig.engine, (s) => {
      const d = deviceOf(s, phone.udid)
      return d?.phase === 'trust-denied' ? d : undefined
    }, 30_000, 'trust-denied')
    expect(denied.trust).toBe('denied')
    expect(denied.problem?.code).toBe('pairing-denied')
    const answer = await rig.engine.handle('backupNow', {})
    expect(answer.started).toBe(false)
    expect(answer.reason).toMatch(/Trust/)
    expect(rig.engine.current().queue.counts.all).toBe(0)
  }, 60_000)
})

describe('pause and resume', () => {
  it('pause stops mid-file and keeps its prefix; resume continues from it to a complete library', async () => {
    rig.dirs = tempDirs('cradle-pause-')
    // Few large files at 2 MB/s: a pause lands in the middle of one.
    rig.sim = await startSimulator({
      bandwidthMBps: 2,
      devices: [{ photos: { count: 6, seed: 63, photoBytes: 3_000_000, videoBytes: 12_000_000 }, battery: ON_CHARGER }],
    })
    const udid = rig.sim.devices[0]!.udid
    const roll = rig.sim.roll(udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    const downloads: DownloadCall[] = []
    // A paused session sleeps on its idle battery poll; the test clock holds that wait, so the
    // session being asleep on it is the barrier after which nothing can move until resume.
    const clock = new HeldClock((ms) => ms === BATTERY_POLL_MS)
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs, wrapPort: recordDownloads(downloads), clock })
    await waitForState(rig.engine, (s) => (deviceOf(s, udid)?.progress?.bytesDone ?? 0) > 2_000_000, 60_000, 'two megabytes in')

    await rig.engine.handle('pause', undefined)
    expect(rig.engine.current().paused).toBe(true)
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'paused', 10_000, 'paused')
    const reader = new Database(path.join(rig.dirs.dataDir, CATALOG_FILE), { readonly: true, fileMustExist: true })
    let kept: { path: string; staged_bytes: number }[]
    try {
      kept = reader.prepare<[], { path: string; staged_bytes: number }>("SELECT path, staged_bytes FROM device_files WHERE staged_bytes > 0 AND state = 'pending'").all()
    } finally {
      reader.close()
    }
    expect(kept.length).toBeGreaterThan(0)
    const doneAtPause = rig.engine.current().queue.counts.done
    const callsAtPause = downloads.length
    await clock.whenStarted(1) // the run has wound down and the paused session sleeps
    expect(clock.started).toBe(1)
    expect(rig.engine.current().queue.counts.done).toBe(doneAtPause)
    expect(downloads.length).toBe(callsAtPause)
    expect(deviceOf(rig.engine.current(), udid)?.phase).toBe('paused')

    await rig.engine.handle('resume', undefined)
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', 90_000, 'the import after resume')
    // Each file paused mid-way continued from its kept prefix.
    for (const k of kept) {
      const after = downloads.slice(callsAtPause).find((d) => d.path === k.path)
      expect(after?.offset, k.path).toBe(k.staged_bytes)
    }
    expect(await stopAndVerifyLibrary(rig, expected, { udid })).toEqual([])
  }, 150_000)
})
