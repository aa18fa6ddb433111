/**
 * A wall clock set back mid-import (NTP stepping a clock that ran fast, a user, a dead RTC battery
 * on a home server) must not switch off the engine's "is the phone still charging?" check. The
 * engine asks the phone's battery at most every few seconds of *elapsed* time; measured on the wall
 * clock, setting it back a day meant "not yet" for a day, and the import ran on while the phone
 * was off the charger. The test clock sets the wall back a day and lets a minute of elapsed time
 * pass at the same moment, then takes the phone off power: the run must stop and wait for power.
 */
import { describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { systemClock, type Clock } from '../../../src/main/engine/ports.js'
import { startSimulator } from '../../../src/sim/index.js'
import { deviceOf, engineTestRig, ON_CHARGER, startTestEngine, tempDirs, waitForState } from '../../helpers/engine.js'

const rig = engineTestRig()
const DAY = 86_400_000

/** The real clock, plus a wall-clock jump and an elapsed-time skip the test sets. */
function jumpingClock(): Clock & { jump(wallMs: number, elapsedMs: number): void } {
  let wallShift = 0
  let elapsedShift = 0
  return {
    now: () => systemClock.now() + wallShift,
    monotonic: () => systemClock.monotonic() + elapsedShift,
    sleep: (ms, signal) => systemClock.sleep(ms, signal),
    jump(wallMs, elapsedMs) {
      wallShift += wallMs
      elapsedShift += elapsedMs
    },
  }
}

describe('a wall clock set back during an import', () => {
  it('still stops the run when the phone leaves the charger', async () => {
    rig.dirs = tempDirs('cradle-clock-')
    // Slow enough that the import is still running when the phone leaves the charger.
    rig.sim = await startSimulator({ bandwidthMBps: 2, devices: [{ photos: { count: 40, seed: 8, photoBytes: 400_000 }, battery: ON_CHARGER }] })
    const phone = rig.sim.devices[0]!
    const clock = jumpingClock()
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs, clock })
    const engine = rig.engine
    await waitForState(engine, (s) => (engine.current().queue.counts.done >= 2 ? s : undefined), 60_000, 'the first files')
    clock.jump(-DAY, 60_000)
    phone.setBattery({ charging: false, externalPower: false })
    const device = await waitForState(engine, (s) => {
      const d = deviceOf(s, phone.udid)
      return d && (d.phase === 'waiting-power' || d.phase === 'done') ? d : undefined
    }, 60_000, 'the run to stop or end')
    expect(device.phase).toBe('waiting-power')
    expect(device.itemsOnPhone).toEqual(expect.any(Number))
    expect(device.itemsSafe ?? 0).toBeLessThan(device.itemsOnPhone!)
  })
})
