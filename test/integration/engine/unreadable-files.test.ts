/**
 * Files the phone lists but will not give, each with the AFC status a real afcd has used, against
 * the virtual iPhone over a real socket: status 1 (UNKNOWN_ERROR, "additional hard links") and 10
 * (PERM_DENIED) on FileRefOpen, 4 (READ_ERROR) on the first read, 8 (OBJECT_NOT_FOUND) on open,
 * and 1 on GetFileInfo. None of them ends the run: the others are imported, the summary counts
 * "in iCloud only" (4, 8) apart from "couldn't read" (1, 10, the refused stat), the catalog keeps
 * the status, and the next connection imports those that became readable.
 * Then a phone that locks mid-backup with data protection: lockdown says it is locked, the run
 * pauses as "needs unlock" without marking the refused files failed, and goes on after unlock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { Engine } from '../../../src/main/engine/engine.js'
import { AfcStatus } from '../../../src/main/device/afc/status.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import type { UnreadableRule } from '../../../src/sim/afc/unreadable.js'
import type { HistoryEntry } from '../../../src/shared/state.js'
import { deviceOf, engineTestRig, ON_CHARGER, openLibrary, startTestEngine, tempDirs, waitForState, type TempDirs } from '../../helpers/engine.js'
import { expectedFromDcim, stopAndVerifyLibrary, verifyLibrary, type ExpectedFile } from '../../helpers/engine-roll.js'

describe('files the phone refuses, each with its own AFC status', () => {
  let sim: Simulator
  let dirs: TempDirs
  let engine: Engine | undefined
  let expected: ExpectedFile[]
  let udid: string
  /** Device paths by what the phone answers for them on the first connection. */
  let hardLinks: string, permDenied: string, readError: string, notFound: string, statRefused: string

  beforeAll(async () => {
    dirs = tempDirs('cradle-refused-')
    sim = await startSimulator({ devices: [{ photos: { count: 24, seed: 81 }, battery: ON_CHARGER }] })
    udid = sim.devices[0]!.udid
    const roll = sim.roll(udid)!
    expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    // Five files of five different items, none empty.
    const picks: ExpectedFile[] = []
    for (const f of expected) if (f.size > 0 && !picks.some((p) => p.itemKey === f.itemKey) && picks.length < 5) picks.push(f)
    ;[hardLinks, permDenied, readError, notFound, statRefused] = picks.map((f) => f.devicePath) as [string, string, string, string, string]
    sim.devices[0]!.setUnreadable({ files: rules([hardLinks, permDenied, readError, notFound, statRefused]) })
  }, 120_000)

  afterAll(async () => {
    await engine?.stop()
    await sim?.close()
    dirs?.cleanup()
  })

  /** The first connection's answers, for those of `paths` still refused. */
  function rules(paths: string[]): Record<string, UnreadableRule> {
    const all: Record<string, UnreadableRule> = {
      [hardLinks]: { failOn: 'open', status: AfcStatus.UNKNOWN_ERROR },
      [permDenied]: { failOn: 'open', status: AfcStatus.PERM_DENIED },
      [readError]: { failOn: 'read', status: AfcStatus.READ_ERROR },
      [notFound]: { failOn: 'open', status: AfcStatus.OBJECT_NOT_FOUND },
      [statRefused]: { failOn: 'stat', status: AfcStatus.UNKNOWN_ERROR },
    }
    return Object.fromEntries(paths.map((p) => [p, all[p]!]))
  }

  const historyFor = (entries: HistoryEntry[]): HistoryEntry[] => entries.filter((h) => h.kind === 'import' && h.udid === udid)

  async function replugForNextImport(what: string): Promise<HistoryEntry> {
    const phone = sim.devices[0]!
    const before = historyFor(engine!.current().history).length
    phone.detach()
    await waitForState(engine!, (s) => !deviceOf(s, udid), 10_000, 'the detach')
    phone.attach()
    return waitForState(engine!, (s) => {
      const h = historyFor(s.history)
      return h.length > before ? h[0] : undefined
    }, 60_000, what)
  }

  it('goes on past every refused file, imports all the others, and counts iCloud-only apart from "couldn\'t read"', async () => {
    engine = await startTestEngine({ muxAddress: sim.address, dirs })
    const finished = await waitForState(engine, (s) => historyFor(s.history)[0] && s, 90_000, 'the first import')
    const entry = historyFor(finished.history)[0]!
    expect(entry.error).toBeNull()
    expect(entry).toMatchObject({ imported: expected.length - 5, unavailable: 2, unreadable: 3, failed: 0 })

    const device = await waitForState(engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'done' ? d : undefined
    })
    expect(device).toMatchObject({ itemsOnPhone: expected.length, itemsSafe: expected.length - 5, itemsNotOnPhone: 2, itemsUnreadable: 3, problem: null })
    expect(engine.current().queue.counts).toMatchObject({ notOnPhone: 2, failed: 2 })

    const lib = openLibrary(dirs)
    try {
      const refused = new Set([hardLinks, permDenied, statRefused])
      expect(verifyLibrary(lib, expected.filter((f) => !refused.has(f.devicePath)), { udid, unreadable: new Set([readError, notFound]) })).toEqual([])
      const row = lib.db.prepare<[string, string], { state: string; error_code: string; error_detail: string }>('SELECT state, error_code, error_detail FROM device_files WHERE udid = ? AND path = ? AND present = 1')
      expect(row.get(udid, hardLinks)).toEqual({ state: 'failed', error_code: 'file-unreadable', error_detail: `AFC FileRefOpen ${hardLinks}: UNKNOWN_ERROR (status 1)` })
      expect(row.get(udid, permDenied)).toEqual({ state: 'failed', error_code: 'file-unreadable', error_detail: `AFC FileRefOpen ${permDenied}: PERM_DENIED (status 10)` })
      expect(row.get(udid, readError)).toMatchObject({ state: 'not-on-phone', error_code: 'file-not-on-device', error_detail: expect.stringContaining('READ_ERROR (status 4)') })
      expect(row.get(udid, notFound)).toMatchObject({ state: 'not-on-phone', error_code: 'file-not-on-device', error_detail: expect.stringContaining('OBJECT_NOT_FOUND (status 8)') })
      expect(row.get(udid, statRefused)).toBeUndefined() // never statted: the run counted it, the next scan stats it again
    } finally {
      lib.close()
    }
  }, 120_000)

  it('the next connection tries them again and imports those that became readable', async () => {
    sim.devices[0]!.setUnreadable({ files: rules([permDenied, notFound, statRefused]) })
    const entry = await replugForNextImport('the second import')
    expect(entry.error).toBeNull()
    expect(entry).toMatchObject({ imported: 2, unavailable: 1, unreadable: 2, failed: 0 })
  }, 90_000)

  it('once the phone gives every file, the third connection imports the rest and all is safe', async () => {
    sim.devices[0]!.setUnreadable({})
    const entry = await replugForNextImport('the third import')
    expect(entry).toMatchObject({ error: null, imported: 3, unavailable: 0, unreadable: 0, failed: 0 })
    const device = await waitForState(engine!, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'done' ? d : undefined
    })
    expect(device).toMatchObject({ itemsOnPhone: expected.length, itemsSafe: expected.length, itemsNotOnPhone: 0, itemsUnreadable: 0 })
    await engine!.stop()
    engine = undefined
    const lib = openLibrary(dirs)
    try {
      expect(verifyLibrary(lib, expected, { udid })).toEqual([])
    } finally {
      lib.close()
    }
  }, 90_000)
})

