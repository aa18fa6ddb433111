/**
 * One mux socket that became a tunnel to a device service: the service writes replies through
 * it (DeviceLink shapes them), and it tells the service when the host hangs up.
 */
import type { Socket } from 'node:net'
import type { DeviceLink } from './device-link.js'

/** Tunnel queue entries drain to the socket below this (producers wait above HIGH_WATER). */
export const LOW_WATER = 4 * 1024 * 1024

export interface Entry {
  due: number
  chunks: Buffer[]
  chunk: number
  offset: number
  left: number
  release: (() => void) | undefined
}

export class Tunnel {
  readonly queue: Entry[] = []
  queuedBytes = 0
  closed = false
  /** socket.write returned false: wait for 'drain' before writing more. */
  blocked = false
  lastDue = 0
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
   * Sends one reply (header and data as separate buffers, written without copying).
   * `release` runs once the bytes left for the kernel (or were discarded): pooled buffers go back then.
   * Returns a promise when the producer should wait before sending more.
   */
  send(chunks: Buffer[], release?: () => void): Promise<void> | undefined {
    return this.link.send(this, chunks, release)
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
    this.queue.length = 0
    this.queuedBytes = 0
    this.link.forget(this)
    this.wake()
    const handlers = this.closeHandlers
    this.closeHandlers = []
    for (const h of handlers) h(reason)
  }
}

