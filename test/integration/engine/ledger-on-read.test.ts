/**
 * The safety ledger reads the whole catalog, so the engine computes it only when a snapshot's
 * `safety` is read (the window, the tray, serve's clients): a `backup --once`, which prints only its
 * own counts, never pays for it. What is read is still the real ledger.
 */
import { describe, expect, it, vi } from 'vitest'
import '../../fakes/quiet-logs.js'
import * as ledger from '../../../src/main/engine/safety-ledger.js'
import { startSimulator } from '../../../src/sim/index.js'
import { deviceOf, engineTestRig, ON_CHARGER, startTestEngine, tempDirs, waitForState } from '../../helpers/engine.js'

vi.mock('../../../src/main/engine/safety-ledger.js', async (importOriginal) => {
  const real = await importOriginal<typeof ledger>()
  return { ...real, safetyLedger: vi.fn(real.safetyLedger) }
})

const rig = engineTestRig()

describe('the safety ledger in the engine', () => {
  it('is computed only when a snapshot\'s safety is read', async () => {
    rig.sim = await startSimulator({ devices: [{ photos: { count: 4, seed: 3 }, battery: ON_CHARGER }] })
    const udid = rig.sim.devices[0]!.udid
    rig.dirs = tempDirs()
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', 90_000, 'the import')
    const state = rig.engine.current()
    const late = rig.engine.current()
    expect(state.devices.map((d) => d.udid)).toEqual([udid])
    expect(vi.mocked(ledger.safetyLedger)).not.toHaveBeenCalled() // a whole backup, many snapshots, no ledger

    const items = state.safety.total.items
    expect(vi.mocked(ledger.safetyLedger)).toHaveBeenCalled()
    expect(items).toBeGreaterThan(0)
    expect(state.safety.phones.map((p) => p.udid)).toEqual([udid])
    // what a client receives is the same ledger
    expect((JSON.parse(JSON.stringify(state)) as typeof state).safety).toEqual(state.safety)
    const engine = rig.engine
    await engine.stop()
    rig.engine = undefined
    expect(late.safety).toEqual(state.safety) // read after stop: the last one computed, no closed catalog read
  })
})
