/**
 * One socket to usbmuxd (protocol.md §1). It carries exactly one of: a single request/reply,
 * a Listen event stream, or a Connect that turns it into a raw tunnel to a device port.
 * Frames are bounded (MUX_MAX_FRAME) and every reply must carry the request's tag; anything
 * else is a device-protocol error that closes the socket.
 */
import net from 'node:net'
import { CradleError } from '../../../shared/errors.js'
import { createLogger } from '../../logging/logger.js'
import type { PlistDict } from '../plist/plist-codec.js'
import { protocolError } from '../protocol-error.js'
import { ChunkBuffer } from '../io/chunk-buffer.js'
import type { Channel } from '../io/channel.js'
import { guard, type CallOptions } from '../io/deadline.js'
import type { MuxAddress } from './address.js'
import { decodeMuxFrame, MUX_HEADER_SIZE } from './frame-codec.js'
import { muxOpenError } from './mux-install.js'
import { DEFAULT_IDENTITY, encodeMuxRequest, framePlist, MuxResult, parseMuxReply, swapPort, type ClientIdentity, type MuxReply } from './messages.js'

const log = createLogger('device/usbmux')

/** libusbmuxd waits 5 s for each mux reply (usbmuxd_get_result). */
export const MUX_TIMEOUT_MS = 5000

export interface MuxTarget {
  address: MuxAddress
  fromEnv: boolean
  platform?: NodeJS.Platform
  env?: NodeJS.ProcessEnv
  identity?: ClientIdentity
}

type Mode = 'idle' | 'waiting' | 'listening' | 'connected' | 'handed-over' | 'closed'

export class MuxConnection {
  private readonly buf = new ChunkBuffer()
  private mode: Mode = 'idle'
  private tag = 0
  private waiter: { tag: number; resolve: (r: MuxReply) => void; reject: (e: CradleError) => void; then: 'idle' | 'connected' | 'listening'; lenient: boolean } | undefined
  private onEvent: ((event: MuxReply) => void) | undefined
  private onClose: ((error: CradleError) => void) | undefined
  private readonly identity: ClientIdentity

  private constructor(private readonly socket: net.Socket, identity: ClientIdentity | undefined) {
    this.identity = identity ?? DEFAULT_IDENTITY
    socket.on('data', this.handleData)
    socket.on('end', this.handleEnd)
    socket.on('close', this.handleEnd)
    socket.on('error', this.handleError)
  }

  /** Opens a socket to usbmuxd; failures say whether usbmuxd is missing or not running. */
  static async open(target: MuxTarget, opts: CallOptions = {}): Promise<MuxConnection> {
    const timeoutMs = opts.timeoutMs ?? MUX_TIMEOUT_MS
    const socket = target.address.kind === 'unix' ? net.connect(target.address.path) : net.connect(target.address.port, target.address.host)
    socket.setNoDelay?.(true)
    const connected = new Promise<void>((resolve, reject) => {
      socket.once('connect', () => {
        socket.off('error', reject)
        resolve()
      })
      socket.once('error', reject)
    })
    try {
      await guard(connected, { signal: opts.signal, timeoutMs, what: 'connect to usbmuxd', timeoutCode: 'usbmuxd-not-running', onFail: () => socket.destroy() })
    } catch (error) {
      socket.destroy()
      throw muxOpenError(error, target.address, target)
    }
    return new MuxConnection(socket, target.identity)
  }

  get closed(): boolean {
    return this.mode === 'closed'
  }

  /** Sends one plist request and waits for the reply with the same tag. */
  request(messageType: string, fields: PlistDict, opts: CallOptions & { lenient?: boolean } = {}): Promise<MuxReply> {
    return this.send(messageType, fields, opts, 'idle')
  }

  /**
   * Connect to a device port (protocol.md §1.4/§1.6): on Result 0 the socket becomes the
   * device's byte stream and is handed to the caller; this object is finished with it.
   */
  async connect(deviceId: number, port: number, opts: CallOptions = {}): Promise<Channel> {
    const reply = await this.send('Connect', { DeviceID: deviceId, PortNumber: swapPort(port) }, opts, 'connected')
    if (reply.kind !== 'result') throw this.fail(protocolError(`Connect answered with ${reply.kind}`))
    if (reply.number !== MuxResult.OK) {
      this.close()
      if (reply.number === MuxResult.BADDEV) throw new CradleError('device-not-found', `usbmuxd: no device ${deviceId}`, { context: { muxResult: reply.number } })
      throw new CradleError('device-protocol', `usbmuxd refused Connect to port ${port} (result ${reply.number})`, { context: { muxResult: reply.number } })
    }
    if (this.mode !== 'connected') throw new CradleError('usbmuxd-not-running', 'usbmuxd closed the connection during Connect')
    // drain() stopped at the Result frame; whatever followed belongs to the device.
    const leftover = this.buf.takeAll()
    this.socket.pause()
    this.socket.off('data', this.handleData)
    this.socket.off('end', this.handleEnd)
    this.socket.off('close', this.handleEnd)
    this.socket.off('error', this.handleError)
    this.mode = 'handed-over'
    return { stream: this.socket, leftover }
  }

