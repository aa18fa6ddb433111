import { afterEach, describe, expect, it } from 'vitest'
import { decodePlistDict, encodeBinaryPlist } from '../../../src/main/device/plist/plist-codec.js'
import { swapPort } from '../../../src/main/device/usbmux/messages.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import { connectPort, muxFrame, muxRequest, MuxRefused, openSocket, readMuxFrame, readMuxPlist, Reader } from './helpers/sim-client.js'

let sim: Simulator | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

describe('simulated usbmuxd', () => {
  it('lists every device with the properties libusbmuxd requires', async () => {
    sim = await startSimulator({ devices: 3 })
    const { reply, socket } = await muxRequest(sim.address, { MessageType: 'ListDevices' }, 42)
    socket.destroy()
    expect(reply._tag).toBe(42)
    const list = reply.DeviceList as Record<string, unknown>[]
    expect(list).toHaveLength(3)
    for (const [i, entry] of list.entries()) {
      const props = entry.Properties as Record<string, unknown>
      expect(entry.MessageType).toBe('Attached')
      expect(props).toMatchObject({ ConnectionType: 'USB', DeviceID: sim.devices[i]!.deviceId, ProductID: 0x12a8, LocationID: 0, ConnectionSpeed: 480000000 })
      // The USB serial: the modern UDID without its dash (libusbmuxd puts it back).
      expect(props.SerialNumber).toBe(sim.devices[i]!.udid.replace('-', ''))
    }
  })

  it('answers in XML and echoes the tag', async () => {
    sim = await startSimulator({ devices: 1 })
    const socket = await openSocket(sim.address)
    const reader = new Reader(socket)
    socket.write(muxFrame({ MessageType: 'ReadBUID' }, 0xdeadbeef))
    const frame = await readMuxFrame(reader)
    socket.destroy()
    expect(frame).toMatchObject({ version: 1, message: 8, tag: 0xdeadbeef })
    expect(frame.payload.subarray(0, 5).toString()).toBe('<?xml')
    expect(decodePlistDict(frame.payload).BUID).toBe(sim.buid)
  })

  it('Listen: Result 0, Attached for present devices, then Detached and a new Attached with a new DeviceID', async () => {
    sim = await startSimulator({ devices: 2 })
    const { reply, socket, reader } = await muxRequest(sim.address, { MessageType: 'Listen' }, 3)
    expect(reply).toMatchObject({ MessageType: 'Result', Number: 0, _tag: 3 })
    const first = [await readMuxPlist(reader), await readMuxPlist(reader)]
    expect(first.map((e) => e.MessageType)).toEqual(['Attached', 'Attached'])
    expect(first.map((e) => e._tag)).toEqual([0, 0])
    const phone = sim.devices[1]!
    const oldId = phone.deviceId
    phone.detach()
    expect(await readMuxPlist(reader)).toMatchObject({ MessageType: 'Detached', DeviceID: oldId })
    phone.attach()
    const again = await readMuxPlist(reader)
    expect(again.MessageType).toBe('Attached')
    expect(again.DeviceID).toBe(phone.deviceId)
    expect(phone.deviceId).not.toBe(oldId)
    socket.destroy()
  })

  it('Connect: Result 0 for lockdown, 3 for a port nothing serves, 2 for an unknown device', async () => {
    sim = await startSimulator({ devices: 1 })
    const id = sim.devices[0]!.deviceId!
    const { socket } = await connectPort(sim.address, id, 62078)
    socket.destroy()
    await expect(connectPort(sim.address, id, 1234)).rejects.toEqual(new MuxRefused(3))
    await expect(connectPort(sim.address, 999, 62078)).rejects.toEqual(new MuxRefused(2))
    const { reply, socket: s2 } = await muxRequest(sim.address, { MessageType: 'Connect', DeviceID: id })
    s2.destroy()
    expect(reply.Number).toBe(1) // no PortNumber
  })

  it('swaps the PortNumber bytes back (62078 travels as 32498)', async () => {
    sim = await startSimulator({ devices: 1 })
    expect(swapPort(62078)).toBe(32498)
    const { reply, socket } = await muxRequest(sim.address, { MessageType: 'Connect', DeviceID: sim.devices[0]!.deviceId!, PortNumber: 62078 })
    socket.destroy()
    expect(reply.Number).toBe(3) // 62078 unswapped means port 32498: not served
  })

  it('keeps pair records: Read → ENOENT, Save (binary in, XML out) with DeviceID → Paired, Delete', async () => {
    sim = await startSimulator({ devices: 1 })
    const phone = sim.devices[0]!
    const listen = await muxRequest(sim.address, { MessageType: 'Listen' })
    await readMuxPlist(listen.reader) // Attached
    const missing = await muxRequest(sim.address, { MessageType: 'ReadPairRecord', PairRecordID: phone.udid })
    expect(missing.reply.Number).toBe(2)
    const noId = await muxRequest(sim.address, { MessageType: 'ReadPairRecord' })
    expect(noId.reply.Number).toBe(22)
    const record = encodeBinaryPlist({ HostID: 'ABC', SystemBUID: sim.buid })
    // Paired only when the ID is the SerialNumber usbmuxd reports (strcmp in usbmuxd's client.c).
    const other = await muxRequest(sim.address, { MessageType: 'SavePairRecord', PairRecordID: phone.identity.usbSerial, PairRecordData: record, DeviceID: phone.deviceId! })
    expect(other.reply.Number).toBe(0)
    expect(await readMuxPlist(listen.reader)).toMatchObject({ MessageType: 'Paired', DeviceID: phone.deviceId })
    const save = await muxRequest(sim.address, { MessageType: 'SavePairRecord', PairRecordID: phone.udid, PairRecordData: record, DeviceID: phone.deviceId! })
    expect(save.reply.Number).toBe(0)
    const read = await muxRequest(sim.address, { MessageType: 'ReadPairRecord', PairRecordID: phone.udid })
    const data = read.reply.PairRecordData as Buffer
    expect(data.subarray(0, 5).toString()).toBe('<?xml')
    expect(decodePlistDict(data)).toEqual({ HostID: 'ABC', SystemBUID: sim.buid })
    expect(sim.pairRecords.has(phone.udid)).toBe(true)
    const bad = await muxRequest(sim.address, { MessageType: 'SavePairRecord', PairRecordID: phone.udid, PairRecordData: Buffer.from('not a plist') })
    expect(bad.reply.Number).toBe(22)
    const del = await muxRequest(sim.address, { MessageType: 'DeletePairRecord', PairRecordID: phone.udid })
    expect(del.reply.Number).toBe(0)
    const delAgain = await muxRequest(sim.address, { MessageType: 'DeletePairRecord', PairRecordID: phone.udid })
    expect(delAgain.reply.Number).toBe(2)
    const delOther = await muxRequest(sim.address, { MessageType: 'DeletePairRecord', PairRecordID: phone.identity.usbSerial })
    expect(delOther.reply.Number).toBe(0)
    for (const s of [listen, missing, noId, other, save, read, bad, del, delAgain, delOther]) s.socket.destroy()
  })

  it('lists listeners, refuses unknown commands and header versions other than 0/1', async () => {
    sim = await startSimulator({ devices: 1 })
    const listen = await muxRequest(sim.address, { MessageType: 'Listen', ProgName: 'watcher' })
    const listeners = await muxRequest(sim.address, { MessageType: 'ListListeners' })
    expect(listeners.reply.ListenerList).toEqual([expect.objectContaining({ ProgName: 'watcher', ConnType: 0, Blacklisted: false, 'ID String': expect.stringMatching(/^\d+-watcher$/) })])
    const unknown = await muxRequest(sim.address, { MessageType: 'Frobnicate' }, 9)
    expect(unknown.reply).toMatchObject({ MessageType: 'Result', Number: 1, _tag: 9 })
    const socket = await openSocket(sim.address)
    const reader = new Reader(socket)
    socket.write(muxFrame({ MessageType: 'ListDevices' }, 5, 7))
    expect(await readMuxPlist(reader)).toMatchObject({ MessageType: 'Result', Number: 6, _tag: 5 })
    for (const s of [listen, listeners, unknown]) s.socket.destroy()
    socket.destroy()
  })

  it('treats a Listen socket as an event stream (commands on it get BADCOMMAND)', async () => {
    sim = await startSimulator({ devices: 0 })
    const { socket, reader } = await muxRequest(sim.address, { MessageType: 'Listen' })
    socket.write(muxFrame({ MessageType: 'ListDevices' }, 4))
    expect(await readMuxPlist(reader)).toMatchObject({ MessageType: 'Result', Number: 1, _tag: 4 })
    socket.destroy()
  })

  it('survives garbage: bad lengths, bad plists, binary requests, random bytes', async () => {
    sim = await startSimulator({ devices: 1 })
    const garbage = [
      Buffer.from([1, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0]), // length 1 < header
      Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0]), // 2 GiB frame
      Buffer.concat([Buffer.from([20, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0]), Buffer.from('<?xm')]),
      Buffer.from([16, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0]), // binary LISTEN
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)),
    ]
    for (const g of garbage) {
      const s = await openSocket(sim.address)
      s.on('error', () => undefined)
      s.write(g)
      await new Promise((r) => setTimeout(r, 30))
      s.destroy()
    }
    const { reply, socket } = await muxRequest(sim.address, { MessageType: 'ListDevices' })
    socket.destroy()
    expect((reply.DeviceList as unknown[]).length).toBe(1)
  })

  it('answers a binary (version 0) request with a binary BADCOMMAND result', async () => {
    sim = await startSimulator({ devices: 1 })
    const socket = await openSocket(sim.address)
    const reader = new Reader(socket)
    const req = Buffer.alloc(16)
    req.writeUInt32LE(16, 0)
    req.writeUInt32LE(0, 4)
    req.writeUInt32LE(3, 8) // LISTEN
    req.writeUInt32LE(11, 12)
    socket.write(req)
    const f = await readMuxFrame(reader)
    socket.destroy()
    expect(f).toMatchObject({ version: 0, message: 1, tag: 11 })
    expect(f.payload.readUInt32LE(0)).toBe(1)
  })

  it('listens on TCP with port 0 and reports the chosen port', async () => {
    sim = await startSimulator({ devices: 1, socket: '127.0.0.1:0' })
    expect(sim.address).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(sim.address).not.toBe('127.0.0.1:0')
    const { reply, socket } = await muxRequest(sim.address, { MessageType: 'ListDevices' })
    socket.destroy()
    expect((reply.DeviceList as unknown[]).length).toBe(1)
  })
})

describe('the socket file', () => {
  it('replaces a stale socket but refuses a live one or a plain file', async () => {
    const { promises: fs } = await import('node:fs')
    const os = await import('node:os')
    const path = await import('node:path')
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sim-sock-'))
    try {
      const sock = path.join(dir, 'mux.sock')
      const first = await startSimulator({ devices: 1, socket: sock })
      await expect(startSimulator({ devices: 1, socket: sock })).rejects.toThrow(/already listening/)
      await first.close()
      // A crashed run leaves the file behind (a killed process never unlinks it): the next start takes it over.
      const { spawnSync } = await import('node:child_process')
      spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`])
      expect((await fs.lstat(sock)).isSocket()).toBe(true)
      await fs.writeFile(path.join(dir, 'plain'), 'x')
      await expect(startSimulator({ devices: 1, socket: path.join(dir, 'plain') })).rejects.toThrow(/not a socket/)
      expect(await fs.readFile(path.join(dir, 'plain'), 'utf8')).toBe('x')
      const again = await startSimulator({ devices: 1, socket: sock })
      await again.close()
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})
