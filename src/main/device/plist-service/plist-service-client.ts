/**
 * A "property list service" connection (lockdownd, diagnostics_relay, …): u32be-length-prefixed
 * plists, one request and one reply at a time (protocol.md §2.1). Can switch to TLS and back on
 * the same tunnel (StartSession / StopSession). A reply nobody asked for, a bad frame, a stall or
 * the tunnel ending fail the pending call and close the connection.
 */
import type { Duplex } from 'node:stream'
import type tls from 'node:tls'
import { CradleError } from '../../../shared/errors.js'
import { ChunkBuffer } from '../io/chunk-buffer.js'
import type { Channel } from '../io/channel.js'
import { guard, type CallOptions } from '../io/deadline.js'
import { tunnelError, unpluggedError } from '../io/socket-errors.js'
import { startTls, stopTls, type Carrier, type TlsCredentials } from '../io/tls-carrier.js'
import type { PlistDict } from '../plist/plist-codec.js'
import { decodePlistDict } from '../plist/plist-codec.js'
import { protocolError } from '../protocol-error.js'
import { encodePlistServiceFrame, PLIST_SERVICE_MAX_FRAME } from './plist-service-codec.js'

/** libimobiledevice gives each plist receive 30 s; the Pair dialog and first session can be slow. */
export const PLIST_SERVICE_TIMEOUT_MS = 30_000

type Waiter = { resolve: (value: PlistDict) => void; reject: (error: CradleError) => void }

export class PlistServiceClient {
  private readonly raw: Duplex
  private stream: Duplex
  private readonly buf = new ChunkBuffer()
  private waiter: Waiter | undefined
  private lock: Promise<unknown> = Promise.resolve()
  private tls: { socket: tls.TLSSocket; carrier: Carrier } | undefined
  /** After close_notify the device may answer with its own; skip TLS records until plaintext. */
  private skipTlsAlerts = false
  /** The device ended TLS (its close_notify, e.g. right after the StopSession reply) on a live tunnel. */
  private tlsEndedByDevice = false
  private failure: CradleError | undefined
  private readonly timeoutMs: number

  constructor(channel: Channel, private readonly what: string, opts: { timeoutMs?: number } = {}) {
    this.raw = channel.stream
    this.stream = channel.stream
    this.timeoutMs = opts.timeoutMs ?? PLIST_SERVICE_TIMEOUT_MS
    this.buf.push(channel.leftover)
    this.attach(this.raw)
  }

  get closed(): boolean {
    return this.failure !== undefined
  }

  get secure(): boolean {
    return this.tls !== undefined
  }

  /** Sends one plist and waits for the next one; calls are queued, never interleaved. */
  request(message: PlistDict, opts: CallOptions = {}): Promise<PlistDict> {
    return this.exclusive(() => this.exchange(message, opts))
  }

