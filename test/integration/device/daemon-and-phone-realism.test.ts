/**
 * Our client against the simulator's unkind switches for what real daemons and phones do
 * (issue 12, items 5–7 and the realism switches): usbmuxd pairing the phone by itself,
 * the three daemons' "no pair record" answers, dashed and bare serials, lockdownd closing idle
 * connections and answering stale ones with InvalidConnection/SessionInactive, and a phone that
 * hides most values without a session.
 */
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { connectDevice, MuxClient, type DeviceSession, type TrustState } from '../../../src/main/device/index.js'
import { parsePairRecord, type PairRecord } from '../../../src/main/device/lockdown/pair-record.js'
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../src/sim/index.js'

let sim: Simulator | undefined
let session: DeviceSession | undefined
afterEach(async () => {
  await session?.close()
  session = undefined
  await sim?.close()
  sim = undefined
})

async function start(options: SimulatorOptions): Promise<{ sim: Simulator; mux: MuxClient }> {
  sim = await startSimulator(options)
  return { sim, mux: new MuxClient({ address: sim.address }) }
}

describe('usbmuxd pairs the phone by itself (preflight)', () => {
  it('while Cradle waits for Trust, it takes the daemon\'s record: one pairing, one Trust dialog', async () => {
    const { sim, mux } = await start({ preflight: true, devices: [{ trust: 'prompt', attached: false }] })
    const phone = sim.devices[0]!
    const daemonWaiting = once(phone.events, 'preflight-waiting')
    const daemonPaired = once(phone.events, 'preflight-paired') as Promise<[PairRecord]>
    phone.attach()
    await daemonWaiting
    let cradleWaiting!: () => void
    const cradleWaits = new Promise<void>((resolve) => (cradleWaiting = resolve))
    const states: TrustState[] = []
    const connecting = connectDevice(mux, phone.udid, {
      pairPollMs: 20,
      pairTimeoutMs: 5_000, // only ends the test if the fix is missing (Cradle would wait on a second dialog)
      onTrustState: (s) => {
        states.push(s)
        if (s === 'waiting-for-trust') cradleWaiting()
      },
    })
    await cradleWaits
    phone.acceptTrust() // the user taps Trust once
    const [daemonRecord] = await daemonPaired
    session = await connecting
    expect(session.record.HostID).toBe(daemonRecord.HostID)
    expect(phone.trustedHosts.size).toBe(1)
    expect(phone.trust.dialogsShown).toBe(1)
    expect(sim.pairRecords.size).toBe(1)
    expect(parsePairRecord(sim.pairRecords.get(phone.udid)!).HostID).toBe(daemonRecord.HostID)
    expect(states).toEqual(['checking', 'waiting-for-trust', 'paired'])
    expect((await session.battery()).level).toBe(80)
  })

  it('finds the record the daemon stored under its own serial, dashed or bare, and never pairs a second time', async () => {
    for (const dashedSerial of [false, true]) {
      const { sim, mux } = await start({ preflight: true, dashedSerial, devices: [{ trust: 'auto', attached: false }] })
      const phone = sim.devices[0]!
      const daemonPaired = once(phone.events, 'preflight-paired') as Promise<[PairRecord]>
      phone.attach()
      const [daemonRecord] = await daemonPaired
      const [listed] = await mux.listDevices()
      expect(listed!.properties.SerialNumber).toBe(dashedSerial ? phone.udid : phone.udid.replace('-', ''))
      expect(listed!.udid).toBe(phone.udid) // the client matches both spellings to one UDID
      session = await connectDevice(mux, phone.udid)
      expect(session.record.HostID).toBe(daemonRecord.HostID)
      expect(phone.trustedHosts.size).toBe(1)
      expect(sim.pairRecords.size).toBe(1)
      await session.close()
      session = undefined
      await sim.close()
    }
  })
})

describe('"no pair record" as each daemon says it', () => {
  for (const muxFlavour of ['linux', 'macos', 'windows'] as const) {
    it(`${muxFlavour}: an unpaired phone gets paired, and the record is used next time`, async () => {
      const { sim, mux } = await start({ muxFlavour, devices: [{ trust: 'auto' }] })
      const phone = sim.devices[0]!
      const states: TrustState[] = []
      session = await connectDevice(mux, phone.udid, { onTrustState: (s) => states.push(s) })
      expect(states).toEqual(['checking', 'paired'])
      expect(phone.trustedHosts.size).toBe(1)
      const hostId = session.record.HostID
      await session.close()
      session = await connectDevice(mux, phone.udid)
      expect(session.record.HostID).toBe(hostId)
      expect(phone.trustedHosts.size).toBe(1)
    })
  }
})

describe('stale lockdown connections are reopened, not reported as an unplug', () => {
  async function paired(): Promise<{ sim: Simulator; mux: MuxClient }> {
    const started = await start({ devices: [{ trust: 'auto', photos: { count: 3, seed: 2 } }] })
    session = await connectDevice(started.mux, started.sim.devices[0]!.udid)
    return started
  }

  it('lockdownd closed the idle connection: battery, values and AFC still work', async () => {
    const { sim } = await paired()
    const phone = sim.devices[0]!
    /** lockdownd hangs up on the idle session; the next request goes out before the client has seen the EOF. */
    const idleClose = async (): Promise<void> => {
      const closed = once(phone.events, 'lockdown-idle-close')
      phone.setLockdownIdleClose(5)
      await closed
      phone.setLockdownIdleClose(0)
    }
    await idleClose()
    expect((await session!.battery()).level).toBe(80)
    await idleClose()
    expect(await session!.getValue('DeviceName')).toBe('iPhone')
    await idleClose()
    const afc = await session!.openAfc()
    expect((await afc.listDir('/DCIM')).length).toBeGreaterThan(0)
    afc.close()
  })

  it('SessionInactive and InvalidConnection: a new connection and session, once', async () => {
    const { sim } = await paired()
    const phone = sim.devices[0]!
    phone.makeLockdownStale('SessionInactive')
    expect((await session!.diskUsage()).totalDiskCapacity).toBe(128_000_000_000)
    phone.makeLockdownStale('InvalidConnection')
    expect(await session!.getValue('ProductVersion')).toBe('17.5.1')
    phone.makeLockdownStale('SessionInactive')
    const afc = await session!.openAfc()
    afc.close()
  })

  it('a phone that really went away is still an unplug', async () => {
    const { sim } = await paired()
    sim.devices[0]!.detach()
    await expect(session!.battery()).rejects.toMatchObject({ code: expect.stringMatching(/^device-(unplugged|not-found)$/) })
  })
})

describe('a phone that hides values without a session', () => {
  it('unpaired: Cradle can still name it; paired: the info is complete', async () => {
    const { sim, mux } = await start({ devices: [{ name: 'Ann’s iPhone', trust: 'auto', hideValuesWithoutSession: true }] })
    const phone = sim.devices[0]!
    await expect(connectDevice(mux, phone.udid, { pair: false })).rejects.toMatchObject({ code: 'pairing-pending', context: { deviceName: 'Ann’s iPhone' } })
    session = await connectDevice(mux, phone.udid)
    expect(session.info).toMatchObject({ udid: phone.udid, name: 'Ann’s iPhone', productVersion: '17.5.1', model: 'iPhone 13' })
    expect(await session.getValue('SerialNumber')).toBe(phone.identity.serialNumber)
  })
})
