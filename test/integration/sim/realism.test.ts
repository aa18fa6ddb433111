/**
 * The simulator's switches for what real daemons and phones do, checked at the wire: the mux
 * flavours' "no pair record" answers, the dashed serial, usbmuxd's preflight pairing, lockdownd's
 * idle close and stale connections, and the values a phone shows without a session.
 */
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { parsePairRecord } from '../../../src/main/device/lockdown/pair-record.js'
import { startSimulator, type SimDeviceOptions, type Simulator, type SimulatorOptions } from '../../../src/sim/index.js'
import { fixture, pairRecord } from './helpers/pair-fixtures.js'
import { connectPort, LockdownTestClient, muxRequest, readMuxPlist } from './helpers/sim-client.js'

let sim: Simulator | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function start(options: SimulatorOptions, device: SimDeviceOptions = {}): Promise<Simulator> {
  sim = await startSimulator({ ...options, devices: [{ devicePrivateKeyPem: fixture('device-key.pem'), ...device }] })
  return sim
}

async function lockdown(s: Simulator): Promise<LockdownTestClient> {
  const { socket, reader } = await connectPort(s.address, s.devices[0]!.deviceId!, 62078)
  return new LockdownTestClient(socket, reader)
}

describe('mux flavours', () => {
  it('say "no pair record" as each daemon does: Linux ENOENT, macOS another Result, Windows no PairRecordData', async () => {
    const answers: Record<string, unknown> = {}
    for (const muxFlavour of ['linux', 'macos', 'windows'] as const) {
      const s = await start({ muxFlavour })
      const { reply, socket } = await muxRequest(s.address, { MessageType: 'ReadPairRecord', PairRecordID: s.devices[0]!.udid })
      socket.destroy()
      const { _tag, ...rest } = reply
      answers[muxFlavour] = rest
      await s.close()
      sim = undefined
    }
    expect(answers).toEqual({ linux: { MessageType: 'Result', Number: 2 }, macos: { MessageType: 'Result', Number: 1 }, windows: {} })
  })

  it('report the bare USB serial by default and the dashed UDID with dashedSerial; LocationID is a real one on macOS', async () => {
    const bare = await start({ muxFlavour: 'macos' })
    const { reply, socket } = await muxRequest(bare.address, { MessageType: 'ListDevices' })
    socket.destroy()
    const props = ((reply.DeviceList as Record<string, unknown>[])[0]!.Properties) as Record<string, unknown>
    expect(props.SerialNumber).toBe(bare.devices[0]!.udid.replace('-', ''))
    expect(props.LocationID).not.toBe(0)
    await bare.close()
    const dashed = await start({ dashedSerial: true })
    const listen = await muxRequest(dashed.address, { MessageType: 'Listen' })
    const event = await readMuxPlist(listen.reader)
    listen.socket.destroy()
    expect((event.Properties as Record<string, unknown>).SerialNumber).toBe(dashed.devices[0]!.udid)
  })
})

describe('usbmuxd preflight', () => {
  it('pairs an unpaired phone on attach with its own record, after the Trust dialog, and tells listeners Paired', async () => {
    const s = await start({ preflight: true }, { trust: 'prompt', attached: false })
    const phone = s.devices[0]!
    const listen = await muxRequest(s.address, { MessageType: 'Listen' })
    const waiting = once(phone.events, 'preflight-waiting')
    phone.attach()
    expect(await readMuxPlist(listen.reader)).toMatchObject({ MessageType: 'Attached', DeviceID: phone.deviceId })
    await waiting
    expect(phone.trust.dialogShowing).toBe(true)
    expect(s.pairRecords.size).toBe(0)
    phone.acceptTrust()
    expect(await readMuxPlist(listen.reader)).toMatchObject({ MessageType: 'Paired', DeviceID: phone.deviceId })
    listen.socket.destroy()
    expect([...s.pairRecords.keys()]).toEqual([phone.identity.usbSerial]) // under the serial it reports
    const record = parsePairRecord(s.pairRecords.get(phone.udid)!)
    expect(record.SystemBUID).toBe(s.buid)
    expect(phone.trustedHosts.has(record.HostID)).toBe(true)
    expect(phone.trust.dialogsShown).toBe(1)
  })

  it('leaves a phone alone that already trusts the stored record', async () => {
    const s = await start({ preflight: true }, { trust: 'auto', attached: false })
    const phone = s.devices[0]!
    const first = once(phone.events, 'preflight-paired')
    phone.attach()
    await first
    const hostId = parsePairRecord(s.pairRecords.get(phone.udid)!).HostID
    phone.detach()
    let again = false
    phone.events.once('preflight-paired', () => (again = true))
    phone.attach()
    // a full handshake after the re-attach proves preflight had its turn (it runs on attach)
    const ld = await lockdown(s)
    expect(await ld.request({ Request: 'QueryType' })).toMatchObject({ Type: 'com.apple.mobile.lockdown' })
    ld.socket.destroy()
    expect(again).toBe(false)
    expect(parsePairRecord(s.pairRecords.get(phone.udid)!).HostID).toBe(hostId)
    expect(phone.trustedHosts.size).toBe(1)
  })
})

describe('lockdownd realism', () => {
  it('closes a connection that stays idle, and says so', async () => {
    const s = await start({}, { lockdownIdleCloseMs: 5 })
    const ld = await lockdown(s)
    const closed = once(s.devices[0]!.events, 'lockdown-idle-close')
    await closed
    if (!ld.socket.readableEnded) await once(ld.socket, 'end')
    expect(ld.socket.readableEnded).toBe(true)
  })

  it('answers every request on a stale connection with the chosen error; a new connection works', async () => {
    const s = await start({}, { trust: 'auto' })
    const old = await lockdown(s)
    expect(await old.request({ Request: 'Pair', PairRecord: pairRecord(), ProtocolVersion: '2' })).toMatchObject({ EscrowBag: expect.any(Buffer) })
    s.devices[0]!.makeLockdownStale('InvalidConnection')
    expect(await old.request({ Request: 'GetValue', Key: 'DeviceName' })).toMatchObject({ Request: 'GetValue', Error: 'InvalidConnection' })
    const fresh = await lockdown(s)
    expect(await fresh.request({ Request: 'GetValue', Key: 'DeviceName' })).toMatchObject({ Value: 'iPhone' })
    s.devices[0]!.makeLockdownStale('SessionInactive')
    expect(await fresh.request({ Request: 'StartService', Service: 'com.apple.afc' })).toMatchObject({ Error: 'SessionInactive' })
    old.socket.destroy()
    fresh.socket.destroy()
  })

  it('hides all but the documented values without a session (hideValuesWithoutSession)', async () => {
    const s = await start({}, { hideValuesWithoutSession: true })
    const ld = await lockdown(s)
    const all = (await ld.request({ Request: 'GetValue' })).Value as Record<string, unknown>
    expect(Object.keys(all).sort()).toEqual(['BuildVersion', 'DeviceClass', 'DeviceName', 'DevicePublicKey', 'ProductType', 'ProductVersion', 'UniqueChipID', 'UniqueDeviceID', 'WiFiAddress'])
    expect(await ld.request({ Request: 'GetValue', Key: 'SerialNumber' })).toMatchObject({ Error: 'GetProhibited' })
    expect(await ld.request({ Request: 'GetValue', Key: 'DeviceName' })).toMatchObject({ Value: 'iPhone' })
    ld.socket.destroy()
  })
})
