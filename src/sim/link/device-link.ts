/**
 * The device→host direction of one virtual iPhone's USB link, shared by all of its tunnels:
 * per-reply latency (a link delay: each reply is due L ms after it was produced, replies overlap),
 * a bandwidth cap (token bucket, bytes per second, shared by the device's tunnels), and the
 * "drop the connections after N bytes" fault. Unshaped replies go straight to the socket
 * (cork + writev, no copies) so the simulator is never the bottleneck.
 */
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { Tunnel, type Entry } from './tunnel.js'

export { Tunnel } from './tunnel.js'

export interface LinkFaults {
  /** Delay added to every reply, in ms (0 = none). */
  latencyMs?: number
  /** Device→host cap in megabytes per second (10^6 B/s); 0 or undefined = unlimited. */
  bandwidthMBps?: number
  /** Cut every tunnel of the device once this many more device→host bytes were sent (0/undefined = off). */
  dropAfterBytes?: number
  /** After a drop, arm again for another N bytes (default: one-shot). */
  dropRepeat?: boolean
}

/** A producer waits (backpressure) once this much is queued on one tunnel. */
const HIGH_WATER = 16 * 1024 * 1024
/** Bytes a tunnel's socket may buffer before its producer waits for 'drain'. */
const SOCKET_HIGH_WATER = 8 * 1024 * 1024
/** Shaped writes go out in slices so tunnels interleave and the rate is smooth. */
const SLICE = 64 * 1024

export class DeviceLink {
  private readonly tunnels = new Set<Tunnel>()
  private latencyMs = 0
  /** Bytes per millisecond; 0 = unlimited. */
  private rate = 0
  private tokens = 0
  private lastRefill = performance.now()
  private backlogged = false
  private turn = 0
  private dropAfter: number | undefined
  private dropRepeat = false
  private dropLeft: number | undefined
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  /** Device→host bytes written to tunnels since the link was made. */
  bytesSent = 0
  /** Called after a drop-after-bytes fault cut the tunnels. */
  onDrop: (() => void) | undefined

  constructor(faults: LinkFaults = {}) {
    this.setFaults(faults)
  }

  /** Changes shaping and faults at run time; keys left out keep their value. */
  setFaults(faults: LinkFaults): void {
    if (faults.latencyMs !== undefined) this.latencyMs = Math.max(0, faults.latencyMs)
    if (faults.bandwidthMBps !== undefined) {
      this.rate = faults.bandwidthMBps > 0 ? (faults.bandwidthMBps * 1e6) / 1000 : 0
      this.tokens = Math.min(this.tokens, this.burst())
    }
    if (faults.dropRepeat !== undefined) this.dropRepeat = faults.dropRepeat
    if (faults.dropAfterBytes !== undefined) {
      this.dropAfter = faults.dropAfterBytes > 0 ? faults.dropAfterBytes : undefined
      this.dropLeft = this.dropAfter
    }
    this.schedule(0)
  }

  faults(): Required<Omit<LinkFaults, 'dropAfterBytes'>> & { dropAfterBytes: number } {
    return { latencyMs: this.latencyMs, bandwidthMBps: (this.rate * 1000) / 1e6, dropAfterBytes: this.dropAfter ?? 0, dropRepeat: this.dropRepeat }
  }

  /** Wraps a mux socket that just became a tunnel to this device. */
  open(socket: Socket): Tunnel {
    const t = new Tunnel(this, socket)
    this.tunnels.add(t)
    return t
  }

  get tunnelCount(): number {
    return this.tunnels.size
  }

  /** Ends (EOF) or destroys (RST-like) every tunnel: an unplug or a fault. Queued replies are lost. */
  closeAll(how: 'end' | 'destroy', reason: string): void {
    for (const t of [...this.tunnels]) this.closeTunnel(t, how, reason)
  }

  closeTunnel(t: Tunnel, how: 'end' | 'destroy', reason: string): void {
    if (t.closed) return
    const socket = t.socket
    t.markClosed(reason)
    if (how === 'destroy') socket.destroy()
    else {
      socket.end()
      // A peer that never closes its side must not keep the socket forever.
      setTimeout(() => socket.destroy(), 2000).unref()
    }
  }

  forget(t: Tunnel): void {
    this.tunnels.delete(t)
  }

  private shaped(): boolean {
    return this.latencyMs > 0 || this.rate > 0
  }

  private burst(): number {
    return Math.max(4 * SLICE, this.rate * 20)
  }

  send(t: Tunnel, chunks: Buffer[], release?: () => void): Promise<void> | undefined {
    if (t.closed) {
      release?.()
      return undefined
    }
    let bytes = 0
    for (const c of chunks) bytes += c.length
    if (release) release = once(release)
    if (!this.shaped() && t.queue.length === 0 && !t.blocked) {
      this.writeEntry(t, chunks, 0, 0, bytes, release)
      return t.blocked && !t.closed ? t.waitForRoom() : undefined
    }
    const due = Math.max(performance.now() + this.latencyMs, t.lastDue)
    t.lastDue = due
    t.queue.push({ due, chunks, chunk: 0, offset: 0, left: bytes, release })
    t.queuedBytes += bytes
    this.schedule(0)
    return t.queuedBytes > HIGH_WATER ? t.waitForRoom() : undefined
  }

