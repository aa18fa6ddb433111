/**
 * A deliberately small raw client for testing the simulator byte by byte: usbmux frames,
 * lockdown plist frames (with a TLS session on the same socket, closed the way libimobiledevice
 * closes it), and AFC packets with pipelining. It is not the product's client (src/main/device).
 */
import net from 'node:net'
import { Duplex } from 'node:stream'
import tls from 'node:tls'
import { encodeAfcPacket } from '../../../../src/main/device/afc/packet-codec.js'
import { decodePlistDict, encodeXmlPlist, type PlistDict } from '../../../../src/main/device/plist/plist-codec.js'
import { swapPort } from '../../../../src/main/device/usbmux/messages.js'
import { parseSocketAddress } from '../../../../src/sim/address.js'
import { ChunkBuffer } from '../../../../src/main/device/io/chunk-buffer.js'

/** Buffers a stream and hands out exact byte counts. */
export class Reader {
  private readonly q = new ChunkBuffer()
  private waiter: (() => void) | undefined
  ended = false
  /** While set, incoming bytes go here instead of the queue (a TLS session on top). */
  tap: ((chunk: Buffer) => void) | undefined

  constructor(readonly stream: NodeJS.ReadableStream & { on(event: string, fn: (...a: never[]) => void): unknown }) {
    stream.on('data', (chunk: Buffer) => {
      if (this.tap) return this.tap(chunk)
      this.q.push(chunk)
      this.wake()
    })
    const end = (): void => {
      this.ended = true
      this.wake()
    }
    stream.on('end', end)
    stream.on('close', end)
    stream.on('error', end)
  }

  get buffered(): number {
    return this.q.length
  }

  private wake(): void {
    const w = this.waiter
    this.waiter = undefined
    w?.()
  }

