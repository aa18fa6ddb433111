/**
 * The import policy against the phone's own battery domain (lockdown com.apple.mobile.battery):
 * "import only while the phone is on external power" (default on) and "minimum battery level".
 * A phone that does not qualify waits in a visible phase with nothing imported, and starts by
 * itself once the phone reports what the policy asks; power lost mid-import stops the run after
 * the files in flight, and it continues when power is back.
 */
import { afterEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { Engine } from '../../../src/main/engine/engine.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import { deviceOf, openLibrary, sleep, startTestEngine, tempDirs, waitForState, type TempDirs } from '../../helpers/engine.js'
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

/** The engine re-reads the battery every 10 s while it waits; allow for two polls on a busy machine. */
const GATE_POLL = 30_000

function assetCount(engine: Engine): number {
  return engine.current().queue.counts.done
}

describe('charging gate', () => {
  it('waits for external power, then for the battery minimum, then imports by itself', async () => {
    dirs = tempDirs('cradle-power-')
    sim = await startSimulator({ devices: [{ photos: { count: 15, seed: 41 }, battery: { level: 30, charging: false, externalPower: false } }] })
    const phone = sim.devices[0]!
    const udid = phone.udid
    engine = await startTestEngine({ muxAddress: sim.address, dirs, settings: { minBatteryPercent: 50 } })

    const waiting = await waitForState(engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'waiting-power' ? d : undefined
    }, 30_000, 'waiting-power')
    expect(waiting.battery).toEqual({ level: 30, charging: false, externalPower: false })
    expect(waiting.trust).toBe('paired')
    await sleep(1_500)
    expect(deviceOf(engine.current(), udid)?.phase).toBe('waiting-power')
    expect(assetCount(engine)).toBe(0)
    expect(engine.current().history).toEqual([])

    // Plugged into a charger: power is there, the battery (30 %) is still below the minimum (50 %).
    phone.setBattery({ charging: true, externalPower: true })
    const low = await waitForState(engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'waiting-battery' ? d : undefined
    }, GATE_POLL, 'waiting-battery')
    expect(low.battery?.externalPower).toBe(true)
    expect(assetCount(engine)).toBe(0)

    phone.setBattery({ level: 55 })
    await waitForState(engine, (s) => deviceOf(s, udid)?.phase === 'done', GATE_POLL + 30_000, 'the import after the battery reached 55 %')
    const roll = sim.roll(udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    expect(assetCount(engine)).toBe(expected.length)
  }, 120_000)

  it('a lower minimum takes effect at once (settings change re-checks the gate)', async () => {
    dirs = tempDirs('cradle-power-')
    sim = await startSimulator({ devices: [{ photos: { count: 5, seed: 42 }, battery: { level: 30, charging: true, externalPower: true } }] })
    const udid = sim.devices[0]!.udid
    engine = await startTestEngine({ muxAddress: sim.address, dirs, settings: { minBatteryPercent: 50 } })
    await waitForState(engine, (s) => deviceOf(s, udid)?.phase === 'waiting-battery', 30_000, 'waiting-battery')
    const t0 = Date.now()
    await engine.handle('updateSettings', { minBatteryPercent: 20 })
    await waitForState(engine, (s) => deviceOf(s, udid)?.phase === 'done', 30_000, 'the import')
    // Well within one 10 s battery poll: the settings change woke the session.
    expect(Date.now() - t0).toBeLessThan(8_000)
  }, 90_000)

  it('power lost mid-import stops after the files in flight; power back continues to the end', async () => {
    dirs = tempDirs('cradle-power-')
    // ~24 MB at 1.5 MB/s: about 16 s of transfer, longer than one 10 s power check.
    sim = await startSimulator({
      bandwidthMBps: 1.5,
      devices: [{ photos: { count: 16, seed: 43, photoBytes: 700_000, videoBytes: 3_000_000 }, battery: { level: 70, charging: true, externalPower: true } }],
    })
    const phone = sim.devices[0]!
    const udid = phone.udid
    const roll = sim.roll(udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    engine = await startTestEngine({ muxAddress: sim.address, dirs })
    await waitForState(engine, (s) => deviceOf(s, udid)?.phase === 'importing', 30_000, 'importing')
    phone.setBattery({ charging: false, externalPower: false })
    await waitForState(engine, (s) => deviceOf(s, udid)?.phase === 'waiting-power', GATE_POLL, 'waiting-power mid-import')
    const stoppedAt = assetCount(engine)
    expect(stoppedAt).toBeLessThan(expected.length)
    await sleep(2_000)
    expect(assetCount(engine)).toBe(stoppedAt) // nothing more while unplugged from power
    phone.setBattery({ charging: true, externalPower: true })
    await waitForState(engine, (s) => deviceOf(s, udid)?.phase === 'done', GATE_POLL + 60_000, 'the rest of the import')
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