  /** Switches the tunnel to TLS (the host is the client). */
  startTls(creds: TlsCredentials, opts: CallOptions = {}): Promise<void> {
    return this.exclusive(async () => {
      if (this.tls) throw new CradleError('internal', 'TLS already active')
      this.detach(this.raw)
      try {
        this.tls = await startTls(this.raw, this.buf.takeAll(), creds, { timeoutMs: opts.timeoutMs ?? this.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) })
      } catch (error) {
        this.fail(error as CradleError)
        throw error
      }
      this.stream = this.tls.socket
      this.tlsEndedByDevice = false
      this.attach(this.stream)
    })
  }

  /** Ends TLS with close_notify and continues in plaintext on the same tunnel. */
  stopTls(): Promise<void> {
    return this.exclusive(async () => {
      const active = this.tls
      if (!active) return
      this.detach(active.socket)
      this.tls = undefined
      await stopTls(active.socket, active.carrier)
      this.stream = this.raw
      this.skipTlsAlerts = true
      if (this.raw.destroyed) this.fail(unpluggedError(this.what))
      else this.attach(this.raw)
    })
  }

  close(): void {
    this.fail(new CradleError('aborted', `${this.what} closed`))
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn)
    this.lock = run.catch(() => undefined)
    return run
  }

  private exchange(message: PlistDict, opts: CallOptions): Promise<PlistDict> {
    if (this.failure) return Promise.reject(this.failure)
    if (this.tls && this.tlsEndedByDevice) {
      this.fail(unpluggedError(`${this.what} (the device ended the TLS session)`))
      return Promise.reject(this.failure)
    }
    const reply = new Promise<PlistDict>((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
    this.stream.write(encodePlistServiceFrame(message))
    this.drain()
    return guard(reply, {
      signal: opts.signal,
      timeoutMs: opts.timeoutMs ?? this.timeoutMs,
      what: `${this.what} ${String(message.Request ?? message.Command ?? 'request')}`,
      onFail: (error) => this.fail(error),
    })
  }

  private attach(stream: Duplex): void {
    const onEnd = stream === this.raw ? this.onEnd : this.onTlsEnd
    stream.on('data', this.onData)
    stream.on('end', onEnd)
    stream.on('close', onEnd)
    stream.on('error', this.onError)
    stream.resume()
  }

  private detach(stream: Duplex): void {
    const onEnd = stream === this.raw ? this.onEnd : this.onTlsEnd
    stream.pause()
    stream.off('data', this.onData)
    stream.off('end', onEnd)
    stream.off('close', onEnd)
    stream.off('error', this.onError)
  }

  private readonly onData = (chunk: Buffer): void => {
    this.buf.push(chunk)
    this.drain()
  }

  private readonly onEnd = (): void => this.fail(unpluggedError(this.what))
  /**
   * TLS ended. On a dead tunnel that is an unplug. On a live one the device sent close_notify: some
   * phones do right after the StopSession reply, and plaintext follows once we sent ours (stopTls);
   * only a request still waiting, or a later one inside TLS, fails.
   */
  private readonly onTlsEnd = (): void => {
    if (this.raw.destroyed || this.raw.readableEnded || this.waiter) return this.fail(unpluggedError(this.what))
    this.tlsEndedByDevice = true
  }
  private readonly onError = (error: Error): void => this.fail(tunnelError(this.what, error))

  private drain(): void {
    try {
      for (;;) {
        if (this.skipTlsAlerts && this.buf.length >= 5) {
          const head = this.buf.peek(5)
          // TLS records (alert 0x15; TLS 1.3 wraps close_notify as application data 0x17) can't
          // be plaintext frames: those start with a length below 16 MiB, i.e. a 0x00 byte.
          if (head[0]! >= 0x14 && head[0]! <= 0x17 && head[1] === 0x03) {
            const record = 5 + head.readUInt16BE(3)
            if (this.buf.length < record) return
            this.buf.take(record)
            continue
          }
          this.skipTlsAlerts = false
        }
        if (this.buf.length < 4) return
        const length = this.buf.peek(4).readUInt32BE(0)
        if (length === 0) throw protocolError(`${this.what}: empty plist frame`)
        if (length > PLIST_SERVICE_MAX_FRAME) throw protocolError(`${this.what}: plist frame length ${length} exceeds ${PLIST_SERVICE_MAX_FRAME}`)
        if (this.buf.length < 4 + length) return
        const waiter = this.waiter
        if (!waiter) throw protocolError(`${this.what}: the device sent a message nobody asked for`)
        this.buf.take(4)
        const value = decodePlistDict(this.buf.take(length))
        this.waiter = undefined
        waiter.resolve(value)
      }
    } catch (error) {
      this.fail(error instanceof CradleError ? error : protocolError(String(error), error))
    }
  }

  private fail(error: CradleError): void {
    if (this.failure) return
    this.failure = error
    const waiter = this.waiter
    this.waiter = undefined
    this.buf.clear()
    this.tls?.socket.destroy()
    this.tls?.carrier.detach()
    this.raw.destroy()
    waiter?.reject(error)
  }
}
