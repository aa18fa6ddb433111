/**
 * The AFC transport: many requests in flight on one tunnel, each reply matched to its request
 * by packet_num (protocol.md §4.5; pymobiledevice3 does the same). Requests written in the same
 * tick go out in one write (cork). A reply for a packet we never sent, a bad header or a frame
 * over the size cap is a device-protocol error that closes the connection. A stalled device
 * (nothing received for `timeoutMs` while requests are pending) fails everything with
 * 'device-timeout'; EOF or reset fails everything with 'device-unplugged'.
 */
import type { Duplex } from 'node:stream'
import { CradleError } from '../../../shared/errors.js'
import { ChunkBuffer } from '../io/chunk-buffer.js'
import type { Channel } from '../io/channel.js'
import { abortError, timeoutError } from '../io/deadline.js'
import { tunnelError, unpluggedError } from '../io/socket-errors.js'
import { protocolError } from '../protocol-error.js'
import { AFC_HEADER_SIZE, decodeAfcHeader, encodeAfcPacket, type AfcHeader } from './packet-codec.js'

/** Reads are ≤ 4 MiB and listings are small; 16 MiB bounds what one reply can make us hold. */
export const AFC_CLIENT_MAX_PACKET = 16 * 1024 * 1024 + AFC_HEADER_SIZE
export const AFC_TIMEOUT_MS = 30_000

/** Replies larger than this are handed over as the received pieces instead of one copy. */
const ZERO_COPY_MIN = 256 * 1024

export interface AfcReply {
  operation: number
  /** Everything after the 40-byte header (entire_length − 40 bytes), as received (≥ 1 piece). */
  chunks: Buffer[]
  /** Total length of `chunks`. */
  length: number
}

/** The reply body as one Buffer (copies only when it arrived in pieces). */
export function replyBody(reply: AfcReply): Buffer {
  if (reply.chunks.length === 1) return reply.chunks[0]!
  const body = Buffer.concat(reply.chunks, reply.length)
  reply.chunks = [body]
  return body
}

interface Pending {
  resolve: (reply: AfcReply) => void
  reject: (error: CradleError) => void
  signal: AbortSignal | undefined
  /** Aborted by the caller: the late reply is dropped, not treated as unexpected. */
  abandoned: boolean
}

export class AfcConnection {
  private readonly stream: Duplex
  private readonly buf = new ChunkBuffer()
  private header: AfcHeader | undefined
  private nextPacket = 1
  private readonly pending = new Map<number, Pending>()
  /** One abort listener per distinct signal, however many requests share it. */
  private readonly bySignal = new Map<AbortSignal, { packets: Set<number>; listener: () => void }>()
  private failure: CradleError | undefined
  private corked = false
  private lastProgress = Date.now()
  private watchdog: NodeJS.Timeout | undefined
  private readonly timeoutMs: number
  private readonly maxPacket: number

  constructor(channel: Channel, opts: { timeoutMs?: number; maxPacket?: number } = {}) {
    this.stream = channel.stream
    this.timeoutMs = opts.timeoutMs ?? AFC_TIMEOUT_MS
    this.maxPacket = opts.maxPacket ?? AFC_CLIENT_MAX_PACKET
    this.buf.push(channel.leftover)
    this.stream.on('data', this.onData)
    this.stream.on('end', this.onEnd)
    this.stream.on('close', this.onEnd)
    this.stream.on('error', this.onError)
    this.stream.resume()
  }

  get closed(): boolean {
    return this.failure !== undefined
  }

  /** Requests currently waiting for a reply. */
  get inFlight(): number {
    return this.pending.size
  }

  /** Sends one packet and resolves with its reply (any operation; callers check it). */
  request(operation: number, headerPayload: Buffer, signal?: AbortSignal, data?: Buffer): Promise<AfcReply> {
    if (this.failure) return Promise.reject(this.failure)
    if (signal?.aborted) return Promise.reject(abortError(signal, 'AFC request'))
    const packetNum = this.nextPacket++
    const promise = new Promise<AfcReply>((resolve, reject) => {
      this.pending.set(packetNum, { resolve, reject, signal, abandoned: false })
    })
    if (signal) this.track(signal, packetNum)
    if (this.pending.size === 1) this.armWatchdog()
    if (!this.corked) {
      this.corked = true
      this.stream.cork()
      process.nextTick(this.uncork)
    }
    this.stream.write(encodeAfcPacket({ packetNum, operation, headerPayload, ...(data ? { data } : {}) }))
    return promise
  }