describe('a phone that locks mid-backup with data protection', () => {
  const rig = engineTestRig()

  it('pauses as "needs unlock" (lockdown says locked) without marking files failed, and goes on after unlock', async () => {
    rig.dirs = tempDirs('cradle-locks-')
    rig.sim = await startSimulator({
      bandwidthMBps: 4,
      devices: [{ photos: { count: 30, seed: 82, photoBytes: 400_000, videoBytes: 1_500_000 }, battery: ON_CHARGER, dataProtection: true }],
    })
    const phone = rig.sim.devices[0]!
    const udid = phone.udid
    const roll = rig.sim.roll(udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    await waitForState(rig.engine, (s) => (deviceOf(s, udid)?.progress?.itemsDone ?? 0) >= 3, 60_000, 'a few files imported')
    phone.lock()
    const waiting = await waitForState(rig.engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'needs-unlock' ? d : undefined
    }, 60_000, 'needs-unlock')
    expect(waiting.problem?.code).toBe('device-locked')
    expect(waiting.itemsSafe).toBeLessThan(expected.length)
    const state = rig.engine.current()
    // The files it refused while locked are not "failed" or "in iCloud": they wait for the unlock.
    expect(state.queue.counts).toMatchObject({ failed: 0, notOnPhone: 0 })
    expect(waiting).toMatchObject({ itemsUnreadable: 0, itemsNotOnPhone: 0 })
    expect(state.history.find((h) => h.udid === udid)?.error?.code).toBe('device-locked')

    phone.unlock()
    const done = await waitForState(rig.engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'done' ? d : undefined
    }, 90_000, 'the backup after unlock')
    expect(done).toMatchObject({ itemsSafe: expected.length, itemsUnreadable: 0, itemsNotOnPhone: 0, problem: null })
    expect(await stopAndVerifyLibrary(rig, expected, { udid })).toEqual([])
  }, 180_000)
})