  /** Exactly n bytes; rejects on EOF first or after `timeoutMs`. */
  async read(n: number, timeoutMs = 10_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs
    while (this.q.length < n) {
      if (this.ended) throw new Error(`EOF after ${this.q.length} of ${n} bytes`)
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} bytes`)
      await new Promise<void>((resolve) => {
        this.waiter = resolve
        setTimeout(resolve, 50)
      })
    }
    return Buffer.from(this.q.take(n))
  }

  /** Everything until EOF. */
  async readToEnd(timeoutMs = 10_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('timed out waiting for EOF')
      await new Promise<void>((resolve) => {
        this.waiter = resolve
        setTimeout(resolve, 50)
      })
    }
    return Buffer.from(this.q.takeAll())
  }

  /** Bytes that arrived while a tap was set but are still wanted (none normally). */
  push(chunk: Buffer): void {
    this.q.push(chunk)
    this.wake()
  }
}

export async function openSocket(address: string): Promise<net.Socket> {
  const a = parseSocketAddress(address)
  const socket = a.kind === 'unix' ? net.connect(a.path) : net.connect(a.port, a.host)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  return socket
}

export interface MuxFrameIn {
  version: number
  message: number
  tag: number
  payload: Buffer
}

export function muxFrame(dict: PlistDict, tag: number, version = 1, message = 8): Buffer {
  const payload = encodeXmlPlist(dict)
  const h = Buffer.alloc(16)
  h.writeUInt32LE(16 + payload.length, 0)
  h.writeUInt32LE(version, 4)
  h.writeUInt32LE(message, 8)
  h.writeUInt32LE(tag, 12)
  return Buffer.concat([h, payload])
}

export async function readMuxFrame(r: Reader, timeoutMs?: number): Promise<MuxFrameIn> {
  const h = await r.read(16, timeoutMs)
  const length = h.readUInt32LE(0)
  return { version: h.readUInt32LE(4), message: h.readUInt32LE(8), tag: h.readUInt32LE(12), payload: await r.read(length - 16, timeoutMs) }
}

export async function readMuxPlist(r: Reader, timeoutMs?: number): Promise<PlistDict & { _tag: number }> {
  const f = await readMuxFrame(r, timeoutMs)
  return { ...decodePlistDict(f.payload), _tag: f.tag }
}

/** One request on a fresh mux connection; the reply and the still-open connection. */
export async function muxRequest(address: string, dict: PlistDict, tag = 1): Promise<{ reply: PlistDict & { _tag: number }; socket: net.Socket; reader: Reader }> {
  const socket = await openSocket(address)
  const reader = new Reader(socket)
  socket.write(muxFrame({ ProgName: 'sim-test', ClientVersionString: 'sim-test 1', kLibUSBMuxVersion: 3, ...dict }, tag))
  return { reply: await readMuxPlist(reader), socket, reader }
}

export class MuxRefused extends Error {
  constructor(readonly result: number) {
    super(`mux Connect refused with Result ${result}`)
  }
}

/** Connects to a device port through the mux; the socket is then the raw tunnel. */
export async function connectPort(address: string, deviceId: number, port: number): Promise<{ socket: net.Socket; reader: Reader }> {
  const { reply, socket, reader } = await muxRequest(address, { MessageType: 'Connect', DeviceID: deviceId, PortNumber: swapPort(port) }, 7)
  if (reply.Number !== 0) {
    socket.destroy()
    throw new MuxRefused(Number(reply.Number))
  }
  return { socket, reader }
}

/** Lockdown over a tunnel, with a TLS session that can stop and fall back to plaintext. */
export class LockdownTestClient {
  private tlsSocket: tls.TLSSocket | undefined
  private tlsReader: Reader | undefined

  constructor(
    readonly socket: net.Socket,
    readonly reader: Reader,
  ) {}

  private get io(): { write: (b: Buffer) => void; reader: Reader } {
    if (this.tlsSocket && this.tlsReader) {
      const s = this.tlsSocket
      return { write: (b) => void s.write(b), reader: this.tlsReader }
    }
    return { write: (b) => void this.socket.write(b), reader: this.reader }
  }

  async request(dict: PlistDict, timeoutMs?: number): Promise<PlistDict> {
    const body = encodeXmlPlist({ Label: 'sim-test', ...dict })
    const h = Buffer.alloc(4)
    h.writeUInt32BE(body.length, 0)
    const { write, reader } = this.io
    write(Buffer.concat([h, body]))
    const len = (await reader.read(4, timeoutMs)).readUInt32BE(0)
    return decodePlistDict(await reader.read(len, timeoutMs))
  }

  /** Starts TLS as the client (libimobiledevice presents the root certificate; `cert` is optional). */
  async startTls(opts: { cert?: string; key?: string; maxVersion?: tls.SecureVersion } = {}): Promise<tls.TLSSocket> {
    const raw = this.socket
    const duplex = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        raw.write(chunk, () => cb())
      },
      final(cb) {
        cb()
      },
    })
    this.reader.tap = (chunk) => duplex.push(chunk)
    const t = tls.connect({ socket: duplex as never, rejectUnauthorized: false, ciphers: 'ALL:@SECLEVEL=0', minVersion: 'TLSv1', maxVersion: opts.maxVersion, cert: opts.cert, key: opts.key })
    await new Promise<void>((resolve, reject) => {
      t.once('secureConnect', resolve)
      t.once('error', reject)
    })
    this.tlsSocket = t
    this.tlsReader = new Reader(t)
    return t
  }

  /** Sends close_notify and carries on in plaintext on the same socket (libimobiledevice's StopSession). */
  async stopTls(): Promise<void> {
    const t = this.tlsSocket
    if (!t) return
    this.tlsSocket = undefined
    this.tlsReader = undefined
    await new Promise<void>((resolve) => t.end(resolve))
    this.reader.tap = undefined
  }
}

export interface AfcReplyIn {
  packetNum: bigint
  op: number
  thisLength: number
  /** Everything after the 40-byte header. */
  body: Buffer
}

/** AFC packets over a tunnel; `send` pipelines, `receive` reads replies in arrival order. */
export class AfcTestClient {
  private packetNum = 0n

  constructor(
    readonly socket: net.Socket,
    readonly reader: Reader,
  ) {}

  send(op: number, headerPayload: Buffer = Buffer.alloc(0), data?: Buffer): bigint {
    const n = ++this.packetNum
    this.socket.write(encodeAfcPacket({ packetNum: n, operation: op, headerPayload, data }))
    return n
  }

  async receive(timeoutMs?: number): Promise<AfcReplyIn> {
    const h = await this.reader.read(40, timeoutMs)
    const entire = Number(h.readBigUInt64LE(8))
    return { packetNum: h.readBigUInt64LE(24), op: Number(h.readBigUInt64LE(32)), thisLength: Number(h.readBigUInt64LE(16)), body: await this.reader.read(entire - 40, timeoutMs) }
  }

  async call(op: number, headerPayload?: Buffer, data?: Buffer): Promise<AfcReplyIn> {
    const n = this.send(op, headerPayload, data)
    const reply = await this.receive()
    if (reply.packetNum !== n) throw new Error(`reply to packet ${reply.packetNum}, expected ${n}`)
    return reply
  }
}

/** Reads a status reply's code (or -1 when the reply is not a Status). */
export function statusOf(reply: AfcReplyIn): number {
  return reply.op === 1 ? Number(reply.body.readBigUInt64LE(0)) : -1
}

/** Starts a service on the phone directly (as lockdown StartService would) and connects to its port. */
export async function openAfc(address: string, device: { startService(name: string): number | undefined; deviceId: number | undefined }, service = 'com.apple.afc'): Promise<AfcTestClient> {
  const port = device.startService(service)
  if (port === undefined || device.deviceId === undefined) throw new Error(`cannot start ${service}`)
  const { socket, reader } = await connectPort(address, device.deviceId, port)
  return new AfcTestClient(socket, reader)
}
