/**
 * lockdownd closes an idle connection (real phones: after about a minute); the engine's next
 * request opens a new session, and that TLS handshake may die on a flaky cable. That is a
 * connection problem: like a lost connection, the engine reconnects at once (with backoff) and
 * keeps the pair record, instead of leaving the phone in "error" until its next retry (15 s) or,
 * under `backup --once`, giving up; and it never deletes the record and pairs again.
 */
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { startSimulator } from '../../../src/sim/index.js'
import { deviceOf, engineTestRig, ON_CHARGER, startTestEngine, tempDirs, waitForState } from '../../helpers/engine.js'

const rig = engineTestRig()

describe('a TLS handshake that dies on a mid-run reconnect', () => {
  it('is retried as a lost connection: reconnects, the record kept, no new pairing', async () => {
    rig.dirs = tempDirs('cradle-midrun-tls-')
    rig.sim = await startSimulator({ devices: [{ photos: { count: 4, seed: 71 }, battery: ON_CHARGER }] })
    const phone = rig.sim.devices[0]!
    const udid = phone.udid
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', 60_000, 'the first backup')
    const record = rig.sim.pairRecords.get(udid)
    const pairsBefore = phone.lockdownRequests.get('Pair') ?? 0

    // The phone closes the idle lockdown connection, and the next handshake on this cable dies.
    const closed = once(phone.events, 'lockdown-idle-close')
    phone.setLockdownIdleClose(1)
    await closed
    phone.setLockdownIdleClose(0)
    phone.setTls({ dropHandshakes: 1 })

    // connectDevice opens with QueryType; re-using the old link (waiting out the 15 s retry) does not.
    const connectsBefore = phone.lockdownRequests.get('QueryType') ?? 0
    const answer = await rig.engine.handle('backupNow', { udid })
    expect(answer.started).toBe(true)
    await waitForState(rig.engine, () => phone.tls.counters.dropped === 1 && (phone.lockdownRequests.get('QueryType') ?? 0) > connectsBefore, 60_000, 'the dropped handshake, then a reconnect')
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', 60_000, 'the backup after the reconnect')
    expect(phone.lockdownRequests.get('Pair') ?? 0).toBe(pairsBefore)
    expect(rig.sim.pairRecords.get(udid)).toEqual(record)
  }, 120_000)
})