  /**
   * Writes up to `limit` bytes of an entry starting at (chunk, offset); returns bytes written.
   * `release` (only when this write finishes the entry) rides on the last piece's write callback,
   * so a pooled buffer is reused only after the kernel has it. Applies the drop fault: when the
   * allowance runs out mid-write, the partial bytes go out and every tunnel of the device is cut.
   */
  private writeEntry(t: Tunnel, chunks: Buffer[], chunk: number, offset: number, limit: number, release?: () => void): number {
    const allowed = this.dropLeft === undefined ? limit : Math.min(limit, this.dropLeft)
    if (allowed === 0) release?.()
    const socket = t.socket
    let written = 0
    let ok = true
    socket.cork()
    while (written < allowed) {
      const c = chunks[chunk]!
      const take = Math.min(c.length - offset, allowed - written)
      const piece = offset === 0 && take === c.length ? c : c.subarray(offset, offset + take)
      written += take
      offset += take
      if (offset === c.length) {
        chunk++
        offset = 0
      }
      ok = release !== undefined && written === allowed ? socket.write(piece, () => release()) : socket.write(piece)
    }
    socket.uncork()
    this.bytesSent += written
    if (this.dropLeft !== undefined) {
      this.dropLeft -= written
      if (this.dropLeft <= 0) {
        this.fireDrop()
        return written
      }
    }
    // A 4 MiB reply always exceeds the socket's 16 KiB high-water mark; waiting for 'drain' after
    // each one would stop the next disk read from overlapping the send. Wait only past a few MiB.
    if (!ok && socket.writableLength > SOCKET_HIGH_WATER && !t.closed && !t.blocked) {
      t.blocked = true
      socket.once('drain', () => {
        t.blocked = false
        t.wake()
        this.schedule(0)
      })
    }
    return written
  }

  private fireDrop(): void {
    this.dropLeft = this.dropRepeat ? this.dropAfter : undefined
    if (!this.dropRepeat) this.dropAfter = undefined
    // The bytes already handed to the socket still flush before the FIN; nothing after them does.
    this.closeAll('end', 'drop-after-bytes fault')
    this.onDrop?.()
  }

  private schedule(delayMs: number): void {
    const at = performance.now() + delayMs
    if (this.timer && this.timerAt <= at) return
    if (this.timer) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.timerAt = Infinity
      this.pump()
    }, Math.max(0, Math.ceil(delayMs)))
  }

  /**
   * While replies are waiting, credit keeps accumulating for up to a second, so a stalled event
   * loop (a busy machine) catches up and the average rate stays the configured one; an idle link
   * only keeps a small burst.
   */
  private refill(now: number, backlog: boolean): void {
    if (this.rate > 0) this.tokens = Math.min(backlog ? Math.max(this.burst(), this.rate * 1000) : this.burst(), this.tokens + (now - this.lastRefill) * this.rate)
    this.lastRefill = now
  }

  /** Moves due replies to their sockets, round-robin over tunnels, within the token budget. */
  private pump(): void {
    const now = performance.now()
    this.refill(now, this.backlogged)
    let nextDue = Infinity
    let starved = false
    let progress = true
    // Everything due in this pump leaves each socket in one writev, not one syscall per reply:
    // a pipelined walk gets 64 small replies due at once (cork nests with writeEntry's own).
    const corked = [...this.tunnels].filter((t) => !t.closed && t.queue.length > 0)
    for (const t of corked) t.socket.cork()
    while (progress) {
      progress = false
      // Round-robin from where the last slice went, so no tunnel always gets first call on fresh credit.
      const order = [...this.tunnels]
      const start = order.length > 0 ? this.turn % order.length : 0
      for (let k = 0; k < order.length; k++) {
        const t = order[(start + k) % order.length]!
        if (t.closed || t.blocked) continue
        const e = t.queue[0]
        if (!e) continue
        if (e.due > now) {
          nextDue = Math.min(nextDue, e.due)
          continue
        }
        let n = e.left
        if (this.rate > 0) {
          n = Math.min(n, SLICE)
          if (this.tokens < n) {
            starved = true
            continue
          }
        }
        const done = n === e.left
        const written = this.writeEntry(t, e.chunks, e.chunk, e.offset, n, done ? e.release : undefined)
        if (t.closed) continue
        if (this.rate > 0) this.tokens -= written
        this.advance(e, written)
        t.queuedBytes -= written
        if (e.left === 0) t.queue.shift()
        t.wake()
        this.turn = start + k + 1
        progress = true
      }
    }
    for (const t of corked) if (!t.socket.destroyed) t.socket.uncork()
    // Replies left waiting: the credit earned until the next pump may exceed the idle burst.
    this.backlogged = false
    for (const t of this.tunnels) if (t.queue.length > 0) this.backlogged = true
    let wait = Infinity
    if (starved) wait = (Math.min(SLICE, this.burst()) - this.tokens) / this.rate
    if (nextDue !== Infinity) wait = Math.min(wait, nextDue - now)
    if (wait !== Infinity) this.schedule(Math.max(0, wait))
  }

  private advance(e: Entry, n: number): void {
    e.left -= n
    let left = n
    while (left > 0) {
      const c = e.chunks[e.chunk]!
      const take = Math.min(c.length - e.offset, left)
      left -= take
      e.offset += take
      if (e.offset === c.length) {
        e.chunk++
        e.offset = 0
      }
    }
  }

  /** Stops timers (simulator shutdown). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.closeAll('destroy', 'simulator closed')
  }
}

function once(fn: () => void): () => void {
  let called = false
  return () => {
    if (called) return
    called = true
    fn()
  }
}
