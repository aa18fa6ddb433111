/**
 * One mux socket that became a tunnel to a device service: the service writes replies through
 * it (DeviceLink shapes them), and it tells the service when the host hangs up.
 */
import type { Socket } from 'node:net'
import type { DeviceLink } from './device-link.js'

/** Tunnel queue entries drain to the socket below this (producers wait above HIGH_WATER). */
export const LOW_WATER = 4 * 1024 * 1024

/** One reply the phone has not finished handing to the link. */
export interface Entry {
  chunks: Buffer[]
  chunk: number
  offset: number
  left: number
  release: (() => void) | undefined
  /** When the request it answers reached the phone (link clock); for other bytes, when they were sent. */
  arrivedAt: number
  /** An AFC reply: it costs the phone its per-request service time. */
  served: boolean
  /** When the phone may start handing it over (set once it is at the head of the queue). */
  readyAt: number | undefined
  /** Resolves the service's wait once the whole reply has left the phone. */
  handedOver: (() => void) | undefined
}

/** Bytes that left the phone and are on their way to the host (the link's latency). */
export interface Slice {
  deliverAt: number
  pieces: Buffer[]
  bytes: number
  release: (() => void) | undefined
}

export class Tunnel {
  readonly queue: Entry[] = []
  queuedBytes = 0
  /** Slices on the wire, oldest first. */
  readonly flight: Slice[] = []
  flightBytes = 0
  closed = false
  /** socket.write returned false: wait for 'drain' before writing more (unshaped link). */
  blocked = false
  /** The in-flight window is full: the next socket flush wakes the link. */
  windowFull = false
  /** When the phone finished handing over the previous reply (its next request starts then). */
  phoneFreeAt = -Infinity
  /** When the in-flight window last had room again after being full. */
  roomAt = -Infinity
  lastDeliverAt = -Infinity
  /** Bytes written to this tunnel's socket. */
  bytesSent = 0
  private waiters: (() => void)[] = []
  private closeHandlers: ((reason: string) => void)[] = []

  constructor(
    readonly link: DeviceLink,
    readonly socket: Socket,
  ) {
    socket.on('close', () => this.markClosed('peer closed'))
    socket.on('error', () => undefined) // ECONNRESET from a client that hung up: 'close' follows
  }

  /**
   * Sends bytes that are not an answer to one AFC request (lockdown frames, TLS records, pings).
   * Header and data go as separate buffers, written without copying. `release` runs once the
   * bytes left for the kernel (or were discarded): pooled buffers go back then.
   * Returns a promise when the producer should wait before sending more.
   */
  send(chunks: Buffer[], release?: () => void): Promise<void> | undefined {
    return this.link.send(this, chunks, release, false)
  }

  /**
   * Sends the reply to one AFC request that reached the phone at `arrivedAt` (link clock, default
   * now): on a shaped link it costs the phone its service time, counted from when the phone was
   * free for it, so a simulator that is slow to produce the reply does not make the phone slower.
   */
  reply(chunks: Buffer[], release?: () => void, arrivedAt?: number): Promise<void> | undefined {
    return this.link.send(this, chunks, release, true, arrivedAt)
  }

  /** Bytes that left the phone and the host's socket has not taken yet (the in-flight window). */
  get inFlight(): number {
    return this.flightBytes + this.socket.writableLength
  }

  /** Closes the tunnel the way a device service hangs up: FIN after what was already written. */
  end(): void {
    this.link.closeTunnel(this, 'end', 'service closed')
  }

  onClose(handler: (reason: string) => void): void {
    if (this.closed) handler('closed')
    else this.closeHandlers.push(handler)
  }

  /** Resolves when the tunnel can take more (queue below the low-water mark, drained, or closed). */
  waitForRoom(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  wake(): void {
    if (this.closed || (!this.blocked && this.queuedBytes <= LOW_WATER)) {
      const w = this.waiters
      this.waiters = []
      for (const fn of w) fn()
    }
  }

  markClosed(reason: string): void {
    if (this.closed) return
    this.closed = true
    // Queued buffers are not released to their pool: a slice of one may still sit in the
    // socket's write queue. Dropping the references lets the GC have them instead.
    const waiting = this.queue.splice(0)
    this.queuedBytes = 0
    this.flight.length = 0
    this.flightBytes = 0
    this.link.forget(this)
    for (const e of waiting) e.handedOver?.()
    this.wake()
    const handlers = this.closeHandlers
    this.closeHandlers = []
    for (const h of handlers) h(reason)
  }
}
