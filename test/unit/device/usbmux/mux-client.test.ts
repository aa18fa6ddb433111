import { afterEach, describe, expect, it } from 'vitest'
import { MuxClient } from '../../../../src/main/device/usbmux/mux-client.js'
import { toMuxDevice } from '../../../../src/main/device/usbmux/device-list.js'
import type { MuxDeviceProperties } from '../../../../src/main/device/usbmux/messages.js'
import { configureLogging, type LogRecord } from '../../../../src/main/logging/logger.js'
import { encodeMuxFrame } from '../../../../src/main/device/usbmux/frame-codec.js'
import { decodePlistDict, encodeBinaryPlist, type PlistDict } from '../../../../src/main/device/plist/plist-codec.js'
import { attached, frame, result, startScriptedMux, usbProps, type ScriptedMux } from '../peers/scripted-mux.js'
import { tempSocketPath } from '../peers/socket-pair.js'

const UDID = '00008030-001A2B3C4D5E802E'
let mux: ScriptedMux | undefined

afterEach(async () => {
  await mux?.close()
  mux = undefined
})

describe('MuxClient requests', () => {
  it('lists devices, preferring the USB entry of a phone that is also on Wi-Fi', async () => {
    mux = await startScriptedMux(() => ({
      reply: {
        DeviceList: [
          { MessageType: 'Attached', DeviceID: 7, Properties: { ConnectionType: 'Network', DeviceID: 7, SerialNumber: UDID, NetworkAddress: Buffer.alloc(28) } },
          attached(3, UDID),
          attached(4, '000080100123456789ABCDEF'),
          { MessageType: 'Attached', DeviceID: 9, Properties: { DeviceID: 9, ConnectionType: 'USB' } }, // no serial: dropped
        ] as PlistDict[],
      },
    }))
    const client = new MuxClient({ address: mux.address })
    const devices = await client.listDevices()
    expect(devices.map((d) => [d.deviceId, d.udid, d.connectionType])).toEqual([
      [3, UDID, 'USB'],
      [4, '00008010-0123456789ABCDEF', 'USB'], // 24 characters get libusbmuxd's dash
    ])
    expect(devices[0]).toMatchObject({ productId: 0x12a8, connectionSpeed: 480000000, locationId: 0 })
    const all = await client.listDevices({ all: true })
    expect(all.map((d) => d.connectionType)).toEqual(['Network', 'USB', 'USB'])
    const req = mux.requests[0]!
    expect(req).toMatchObject({ MessageType: 'ListDevices', ProgName: 'cradle', kLibUSBMuxVersion: 3 })
    expect(typeof req.ClientVersionString).toBe('string')
  })

  it('finds a device by UDID with or without the dash, and reports a missing one', async () => {
    mux = await startScriptedMux(() => ({ reply: { DeviceList: [attached(3, UDID)] } }))
    const client = new MuxClient({ address: mux.address })
    expect((await client.findDevice(UDID.replace('-', ''))).deviceId).toBe(3)
    expect((await client.findDevice(undefined)).deviceId).toBe(3)
    await expect(client.findDevice('nope')).rejects.toMatchObject({ code: 'device-not-found' })
  })

  it('reads the BUID and pair records (ENOENT = no record), saves with DeviceID, deletes', async () => {
    const stored = encodeBinaryPlist({ HostID: 'H' })
    mux = await startScriptedMux((req) => {
      switch (req.MessageType) {
        case 'ReadBUID': return { reply: { BUID: 'ABCD-1234' } }
        case 'ReadPairRecord': return { reply: req.PairRecordID === UDID ? { PairRecordData: stored } : result(2) }
        case 'SavePairRecord': return { reply: result(0) }
        case 'DeletePairRecord': return { reply: result(req.PairRecordID === UDID ? 0 : 2) }
        default: return { reply: result(1) }
      }
    })
    const client = new MuxClient({ address: mux.address })
    expect(await client.readBuid()).toBe('ABCD-1234')
    expect(await client.readPairRecord(UDID)).toEqual(stored)
    expect(await client.readPairRecord('other')).toBeUndefined()
    await client.savePairRecord(UDID, stored, { deviceId: 3 })
    const save = mux.requests.find((r) => r.MessageType === 'SavePairRecord')!
    expect(save).toMatchObject({ PairRecordID: UDID, DeviceID: 3 })
    expect(decodePlistDict(save.PairRecordData as Buffer)).toEqual({ HostID: 'H' })
    await client.deletePairRecord(UDID)
    await client.deletePairRecord('other') // absent is fine
  })

  it('treats any ReadPairRecord answer without PairRecordData as "not paired" and logs what it was (Linux, macOS, Windows)', async () => {
    const answers: PlistDict[] = [result(2), result(1), result(0), {}, { MessageType: 'Result' }, { PairRecordData: Buffer.alloc(0) }]
    let i = 0
    mux = await startScriptedMux(() => ({ reply: answers[i++]! }))
    const logged: LogRecord[] = []
    configureLogging({ sink: (r) => logged.push(r), level: 'info' })
    try {
      const client = new MuxClient({ address: mux.address })
      for (let n = 0; n < answers.length; n++) expect(await client.readPairRecord(UDID)).toBeUndefined()
    } finally {
      configureLogging({ level: 'warn', sink: (r) => process.stderr.write(`${JSON.stringify(r)}\n`) })
    }
    expect(logged.filter((r) => r.message === 'usbmuxd has no pair record').map((r) => r.fields?.answer)).toEqual([
      'result 2',
      'result 1',
      'result 0',
      'a reply without PairRecordData (MessageType none)',
      'a reply without PairRecordData (MessageType Result)',
      'a pair-record reply',
    ])
  })

  it('looks a device\'s record up under usbmuxd\'s own SerialNumber first, then the other spelling', async () => {
    const stored = encodeBinaryPlist({ HostID: 'H' })
    const undashed = UDID.replace('-', '')
    mux = await startScriptedMux((req) => ({ reply: req.PairRecordID === UDID ? { PairRecordData: stored } : result(2) }))
    const client = new MuxClient({ address: mux.address })
    const device = toMuxDevice(usbProps(3, undashed) as MuxDeviceProperties)
    expect(device.udid).toBe(UDID)
    expect(await client.readDevicePairRecord(device)).toEqual({ recordId: UDID, data: stored })
    expect(mux.requests.map((r) => r.PairRecordID)).toEqual([undashed, UDID])
  })

  it('keeps the readable devices of a list and logs which entries it skipped, and why', async () => {
    mux = await startScriptedMux(() => ({
      reply: {
        DeviceList: [
          attached(3, UDID),
          { MessageType: 'Attached', DeviceID: 8, Properties: { DeviceID: 8, SerialNumber: 'S8', ConnectionType: 'Thunderbolt' } },
          { MessageType: 'Attached', DeviceID: 9, Properties: { DeviceID: 9, ConnectionType: 'USB' } },
        ] as PlistDict[],
      },
    }))
    const logged: LogRecord[] = []
    configureLogging({ sink: (r) => logged.push(r), level: 'warn' })
    let devices
    try {
      devices = await new MuxClient({ address: mux.address }).listDevices()
    } finally {
      configureLogging({ level: 'warn', sink: (r) => process.stderr.write(`${JSON.stringify(r)}\n`) })
    }
    expect(devices.map((d) => d.deviceId)).toEqual([3])
    const warning = logged.find((r) => r.level === 'warn' && r.module === 'device/usbmux')
    expect(warning?.fields?.skipped).toEqual(['DeviceID 8, SerialNumber S8: ConnectionType "Thunderbolt"', 'DeviceID 9: no SerialNumber'])
  })

  it('connects with the port bytes swapped and hands over bytes that came with the reply', async () => {
    mux = await startScriptedMux((req) => ({
      takeover: (socket, tag) => {
        expect(req).toMatchObject({ MessageType: 'Connect', DeviceID: 3, PortNumber: 32498 })
        socket.write(Buffer.concat([frame(result(0), tag), Buffer.from('hello')]))
        socket.on('data', (d) => socket.write(Buffer.concat([Buffer.from('echo:'), d])))
      },
    }))
    const client = new MuxClient({ address: mux.address })
    const channel = await client.connect(3, 62078)
    const got: Buffer[] = [channel.leftover]
    channel.stream.on('data', (d: Buffer) => got.push(d))
    channel.stream.resume()
    channel.stream.write('ping')
    await expect.poll(() => Buffer.concat(got).toString()).toContain('echo:ping')
    expect(Buffer.concat(got).toString()).toBe('helloecho:ping')
    channel.stream.destroy()
  })

  it('maps Connect results: BADDEV → device-not-found, CONNREFUSED → device-protocol', async () => {
    mux = await startScriptedMux((req) => ({ reply: result(req.DeviceID === 1 ? 2 : 3) }))
    const client = new MuxClient({ address: mux.address })
    await expect(client.connect(1, 62078)).rejects.toMatchObject({ code: 'device-not-found' })
    await expect(client.connect(2, 1234)).rejects.toMatchObject({ code: 'device-protocol' })
  })

  it('times out a request usbmuxd never answers, and honours an AbortSignal', async () => {
    mux = await startScriptedMux(() => ({ stall: true }))
    const client = new MuxClient({ address: mux.address, timeoutMs: 150 })
    // Only the client's own 150 ms timer can end a request to a stalled usbmuxd, and it says so.
    await expect(client.readBuid()).rejects.toMatchObject({ code: 'timeout', message: expect.stringMatching(/within 150 ms/) })
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 50)
    await expect(new MuxClient({ address: mux.address }).readBuid({ signal: ac.signal })).rejects.toMatchObject({ code: 'aborted' })
    await expect.poll(() => mux!.sockets.size).toBe(0) // both sockets were closed
  })

  it('rejects a reply with the wrong tag, a non-plist frame and garbage as device-protocol', async () => {
    const answers = [
      (tag: number) => frame({ BUID: 'x' }, tag + 1),
      (tag: number) => encodeMuxFrame({ version: 1, message: 1, tag, payload: Buffer.alloc(4) }),
      (tag: number) => encodeMuxFrame({ version: 1, message: 8, tag, payload: Buffer.from('not a plist') }),
      () => Buffer.from([8, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0]), // length 8 < header
      () => Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0]), // 2 GiB
    ]
    let i = 0
    mux = await startScriptedMux((_req, tag) => ({ raw: answers[i++]!(tag) }))
    const client = new MuxClient({ address: mux.address })
    for (let n = 0; n < answers.length; n++) await expect(client.readBuid()).rejects.toMatchObject({ code: 'device-protocol' })
  })

  it('says usbmuxd is not running when nobody listens on the socket', async () => {
    const tmp = tempSocketPath('absent')
    const client = new MuxClient({ address: `UNIX:${tmp.path}` })
    await expect(client.listDevices()).rejects.toMatchObject({ code: 'usbmuxd-not-running' })
    await expect(new MuxClient({ address: '127.0.0.1:1' }).listDevices()).rejects.toMatchObject({ code: 'usbmuxd-not-running' })
    tmp.cleanup()
  })

  it('delivers Listen events in order and reports the end of the stream once', async () => {
    mux = await startScriptedMux(() => ({
      takeover: (socket, tag) => {
        socket.write(Buffer.concat([frame(result(0), tag), frame(attached(3, UDID), 0)]))
        setTimeout(() => socket.write(Buffer.concat([frame({ MessageType: 'Paired', DeviceID: 3 }, 0), frame({ MessageType: 'Bogus' }, 0), frame({ MessageType: 'Detached', DeviceID: 3 }, 0)])), 20)
        setTimeout(() => socket.end(), 60)
      },
    }))
    const client = new MuxClient({ address: mux.address })
    const events: string[] = []
    const closed: string[] = []
    await client.listen((e) => events.push(`${e.type}:${'device' in e ? e.device.deviceId : e.deviceId}`), (err) => closed.push(err.code))
    await expect.poll(() => closed).toEqual(['usbmuxd-not-running'])
    expect(events).toEqual(['attached:3', 'paired:3', 'detached:3'])
    expect(usbProps(1, 'x').ConnectionType).toBe('USB')
  })
})
