/**
 * The import policy against the phone's own battery domain (lockdown com.apple.mobile.battery):
 * "import only while the phone is on external power" (default on) and "minimum battery level".
 * A phone that does not qualify waits in a visible phase with nothing imported, and starts by
 * itself once the phone reports what the policy asks; power lost mid-import stops the run after
 * the files in flight, and it continues when power is back.
 */
import { describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { Engine } from '../../../src/main/engine/engine.js'
import { startSimulator } from '../../../src/sim/index.js'
import { deviceOf, sleep, startTestEngine, engineTestRig, ON_CHARGER, tempDirs, waitForState } from '../../helpers/engine.js'
import { expectedFromDcim, stopAndVerifyLibrary } from '../../helpers/engine-roll.js'

const rig = engineTestRig()

/** The engine re-reads the battery every 10 s while it waits; allow for two polls on a busy machine. */
const GATE_POLL = 30_000

function assetCount(engine: Engine): number {
  return engine.current().queue.counts.done
}

describe('charging gate', () => {
  it('waits for external power, then for the battery minimum, then imports by itself', async () => {
    rig.dirs = tempDirs('cradle-power-')
    rig.sim = await startSimulator({ devices: [{ photos: { count: 15, seed: 41 }, battery: { level: 30, charging: false, externalPower: false } }] })
    const phone = rig.sim.devices[0]!
    const udid = phone.udid
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs, settings: { minBatteryPercent: 50 } })

    const waiting = await waitForState(rig.engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'waiting-power' ? d : undefined
    }, 30_000, 'waiting-power')
    expect(waiting.battery).toEqual({ level: 30, charging: false, externalPower: false })
    expect(waiting.trust).toBe('paired')
    await sleep(1_500)
    expect(deviceOf(rig.engine.current(), udid)?.phase).toBe('waiting-power')
    expect(assetCount(rig.engine)).toBe(0)
    expect(rig.engine.current().history).toEqual([])

    // Plugged into a charger: power is there, the battery (30 %) is still below the minimum (50 %).
    phone.setBattery({ charging: true, externalPower: true })
    const low = await waitForState(rig.engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'waiting-battery' ? d : undefined
    }, GATE_POLL, 'waiting-battery')
    expect(low.battery?.externalPower).toBe(true)
    expect(assetCount(rig.engine)).toBe(0)

    phone.setBattery({ level: 55 })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', GATE_POLL + 30_000, 'the import after the battery reached 55 %')
    const roll = rig.sim.roll(udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    expect(assetCount(rig.engine)).toBe(expected.length)
  }, 120_000)

  it('a lower minimum takes effect at once (settings change re-checks the gate)', async () => {
    rig.dirs = tempDirs('cradle-power-')
    rig.sim = await startSimulator({ devices: [{ photos: { count: 5, seed: 42 }, battery: { level: 30, charging: true, externalPower: true } }] })
    const udid = rig.sim.devices[0]!.udid
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs, settings: { minBatteryPercent: 50 } })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'waiting-battery', 30_000, 'waiting-battery')
    const t0 = Date.now()
    await rig.engine.handle('updateSettings', { minBatteryPercent: 20 })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', 30_000, 'the import')
    // Well within one 10 s battery poll: the settings change woke the session.
    expect(Date.now() - t0).toBeLessThan(8_000)
  }, 90_000)

  it('power lost mid-import stops after the files in flight; power back continues to the end', async () => {
    rig.dirs = tempDirs('cradle-power-')
    // ~24 MB at 1.5 MB/s: about 16 s of transfer, longer than one 10 s power check.
    rig.sim = await startSimulator({
      bandwidthMBps: 1.5,
      devices: [{ photos: { count: 16, seed: 43, photoBytes: 700_000, videoBytes: 3_000_000 }, battery: ON_CHARGER }],
    })
    const phone = rig.sim.devices[0]!
    const udid = phone.udid
    const roll = rig.sim.roll(udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'importing', 30_000, 'importing')
    phone.setBattery({ charging: false, externalPower: false })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'waiting-power', GATE_POLL, 'waiting-power mid-import')
    const stoppedAt = assetCount(rig.engine)
    expect(stoppedAt).toBeLessThan(expected.length)
    await sleep(2_000)
    expect(assetCount(rig.engine)).toBe(stoppedAt) // nothing more while unplugged from power
    phone.setBattery({ charging: true, externalPower: true })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', GATE_POLL + 60_000, 'the rest of the import')
    expect(await stopAndVerifyLibrary(rig, expected, { udid })).toEqual([])
  }, 150_000)
})
