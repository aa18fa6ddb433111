/**
 * A usbmuxd-compatible server (protocol.md §1, §7): 16-byte little-endian headers, XML plist
 * replies that echo the tag, ListDevices, Listen (+ Attached/Detached/Paired events), Connect
 * (swapped PortNumber; Result 0 and the socket becomes a raw tunnel), pair records, ReadBUID,
 * ListListeners; BADCOMMAND for unknown requests, BADVERSION for header versions other than 0/1.
 * Hostile input closes that one connection and nothing else.
 */
import net, { type Server, type Socket } from 'node:net'
import { promises as fs } from 'node:fs'
import { MUX_HEADER_SIZE, MuxMessage, decodeMuxFrame, type MuxFrame } from '../../main/device/usbmux/frame-codec.js'
import { ERRNO_EINVAL, ERRNO_ENOENT, MuxResult, swapPort } from '../../main/device/usbmux/messages.js'
import { decodePlistDict, encodeXmlPlist, type PlistDict } from '../../main/device/plist/plist-codec.js'
import { createLogger } from '../../main/logging/logger.js'
import type { SocketAddress } from '../address.js'
import type { VirtualDevice } from '../device/virtual-device.js'
import { ChunkBuffer } from '../../main/device/io/chunk-buffer.js'
import type { PairStore } from './pair-store.js'
import { runPreflight } from './preflight.js'

const log = createLogger('sim/mux')

/** Whose usbmuxd this is: Linux usbmuxd, Apple's on macOS, or Apple Mobile Device Service on Windows. */
export type MuxFlavour = 'linux' | 'macos' | 'windows'

export interface MuxBehaviour {
  flavour: MuxFlavour
  /**
   * Report modern 24-digit serials with the dash (00008110-…), as Linux usbmuxd does since it
   * inserts one (usbmuxd src/usb.c); off: the bare USB serial, as Apple's daemons and older
   * usbmuxd report it. Pair records are stored under whatever is reported.
   */
  dashedSerial: boolean
  /** Linux usbmuxd's preflight: pair an unpaired phone by itself when it is plugged in. */
  preflight: boolean
}

export const KIND_MUX: MuxBehaviour = { flavour: 'linux', dashedSerial: false, preflight: false }

/** The SerialNumber this usbmuxd reports for a device (and stores its pair record under). */
export function reportedSerial(d: VirtualDevice, behaviour: MuxBehaviour): string {
  return behaviour.dashedSerial ? d.udid : d.identity.usbSerial
}

/** Device properties (protocol.md §1.5): Linux usbmuxd's keys; macOS reports a real USB LocationID. */
export function deviceProperties(d: VirtualDevice, behaviour: MuxBehaviour = KIND_MUX): PlistDict {
  return {
    ConnectionSpeed: 480_000_000,
    ConnectionType: 'USB',
    DeviceID: d.deviceId ?? 0,
    LocationID: behaviour.flavour === 'linux' ? 0 : 0x14100000 + (d.deviceId ?? 0),
    ProductID: 0x12a8,
    SerialNumber: reportedSerial(d, behaviour),
  }
}

function attachedEvent(d: VirtualDevice, behaviour: MuxBehaviour): PlistDict {
  return { MessageType: 'Attached', DeviceID: d.deviceId ?? 0, Properties: deviceProperties(d, behaviour) }
}

/**
 * ReadPairRecord for a record that is not there. Linux usbmuxd: Result 2 (ENOENT, src/client.c).
 * Apple's daemons answer differently; clients only look for PairRecordData (libusbmuxd,
 * pymobiledevice3, go-ios). choice: macOS answers a Result other than 2 (we send 1); Windows a
 * plist without PairRecordData (users report "missing PairRecordData" on Windows, iloader #414).
 */
function noPairRecordAnswer(flavour: MuxFlavour): PlistDict {
  if (flavour === 'linux') return { MessageType: 'Result', Number: ERRNO_ENOENT }
  if (flavour === 'macos') return { MessageType: 'Result', Number: MuxResult.BADCOMMAND }
  return {}
}

interface Client {
  id: number
  socket: Socket
  input: ChunkBuffer
  listening: boolean
  version: number
  progName: string
  bundleId?: string
  clientVersion?: string
  libVersion?: number
}

export interface MuxDirectory {
  attachedDevices(): VirtualDevice[]
}

export class MuxServer {
  private server: Server | undefined
  private readonly clients = new Set<Client>()
  private readonly tunnels = new Set<Socket>()
  private nextClientId = 1

  constructor(
    private readonly directory: MuxDirectory,
    private readonly pairs: PairStore,
    readonly behaviour: MuxBehaviour = KIND_MUX,
  ) {}

