/**
 * The user in the loop: a phone that shows the "Trust This Computer?" dialog (the engine says
 * needs-trust and imports nothing until the user taps Trust), and Pause / Resume in the middle of
 * a transfer (the file in flight keeps its prefix and continues from it).
 */
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { Engine } from '../../../src/main/engine/engine.js'
import { CATALOG_FILE } from '../../../src/main/library/library.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import { deviceOf, openLibrary, recordDownloads, sleep, startTestEngine, tempDirs, waitForState, type DownloadCall, type TempDirs } from '../../helpers/engine.js'
import { expectedFromDcim, verifyLibrary } from '../../helpers/engine-roll.js'

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

describe('Trust prompt', () => {
  it('shows needs-trust and imports nothing until the user taps Trust, then imports', async () => {
    dirs = tempDirs('cradle-trust-')
    sim = await startSimulator({ devices: [{ photos: { count: 8, seed: 61 }, battery: power, trust: 'prompt' }] })
    const phone = sim.devices[0]!
    const udid = phone.udid
    engine = await startTestEngine({ muxAddress: sim.address, dirs })
    const asking = await waitForState(engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'needs-trust' ? d : undefined
    }, 30_000, 'needs-trust')
    expect(asking.trust).toBe('pending')
    await sleep(1_500)
    expect(deviceOf(engine.current(), udid)?.phase).toBe('needs-trust')
    expect(engine.current().queue.counts.all).toBe(0)
    expect(sim.pairRecords.has(udid)).toBe(false)

    phone.acceptTrust()
    const done = await waitForState(engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'done' ? d : undefined
    }, 45_000, 'the import after Trust')
    expect(done.trust).toBe('paired')
    expect(sim.pairRecords.has(udid)).toBe(true)
    const roll = sim.roll(udid)!
    expect(done.itemsSafe).toBe(expectedFromDcim(roll.dir, [{ manifest: roll }]).length)
  }, 90_000)

  it("Don't Trust: trust-denied, nothing imported, Back up now says why", async () => {
    dirs = tempDirs('cradle-trust-')
    sim = await startSimulator({ devices: [{ photos: { count: 3, seed: 62 }, battery: power, trust: 'prompt' }] })
    const phone = sim.devices[0]!
    engine = await startTestEngine({ muxAddress: sim.address, dirs })
    await waitForState(engine, (s) => deviceOf(s, phone.udid)?.phase === 'needs-trust', 30_000, 'needs-trust')
    phone.denyTrust()
    const denied = await waitForState(engine, (s) => {
      const d = deviceOf(s, phone.udid)
      return d?.phase === 'trust-denied' ? d : undefined
    }, 30_000, 'trust-denied')
    expect(denied.trust).toBe('denied')
    expect(denied.problem?.code).toBe('pairing-denied')
    const answer = await engine.handle('backupNow', {})
    expect(answer.started).toBe(false)
    expect(answer.reason).toMatch(/Trust/)
    expect(engine.current().queue.counts.all).toBe(0)
  }, 60_000)
})

describe('pause and resume', () => {
  it('pause stops mid-file and keeps its prefix; resume continues from it to a complete library', async () => {
    dirs = tempDirs('cradle-pause-')
    // Few large files at 2 MB/s: a pause lands in the middle of one.
    sim = await startSimulator({
      bandwidthMBps: 2,
      devices: [{ photos: { count: 6, seed: 63, photoBytes: 3_000_000, videoBytes: 12_000_000 }, battery: power }],
    })
    const udid = sim.devices[0]!.udid
    const roll = sim.roll(udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    const downloads: DownloadCall[] = []
    engine = await startTestEngine({ muxAddress: sim.address, dirs, wrapPort: recordDownloads(downloads) })
    await waitForState(engine, (s) => (deviceOf(s, udid)?.progress?.bytesDone ?? 0) > 2_000_000, 60_000, 'two megabytes in')

    await engine.handle('pause', undefined)
    expect(engine.current().paused).toBe(true)
    await waitForState(engine, (s) => deviceOf(s, udid)?.phase === 'paused', 10_000, 'paused')
    const reader = new Database(path.join(dirs.dataDir, CATALOG_FILE), { readonly: true, fileMustExist: true })
    let kept: { path: string; staged_bytes: number }[]
    try {
      kept = reader.prepare<[], { path: string; staged_bytes: number }>("SELECT path, staged_bytes FROM device_files WHERE staged_bytes > 0 AND state = 'pending'").all()
    } finally {
      reader.close()
    }
    expect(kept.length).toBeGreaterThan(0)
    const doneAtPause = engine.current().queue.counts.done
    const callsAtPause = downloads.length
    await sleep(2_000)
    expect(engine.current().queue.counts.done).toBe(doneAtPause)
    expect(downloads.length).toBe(callsAtPause)
    expect(deviceOf(engine.current(), udid)?.phase).toBe('paused')

    await engine.handle('resume', undefined)
    await waitForState(engine, (s) => deviceOf(s, udid)?.phase === 'done', 90_000, 'the import after resume')
    // Each file paused mid-way continued from its kept prefix.
    for (const k of kept) {
      const after = downloads.slice(callsAtPause).find((d) => d.path === k.path)
      expect(after?.offset, k.path).toBe(k.staged_bytes)
    }
    await engine.stop()
    engine = undefined
    const lib = openLibrary(dirs)
    try {
      expect(verifyLibrary(lib, expected, { udid })).toEqual([])
    } finally {
      lib.close()
    }
  }, 150_000)
})
