/**
 * The import policy against the phone's own battery domain (lockdown com.apple.mobile.battery):
 * "import only while the phone is on external power" (default on) and "minimum battery level".
 * A phone that does not qualify waits in a visible phase with nothing imported, and starts by
 * itself once the phone reports what the policy asks; power lost mid-import stops the run after
 * the files in flight, and it continues when power is back.
 *
 * The session's 10 s gate re-check runs on a test clock that holds it: it ends only when the
 * test releases it (the check falls due) or something pokes the session. Waiting for the session
 * to be asleep on it is the barrier that says the gate was evaluated, instead of a sleep.
 */
import { describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { Engine } from '../../../src/main/engine/engine.js'
import { POWER_CHECK_MS } from '../../../src/main/engine/phone-session.js'
import { HeldClock } from '../../fakes/fake-clock.js'
import { startSimulator } from '../../../src/sim/index.js'
import { deviceOf, startTestEngine, engineTestRig, ON_CHARGER, tempDirs, waitForState } from '../../helpers/engine.js'
import { expectedFromDcim, stopAndVerifyLibrary } from '../../helpers/engine-roll.js'

const rig = engineTestRig()

/** The in-run power check (every 10 s of monotonic time during an import) is real: allow for two on a busy machine. */
const GATE_POLL = 30_000

const heldGate = (): HeldClock => new HeldClock((ms) => ms === POWER_CHECK_MS)

/** Photos and videos in the library, as the queue counts them (a Live Photo's two files are one). */
function photosDone(engine: Engine): number {
  return engine.current().queue.counts.done
}

describe('charging gate', () => {
  it('waits for external power, then for the battery minimum, then imports by itself', async () => {
    rig.dirs = tempDirs('cradle-power-')
    rig.sim = await startSimulator({ devices: [{ photos: { count: 15, seed: 41 }, battery: { level: 30, charging: false, externalPower: false } }] })
    const phone = rig.sim.devices[0]!
    const udid = phone.udid
    const clock = heldGate()
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs, settings: { minBatteryPercent: 50 }, clock })

    const waiting = await waitForState(rig.engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'waiting-power' ? d : undefined
    }, 30_000, 'waiting-power')
    expect(waiting.battery).toEqual({ level: 30, charging: false, externalPower: false })
    expect(waiting.trust).toBe('paired')
    await clock.whenStarted(1) // the session evaluated the gate and sleeps until the next check
    expect(deviceOf(rig.engine.current(), udid)?.phase).toBe('waiting-power')
    expect(photosDone(rig.engine)).toBe(0)
    expect(rig.engine.current().history).toEqual([])

    // Plugged into a charger: power is there, the battery (30 %) is still below the minimum (50 %).
    phone.setBattery({ charging: true, externalPower: true })
    clock.release() // the next check falls due
    const low = await waitForState(rig.engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'waiting-battery' ? d : undefined
    }, 30_000, 'waiting-battery')
    expect(low.battery?.externalPower).toBe(true)
    await clock.whenStarted(2) // asleep again, on the battery minimum this time
    expect(photosDone(rig.engine)).toBe(0)

    phone.setBattery({ level: 55 })
    clock.release()
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', 60_000, 'the import after the battery reached 55 %')
    const roll = rig.sim.roll(udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    // Every file came in, and the queue counts them as the photos and videos they are.
    expect(rig.engine.current().history.map((h) => h.imported)).toEqual([expected.length])
    expect(photosDone(rig.engine)).toBe(deviceOf(rig.engine.current(), udid)!.photos!.onPhone)
    expect(photosDone(rig.engine)).toBeGreaterThan(0)
  }, 120_000)

  it('a lower minimum takes effect at once (settings change re-checks the gate)', async () => {
    rig.dirs = tempDirs('cradle-power-')
    rig.sim = await startSimulator({ devices: [{ photos: { count: 5, seed: 42 }, battery: { level: 30, charging: true, externalPower: true } }] })
    const udid = rig.sim.devices[0]!.udid
    const clock = heldGate()
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs, settings: { minBatteryPercent: 50 }, clock })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'waiting-battery', 30_000, 'waiting-battery')
    await clock.whenStarted(1) // asleep on a check that never falls due by itself here
    await rig.engine.handle('updateSettings', { minBatteryPercent: 20 })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', 60_000, 'the import')
    // Only the settings change could have ended that wait: it woke the session.
    expect(clock.woken).toBe(1)
    expect(clock.held).toBe(0)
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
    const clock = heldGate()
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs, clock })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'importing', 30_000, 'importing')
    phone.setBattery({ charging: false, externalPower: false })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'waiting-power', GATE_POLL, 'waiting-power mid-import')
    const stoppedAt = photosDone(rig.engine)
    expect(stoppedAt).toBeLessThan(expected.length)
    await clock.whenStarted(1) // the run has ended (files in flight written) and the session waits
    expect(photosDone(rig.engine)).toBe(stoppedAt) // nothing more while unplugged from power
    expect(deviceOf(rig.engine.current(), udid)?.phase).toBe('waiting-power')
    phone.setBattery({ charging: true, externalPower: true })
    clock.release()
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', GATE_POLL + 60_000, 'the rest of the import')
    expect(await stopAndVerifyLibrary(rig, expected, { udid })).toEqual([])
  }, 150_000)
})
