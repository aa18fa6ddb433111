/**
 * The usbmuxd client: one fresh socket per request, as libusbmuxd does (protocol.md §1).
 * Pair records go through the mux (Read/Save/DeletePairRecord) so Cradle and the
 * libimobiledevice tools trust the same records.
 */
import { CradleError } from '../../../shared/errors.js'
import { createLogger } from '../../logging/logger.js'
import type { Channel } from '../io/channel.js'
import type { CallOptions } from '../io/deadline.js'
import { protocolError } from '../protocol-error.js'
import { parseMuxAddress, resolveMuxAddress, type MuxAddress } from './address.js'
import { pairRecordIds, preferUsb, toMuxDevice, type MuxDevice } from './device-list.js'
import { describeSkipped, ERRNO_ENOENT, MuxResult, type ClientIdentity, type MuxReply } from './messages.js'
import { MuxConnection, MUX_TIMEOUT_MS, type MuxTarget } from './mux-connection.js'

const log = createLogger('device/usbmux')

export interface MuxClientOptions {
  /** A parsed address or a USBMUXD_SOCKET_ADDRESS-style string; default: env, then the OS default. */
  address?: MuxAddress | string
  env?: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
  /** Per-request timeout (default 5 s, like libusbmuxd). */
  timeoutMs?: number
  identity?: ClientIdentity
}

/** A mux event: what Listen delivers, with devices already normalised. */
export type MuxEvent =
  | { type: 'attached'; device: MuxDevice }
  | { type: 'detached'; deviceId: number }
  | { type: 'paired'; deviceId: number }

export interface MuxListenHandle {
  close(): void
}

export class MuxClient {
  readonly address: MuxAddress
  private readonly target: MuxTarget
  private readonly timeoutMs: number

  constructor(options: MuxClientOptions = {}) {
    const platform = options.platform ?? process.platform
    const env = options.env ?? process.env
    let address: MuxAddress
    let fromEnv = true
    if (typeof options.address === 'string') {
      const parsed = parseMuxAddress(options.address, platform)
      if (!parsed) throw new CradleError('invalid-input', `not a usbmuxd address: ${options.address}`, { context: { key: 'USBMUXD_SOCKET_ADDRESS' } })
      address = parsed
    } else if (options.address) {
      address = options.address
    } else {
      ;({ address, fromEnv } = resolveMuxAddress(env, platform))
    }
    this.address = address
    this.timeoutMs = options.timeoutMs ?? MUX_TIMEOUT_MS
    this.target = { address, fromEnv, platform, env, ...(options.identity ? { identity: options.identity } : {}) }
  }

  /**
   * Attached devices, one per UDID with USB preferred over Wi-Fi (`all: true` keeps both);
   * Network entries are kept and marked so callers can show but skip them.
   */
  async listDevices(opts: CallOptions & { all?: boolean } = {}): Promise<MuxDevice[]> {
    const reply = await this.oneShot('ListDevices', {}, opts)
    if (reply.kind !== 'device-list') throw unexpected('ListDevices', reply)
    if (reply.skipped.length > 0) log.warn('usbmuxd listed devices Cradle cannot read; skipped them', { skipped: reply.skipped.map(describeSkipped) })
    const devices = reply.devices.map(toMuxDevice)
    return opts.all ? devices : preferUsb(devices)
  }

  /** The device with this UDID (USB preferred), or the first USB device when no UDID is given. */
  async findDevice(udid: string | undefined, opts: CallOptions = {}): Promise<MuxDevice> {
    const devices = await this.listDevices(opts)
    const found = udid === undefined ? (devices.find((d) => d.connectionType === 'USB') ?? devices[0]) : devices.find((d) => d.udid === udid || d.udid.replace(/-/g, '') === udid.replace(/-/g, ''))
    if (!found) throw new CradleError('device-not-found', udid ? `no device with UDID ${udid}` : 'no device attached')
    return found
  }

  /** The host's SystemBUID (usbmuxd makes it up once and keeps it). */
  async readBuid(opts: CallOptions = {}): Promise<string> {
    const reply = await this.oneShot('ReadBUID', {}, opts)
    if (reply.kind !== 'buid') throw unexpected('ReadBUID', reply)
    return reply.buid
  }

  /**
   * The stored pair record bytes (XML or binary plist), or undefined when there is none. Like
   * libimobiledevice and pymobiledevice3, any answer without PairRecordData means "not paired":
   * Linux usbmuxd says Result 2 (ENOENT), Apple's daemons say other things (protocol.md §1.4).
   */
  async readPairRecord(recordId: string, opts: CallOptions = {}): Promise<Buffer | undefined> {
    const { data, answer } = await this.askPairRecord(recordId, opts)
    if (!data) log.info('usbmuxd has no pair record', { recordId, answer })
    return data
  }