  /** Starts listening; resolves to the actual address (TCP port 0 → the port the OS chose). */
  async listen(address: SocketAddress): Promise<SocketAddress> {
    // No Nagle delay: lockdown and AFC are request/response over TCP when the address is HOST:PORT.
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket))
    this.server = server
    if (address.kind === 'unix') await removeStaleSocket(address.path)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      if (address.kind === 'unix') server.listen(address.path, () => resolve())
      else server.listen(address.port, address.host, () => resolve())
    })
    server.on('error', (error) => log.error('mux server error', { error }))
    if (address.kind === 'unix') {
      await fs.chmod(address.path, 0o666) // as usbmuxd does
      return address
    }
    const bound = server.address()
    return { kind: 'tcp', host: address.host, port: typeof bound === 'object' && bound ? bound.port : address.port }
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.socket.destroy()
    for (const s of this.tunnels) s.destroy()
    const server = this.server
    this.server = undefined
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Sends an event to every Listen connection. */
  broadcast(event: PlistDict): void {
    for (const c of this.clients) if (c.listening) this.send(c, event, 0)
  }

  deviceAttached(d: VirtualDevice): void {
    this.broadcast(attachedEvent(d, this.behaviour))
    if (this.behaviour.preflight) {
      void runPreflight(d, this.pairs, {
        serialOf: (x) => reportedSerial(x, this.behaviour),
        paired: (deviceId) => this.broadcast({ MessageType: 'Paired', DeviceID: deviceId }),
      }).catch((error: unknown) => log.warn('preflight failed', { udid: d.udid, error }))
    }
  }

  deviceDetached(deviceId: number): void {
    this.broadcast({ MessageType: 'Detached', DeviceID: deviceId })
  }

  private accept(socket: Socket): void {
    const client: Client = { id: this.nextClientId++, socket, input: new ChunkBuffer(), listening: false, version: 1, progName: '' }
    this.clients.add(client)
    socket.on('error', () => undefined)
    socket.on('close', () => this.clients.delete(client))
    const onData = (chunk: Buffer): void => {
      client.input.push(chunk)
      try {
        this.drain(client, onData)
      } catch (error) {
        log.debug('closing mux connection after bad input', { error })
        socket.destroy()
      }
    }
    socket.on('data', onData)
  }

  private drain(c: Client, onData: (chunk: Buffer) => void): void {
    while (this.clients.has(c) && c.input.length >= MUX_HEADER_SIZE) {
      const length = c.input.peek(MUX_HEADER_SIZE).readUInt32LE(0)
      if (c.input.length < length) {
        // decodeMuxFrame validates the length bounds before we wait for the body.
        decodeMuxFrame(c.input.peek(MUX_HEADER_SIZE))
        return
      }
      const decoded = decodeMuxFrame(c.input.take(length))
      if (!('frame' in decoded)) return
      const tunnel = this.request(c, decoded.frame)
      if (tunnel) {
        // From here on every byte belongs to the device service.
        c.socket.off('data', onData)
        this.clients.delete(c)
        this.tunnels.add(c.socket)
        c.socket.on('close', () => this.tunnels.delete(c.socket))
        tunnel(c.input.takeAll())
        return
      }
    }
  }

  /** Handles one frame; returns a function that starts the tunnel when Connect succeeded. */
  private request(c: Client, frame: MuxFrame): ((initial: Buffer) => void) | undefined {
    if (frame.version !== 0 && frame.version !== 1) {
      this.result(c, MuxResult.BADVERSION, frame.tag)
      return undefined
    }
    if (frame.message !== MuxMessage.Plist) {
      // The old binary protocol (version 0 CONNECT/LISTEN) is not spoken here; answer in kind.
      this.binaryResult(c, MuxResult.BADCOMMAND, frame.tag)
      return undefined
    }
    c.version = frame.version
    let req: PlistDict
    try {
      req = decodePlistDict(frame.payload)
    } catch {
      this.result(c, MuxResult.BADCOMMAND, frame.tag)
      return undefined
    }
    if (typeof req.ProgName === 'string') c.progName = req.ProgName
    if (typeof req.BundleID === 'string') c.bundleId = req.BundleID
    if (typeof req.ClientVersionString === 'string') c.clientVersion = req.ClientVersionString
    if (typeof req.kLibUSBMuxVersion === 'number') c.libVersion = req.kLibUSBMuxVersion
    const tag = frame.tag
    if (c.listening) {
      // A Listen socket is an event stream; usbmuxd refuses commands on it.
      this.result(c, MuxResult.BADCOMMAND, tag)
      return undefined
    }
    switch (req.MessageType) {
      case 'ListDevices':
        this.send(c, { DeviceList: this.directory.attachedDevices().map((d) => attachedEvent(d, this.behaviour)) }, tag)
        return undefined
      case 'Listen':
        c.listening = true
        this.result(c, MuxResult.OK, tag)
        for (const d of this.directory.attachedDevices()) this.send(c, attachedEvent(d, this.behaviour), 0)
        return undefined
      case 'Connect':
        return this.connect(c, req, tag)
      case 'ReadBUID':
        this.send(c, { BUID: this.pairs.buid }, tag)
        return undefined
      case 'ReadPairRecord':
        return this.readPairRecord(c, req, tag)
      case 'SavePairRecord':
        return this.savePairRecord(c, req, tag)
      case 'DeletePairRecord': {
        const id = req.PairRecordID
        if (typeof id !== 'string' || id === '') this.result(c, ERRNO_EINVAL, tag)
        else this.result(c, this.pairs.delete(id) ? MuxResult.OK : ERRNO_ENOENT, tag)
        return undefined
      }
      case 'ListListeners':
        this.send(c, { ListenerList: [...this.clients].filter((l) => l.listening).map(listenerEntry) }, tag)
        return undefined
      default:
        this.result(c, MuxResult.BADCOMMAND, tag)
        return undefined
    }
  }

  private connect(c: Client, req: PlistDict, tag: number): ((initial: Buffer) => void) | undefined {
    const id = req.DeviceID
    const portNumber = req.PortNumber
    const device = typeof id === 'number' ? this.directory.attachedDevices().find((d) => d.deviceId === id) : undefined
    if (!device) {
      this.result(c, MuxResult.BADDEV, tag)
      return undefined
    }
    if (typeof portNumber !== 'number') {
      this.result(c, MuxResult.BADCOMMAND, tag)
      return undefined
    }
    const port = swapPort(portNumber)
    return (initial: Buffer) => {
      const ok = device.connect(port, c.socket, initial, () => this.result(c, MuxResult.OK, tag))
      if (!ok) {
        this.result(c, MuxResult.CONNREFUSED, tag)
        // usbmuxd closes the client after a refused connect; the client opens a new socket anyway.
        c.socket.end()
      }
    }
  }

  private readPairRecord(c: Client, req: PlistDict, tag: number): undefined {
    const id = req.PairRecordID
    if (typeof id !== 'string' || id === '') return void this.result(c, ERRNO_EINVAL, tag)
    const data = this.pairs.read(id)
    if (!data) return void this.send(c, noPairRecordAnswer(this.behaviour.flavour), tag)
    this.send(c, { PairRecordData: data }, tag)
    return undefined
  }

  private savePairRecord(c: Client, req: PlistDict, tag: number): undefined {
    const id = req.PairRecordID
    const data = req.PairRecordData
    if (typeof id !== 'string' || id === '' || !Buffer.isBuffer(data)) return void this.result(c, ERRNO_EINVAL, tag)
    try {
      this.pairs.save(id, data)
    } catch {
      return void this.result(c, ERRNO_EINVAL, tag)
    }
    this.result(c, MuxResult.OK, tag)
    const deviceId = req.DeviceID
    if (typeof deviceId === 'number') {
      const d = this.directory.attachedDevices().find((x) => x.deviceId === deviceId && reportedSerial(x, this.behaviour) === id)
      if (d) this.broadcast({ MessageType: 'Paired', DeviceID: deviceId })
    }
    return undefined
  }

  private result(c: Client, n: number, tag: number): void {
    this.send(c, { MessageType: 'Result', Number: n }, tag)
  }

  private send(c: Client, dict: PlistDict, tag: number): void {
    const payload = encodeXmlPlist(dict)
    const header = Buffer.alloc(MUX_HEADER_SIZE)
    header.writeUInt32LE(MUX_HEADER_SIZE + payload.length, 0)
    header.writeUInt32LE(c.version, 4)
    header.writeUInt32LE(MuxMessage.Plist, 8)
    header.writeUInt32LE(tag, 12)
    if (!c.socket.destroyed) c.socket.write(Buffer.concat([header, payload]))
  }

  /** usbmuxd-proto.h binary RESULT: header (version 0, message 1) + u32le result. */
  private binaryResult(c: Client, n: number, tag: number): void {
    const buf = Buffer.alloc(MUX_HEADER_SIZE + 4)
    buf.writeUInt32LE(buf.length, 0)
    buf.writeUInt32LE(0, 4)
    buf.writeUInt32LE(MuxMessage.Result, 8)
    buf.writeUInt32LE(tag, 12)
    buf.writeUInt32LE(n, 16)
    if (!c.socket.destroyed) c.socket.write(buf)
  }
}

function listenerEntry(l: Client): PlistDict {
  const e: PlistDict = {
    Blacklisted: false,
    ConnType: 0,
    'ID String': `${l.id}-${l.progName}`,
    ProgName: l.progName,
    kLibUSBMuxVersion: l.libVersion ?? 3,
  }
  if (l.bundleId) e.BundleID = l.bundleId
  return e
}

/**
 * Removes a leftover socket file from an earlier run, but never a live one (a real usbmuxd at
 * /var/run/usbmuxd) and never a file that is not a socket.
 */
async function removeStaleSocket(socketPath: string): Promise<void> {
  const st = await fs.lstat(socketPath).catch(() => undefined)
  if (!st) return
  if (!st.isSocket()) throw new Error(`${socketPath} exists and is not a socket`)
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath)
    probe.once('connect', () => {
      probe.destroy()
      resolve(true)
    })
    probe.once('error', () => resolve(false))
  })
  if (live) throw new Error(`something is already listening on ${socketPath}`)
  await fs.rm(socketPath, { force: true })
}