  /**
   * Starts Listen; afterwards every frame is an event until the socket closes. Events may
   * arrive in the same chunk as the Result, so the handlers are in place before the request.
   */
  async listen(onEvent: (event: MuxReply) => void, onClose: (error: CradleError) => void, opts: CallOptions = {}): Promise<void> {
    this.onEvent = onEvent
    this.onClose = onClose
    const reply = await this.send('Listen', {}, opts, 'listening')
    if (reply.kind !== 'result' || reply.number !== MuxResult.OK) {
      this.onClose = undefined
      throw this.fail(protocolError(`Listen refused (${reply.kind === 'result' ? `result ${reply.number}` : reply.kind})`))
    }
    if (this.mode !== 'listening') throw new CradleError('usbmuxd-not-running', 'usbmuxd closed the connection during Listen')
  }

  close(): void {
    if (this.mode === 'closed' || this.mode === 'handed-over') return
    this.mode = 'closed'
    this.socket.destroy()
  }

  private send(messageType: string, fields: PlistDict, opts: CallOptions & { lenient?: boolean }, then: 'idle' | 'connected' | 'listening'): Promise<MuxReply> {
    if (this.mode === 'closed') return Promise.reject(new CradleError('usbmuxd-not-running', 'usbmux socket is closed'))
    if (this.mode !== 'idle') return Promise.reject(new CradleError('internal', `usbmux socket is ${this.mode}; one request at a time`))
    const tag = ++this.tag
    const reply = new Promise<MuxReply>((resolve, reject) => {
      this.waiter = { tag, resolve, reject, then, lenient: opts.lenient === true }
    })
    this.mode = 'waiting'
    this.socket.write(encodeMuxRequest(messageType, fields, tag, this.identity))
    const timeoutMs = opts.timeoutMs ?? MUX_TIMEOUT_MS
    return guard(reply, { signal: opts.signal, timeoutMs, what: `usbmuxd ${messageType}`, timeoutCode: 'timeout', onFail: (e) => this.fail(e) })
  }

  private readonly handleData = (chunk: Buffer): void => {
    this.buf.push(chunk)
    this.drain()
  }

  private drain(): void {
    try {
      while (this.buf.length >= MUX_HEADER_SIZE && (this.mode === 'waiting' || this.mode === 'listening' || this.mode === 'idle')) {
        const head = decodeMuxFrame(this.buf.peek(MUX_HEADER_SIZE))
        const length = 'need' in head ? head.need : MUX_HEADER_SIZE
        if (this.buf.length < length) return
        const decoded = decodeMuxFrame(this.buf.take(length))
        if ('need' in decoded) throw protocolError('usbmux frame decoding stalled')
        this.dispatch(decoded.frame.tag, framePlist(decoded.frame))
      }
    } catch (error) {
      this.fail(error instanceof CradleError ? error : protocolError(String(error), error))
    }
  }

  private dispatch(tag: number, dict: PlistDict): void {
    if (this.mode === 'listening') {
      let event: MuxReply
      try {
        event = parseMuxReply(dict)
      } catch (error) {
        // libusbmuxd drops an unparsable event (-EBADMSG) and keeps listening.
        log.warn('skipped a usbmuxd event Cradle cannot read', { reason: error instanceof Error ? error.message : String(error) })
        return
      }
      if (event.kind !== 'attached' && event.kind !== 'detached' && event.kind !== 'paired') throw protocolError(`unexpected ${event.kind} on a Listen socket`)
      this.onEvent?.(event)
      return
    }
    const waiter = this.waiter
    if (this.mode !== 'waiting' || !waiter) throw protocolError('usbmuxd sent a reply nobody asked for')
    if (tag !== waiter.tag) throw protocolError(`usbmuxd reply tag ${tag} does not match request tag ${waiter.tag}`)
    const reply = parseMuxReply(dict, { lenient: waiter.lenient })
    this.waiter = undefined
    // A Connect reply hands the socket over (stop parsing: the rest is device bytes); a Listen
    // reply turns every following frame into an event.
    this.mode = reply.kind === 'result' && reply.number === MuxResult.OK ? waiter.then : 'idle'
    waiter.resolve(reply)
  }

  private readonly handleEnd = (): void => {
    this.fail(new CradleError('usbmuxd-not-running', 'usbmuxd closed the connection'))
  }

  private readonly handleError = (error: Error): void => {
    this.fail(new CradleError('usbmuxd-not-running', `usbmuxd connection failed: ${error.message}`, { cause: error }))
  }

  /** Closes the socket and settles whoever waits; returns the error for `throw`. */
  private fail(error: CradleError): CradleError {
    if (this.mode === 'closed' || this.mode === 'handed-over') return error
    const wasListening = this.mode === 'listening'
    this.mode = 'closed'
    this.socket.destroy()
    this.buf.clear()
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.reject(error)
    if (wasListening) this.onClose?.(error)
    return error
  }
}