  /** The record of an attached device, tried under each ID it may be stored under (pairRecordIds). */
  async readDevicePairRecord(device: MuxDevice, opts: CallOptions & { quiet?: boolean } = {}): Promise<{ recordId: string; data: Buffer } | undefined> {
    const answers: string[] = []
    for (const recordId of pairRecordIds(device)) {
      const { data, answer } = await this.askPairRecord(recordId, opts)
      if (data) return { recordId, data }
      answers.push(`${recordId}: ${answer}`)
    }
    if (!opts.quiet) log.info('usbmuxd has no pair record for this device', { udid: device.udid, answers })
    return undefined
  }

  private async askPairRecord(recordId: string, opts: CallOptions): Promise<{ data?: Buffer; answer: string }> {
    const reply = await this.oneShot('ReadPairRecord', { PairRecordID: recordId }, opts, { lenient: true })
    if (reply.kind === 'pair-record' && reply.data.length > 0) return { data: reply.data, answer: 'found' }
    if (reply.kind === 'result') return { answer: `result ${reply.number}` }
    return { answer: reply.kind === 'other' ? `a reply without PairRecordData (MessageType ${reply.messageType ?? 'none'})` : `a ${reply.kind} reply` }
  }

  /** Stores a record; with `deviceId`, usbmuxd tells every listener the device is Paired. */
  async savePairRecord(udid: string, data: Buffer, opts: CallOptions & { deviceId?: number } = {}): Promise<void> {
    const fields = { PairRecordID: udid, PairRecordData: data, ...(opts.deviceId === undefined ? {} : { DeviceID: opts.deviceId }) }
    await this.expectOk('SavePairRecord', fields, opts)
  }

  async deletePairRecord(udid: string, opts: CallOptions = {}): Promise<void> {
    const reply = await this.oneShot('DeletePairRecord', { PairRecordID: udid }, opts)
    if (reply.kind !== 'result') throw unexpected('DeletePairRecord', reply)
    // Deleting a record that is not there is fine.
    if (reply.number !== MuxResult.OK && reply.number !== ERRNO_ENOENT) {
      throw new CradleError('device-protocol', `DeletePairRecord failed (errno ${reply.number})`, { context: { muxResult: reply.number } })
    }
  }

  /** Opens a tunnel to a TCP port on the device; each call uses a new mux socket. */
  async connect(device: MuxDevice | number, port: number, opts: CallOptions = {}): Promise<Channel> {
    const deviceId = typeof device === 'number' ? device : device.deviceId
    const conn = await MuxConnection.open(this.target, { ...opts, timeoutMs: opts.timeoutMs ?? this.timeoutMs })
    try {
      return await conn.connect(deviceId, port, { ...opts, timeoutMs: opts.timeoutMs ?? this.timeoutMs })
    } catch (error) {
      conn.close()
      throw error
    }
  }

  /**
   * Listen: `onEvent` gets one attached event per device already present, then live events;
   * `onClose` is called once when the stream ends (usbmuxd stopped, protocol error, close()).
   */
  async listen(onEvent: (event: MuxEvent) => void, onClose: (error: CradleError) => void, opts: CallOptions = {}): Promise<MuxListenHandle> {
    const conn = await MuxConnection.open(this.target, { ...opts, timeoutMs: opts.timeoutMs ?? this.timeoutMs })
    let closedByUs = false
    try {
      await conn.listen(
        (event) => {
          if (event.kind === 'attached') onEvent({ type: 'attached', device: toMuxDevice(event.device) })
          else if (event.kind === 'detached') onEvent({ type: 'detached', deviceId: event.deviceId })
          else if (event.kind === 'paired') onEvent({ type: 'paired', deviceId: event.deviceId })
        },
        (error) => {
          if (!closedByUs) onClose(error)
        },
        { ...opts, timeoutMs: opts.timeoutMs ?? this.timeoutMs },
      )
    } catch (error) {
      conn.close()
      throw error
    }
    return {
      close: () => {
        closedByUs = true
        conn.close()
      },
    }
  }

  private async oneShot(messageType: string, fields: Record<string, string | number | Buffer>, opts: CallOptions, parse: { lenient?: boolean } = {}): Promise<MuxReply> {
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs
    const conn = await MuxConnection.open(this.target, { signal: opts.signal, timeoutMs })
    try {
      return await conn.request(messageType, fields, { signal: opts.signal, timeoutMs, ...parse })
    } finally {
      conn.close()
    }
  }

  private async expectOk(messageType: string, fields: Record<string, string | number | Buffer>, opts: CallOptions): Promise<void> {
    const reply = await this.oneShot(messageType, fields, opts)
    if (reply.kind !== 'result') throw unexpected(messageType, reply)
    if (reply.number !== MuxResult.OK) throw new CradleError('device-protocol', `${messageType} failed (result ${reply.number})`, { context: { muxResult: reply.number } })
  }
}

function unexpected(request: string, reply: MuxReply): CradleError {
  if (reply.kind === 'result') return new CradleError('device-protocol', `${request} failed (result ${reply.number})`, { context: { muxResult: reply.number } })
  return protocolError(`${request} answered with ${reply.kind}`)
}
