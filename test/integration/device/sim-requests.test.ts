/**
 * Our device client against the virtual iPhone (src/sim) over real sockets: every usbmux,
 * lockdown and AFC request the client makes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectDevice, MuxClient, watchDevices, type DeviceEvent, type DeviceSession } from '../../../src/main/device/index.js'
import { LockdownClient } from '../../../src/main/device/lockdown/lockdown-client.js'
import { encodeBinaryPlist } from '../../../src/main/device/plist/plist-codec.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'

let sim: Simulator
let mux: MuxClient
let udid: string

beforeAll(async () => {
  sim = await startSimulator({ devices: [{ name: 'Ann’s iPhone', productType: 'iPhone16,1', productVersion: '17.5.1', battery: { level: 57, charging: true, externalPower: true }, photos: { count: 12, seed: 4 } }] })
  mux = new MuxClient({ address: sim.address })
  udid = sim.devices[0]!.udid
})
afterAll(async () => {
  await sim.close()
})

describe('usbmux against the simulator', () => {
  it('lists the phone with the UDID dash restored and reads the BUID', async () => {
    const [device, ...rest] = await mux.listDevices()
    expect(rest).toEqual([])
    expect(device).toMatchObject({ udid, connectionType: 'USB', productId: 0x12a8, connectionSpeed: 480000000 })
    expect(await mux.readBuid()).toBe(sim.buid)
  })

  it('saves, reads and deletes a pair record; Save with DeviceID makes a Paired event', async () => {
    const events: string[] = []
    const watcher = watchDevices(mux, (e: DeviceEvent) => events.push(e.type))
    await expect.poll(() => events).toContain('attached')
    const data = encodeBinaryPlist({ HostID: 'X' })
    const [device] = await mux.listDevices()
    await mux.savePairRecord('TEST-UDID', data, { deviceId: 999 })
    expect(await mux.readPairRecord('TEST-UDID')).toBeDefined()
    await mux.deletePairRecord('TEST-UDID')
    expect(await mux.readPairRecord('TEST-UDID')).toBeUndefined()
    // usbmuxd sends Paired only when the ID is the SerialNumber it reports (strcmp in its client.c).
    await mux.savePairRecord(device!.properties.SerialNumber, data, { deviceId: device!.deviceId })
    await expect.poll(() => events).toContain('paired')
    await mux.deletePairRecord(device!.properties.SerialNumber)
    watcher.close()
    await watcher.done
  })

  it('refuses Connect to a port nobody serves and to an unknown DeviceID', async () => {
    const [device] = await mux.listDevices()
    await expect(mux.connect(device!, 1234)).rejects.toMatchObject({ code: 'device-protocol', context: { muxResult: 3 } })
    await expect(mux.connect(4242, 62078)).rejects.toMatchObject({ code: 'device-not-found' })
  })

  it('sees detach and re-attach with a new DeviceID', async () => {
    const events: string[] = []
    const watcher = watchDevices(mux, (e) => events.push(e.type === 'attached' || e.type === 'detached' ? `${e.type}:${e.device.udid === udid}:${e.device.deviceId}` : e.type))
    await expect.poll(() => events.length).toBe(2)
    const firstId = (await mux.listDevices())[0]!.deviceId
    sim.devices[0]!.detach()
    await expect.poll(() => events.at(-1)).toBe(`detached:true:${firstId}`)
    sim.devices[0]!.attach()
    await expect.poll(() => events.length).toBe(4)
    const newId = (await mux.listDevices())[0]!.deviceId
    expect(newId).not.toBe(firstId)
    expect(events).toEqual(['mux-up', `attached:true:${firstId}`, `detached:true:${firstId}`, `attached:true:${newId}`])
    watcher.close()
  })
})

describe('lockdown and AFC against the simulator', () => {
  let session: DeviceSession

  beforeAll(async () => {
    session = await connectDevice(mux, udid)
  })
  afterAll(async () => {
    await session.close()
  })

  it('answers QueryType and GetValue without a session', async () => {
    const lockdown = await LockdownClient.open(mux, (await mux.findDevice(udid)).deviceId)
    expect(await lockdown.queryType()).toBe('com.apple.mobile.lockdown')
    expect(await lockdown.getValue('ProductVersion')).toBe('17.5.1')
    expect(await lockdown.getValue('NoSuchKey')).toBeUndefined()
    lockdown.close()
  })

  it('reads device info, battery and disk usage in a session', async () => {
    expect(session.info).toMatchObject({ udid, name: 'Ann’s iPhone', productType: 'iPhone16,1', model: 'iPhone 15 Pro', productVersion: '17.5.1', deviceClass: 'iPhone' })
    expect(await session.battery()).toMatchObject({ level: 57, charging: true, externalPower: true })
    sim.devices[0]!.setBattery({ level: 58, charging: false })
    expect(await session.battery()).toMatchObject({ level: 58, charging: false })
    const disk = await session.diskUsage()
    expect(disk.totalDiskCapacity).toBeGreaterThan(0)
    expect(disk.totalDataAvailable).toBeGreaterThan(0)
  })

  it('lists, stats, reads with seek/tell and reports device info over AFC', async () => {
    const afc = await session.openAfc()
    const roll = sim.roll(udid)!
    const folders = await afc.listDir('/DCIM')
    expect(folders.filter((n) => !n.startsWith('.')).sort()).toEqual([...new Set(roll.files.map((f) => f.path.split('/')[0]!))].filter((n) => !n.startsWith('.')).sort())
    const file = roll.files.find((f) => f.size > 100 && !f.path.includes('/.'))!
    const st = await afc.stat(`/DCIM/${file.path}`)
    expect(st.type).toBe('file')
    expect(st.size).toBe(file.size)
    expect(st.mtimeNs).toBe(BigInt(file.mtimeMs) * 1_000_000n)
    const h = await afc.open(`/DCIM/${file.path}`)
    await afc.seek(h, 10)
    expect(await afc.tell(h)).toBe(10)
    const part = await afc.read(h, 20)
    expect(part.length).toBe(20)
    await afc.closeFile(h)
    expect(await afc.statOrNull('/DCIM/nope.HEIC')).toBeNull()
    const info = await afc.deviceInfo()
    expect(info.totalBytes).toBeGreaterThan(info.freeBytes ?? 0)
    afc.close()
  })
})