  /** Closes the tunnel; pending and later requests fail with `error` (default 'aborted'). */
  close(error: CradleError = new CradleError('aborted', 'AFC connection closed')): void {
    this.fail(error)
  }

  private readonly uncork = (): void => {
    this.corked = false
    if (!this.stream.destroyed) this.stream.uncork()
  }

  private track(signal: AbortSignal, packetNum: number): void {
    let entry = this.bySignal.get(signal)
    if (!entry) {
      const packets = new Set<number>()
      const listener = (): void => {
        this.bySignal.delete(signal)
        const error = abortError(signal, 'AFC request')
        for (const n of packets) {
          const p = this.pending.get(n)
          if (p && !p.abandoned) {
            p.abandoned = true
            p.reject(error)
          }
        }
      }
      entry = { packets, listener }
      this.bySignal.set(signal, entry)
      signal.addEventListener('abort', listener, { once: true })
    }
    entry.packets.add(packetNum)
  }

  private untrack(signal: AbortSignal | undefined, packetNum: number): void {
    if (!signal) return
    const entry = this.bySignal.get(signal)
    if (!entry) return
    entry.packets.delete(packetNum)
    if (entry.packets.size === 0) {
      signal.removeEventListener('abort', entry.listener)
      this.bySignal.delete(signal)
    }
  }

  private armWatchdog(): void {
    this.lastProgress = Date.now()
    if (this.watchdog) return
    const period = Math.max(50, Math.min(1000, Math.floor(this.timeoutMs / 4)))
    this.watchdog = setInterval(() => {
      if (this.pending.size === 0) {
        clearInterval(this.watchdog)
        this.watchdog = undefined
      } else if (Date.now() - this.lastProgress > this.timeoutMs) {
        this.fail(timeoutError('AFC', this.timeoutMs))
      }
    }, period)
  }

  private readonly onData = (chunk: Buffer): void => {
    this.lastProgress = Date.now()
    this.buf.push(chunk)
    try {
      for (;;) {
        if (!this.header) {
          if (this.buf.length < AFC_HEADER_SIZE) return
          this.header = decodeAfcHeader(this.buf.peek(AFC_HEADER_SIZE), this.maxPacket)
        }
        const h = this.header
        if (this.buf.length < h.entireLength) return
        this.header = undefined
        const bodyLength = h.entireLength - AFC_HEADER_SIZE
        let chunks: Buffer[]
        if (bodyLength >= ZERO_COPY_MIN) {
          this.buf.skip(AFC_HEADER_SIZE)
          chunks = this.buf.takeChunks(bodyLength)
        } else {
          chunks = [this.buf.take(h.entireLength).subarray(AFC_HEADER_SIZE)]
        }
        this.dispatch(h, chunks, bodyLength)
        if (this.failure) return
      }
    } catch (error) {
      this.fail(error instanceof CradleError ? error : protocolError(String(error), error))
    }
  }

  private dispatch(h: AfcHeader, chunks: Buffer[], length: number): void {
    const key = h.packetNum <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(h.packetNum) : -1
    const p = this.pending.get(key)
    if (!p) throw protocolError(`AFC reply for packet ${h.packetNum}, which was never sent or already answered`)
    this.pending.delete(key)
    this.untrack(p.signal, key)
    if (!p.abandoned) p.resolve({ operation: h.operation, chunks, length })
  }

  private readonly onEnd = (): void => this.fail(unpluggedError('AFC'))
  private readonly onError = (error: Error): void => this.fail(tunnelError('AFC', error))

  private fail(error: CradleError): void {
    if (this.failure) return
    this.failure = error
    if (this.watchdog) clearInterval(this.watchdog)
    this.watchdog = undefined
    this.stream.off('data', this.onData)
    this.stream.destroy()
    this.buf.clear()
    for (const [signal, entry] of this.bySignal) signal.removeEventListener('abort', entry.listener)
    this.bySignal.clear()
    const pending = [...this.pending.values()]
    this.pending.clear()
    for (const p of pending) if (!p.abandoned) p.reject(error)
  }
}
