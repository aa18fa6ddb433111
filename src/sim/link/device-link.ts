/**
 * The device→host direction of one virtual iPhone's USB link, shared by all of its tunnels.
 *
 * Unshaped (the default) replies go straight to the socket (cork + writev, no copies) so the
 * simulator is never the bottleneck; a tunnel's producer waits only once 8 MiB sit unsent.
 * Shaped, every reply passes the stages a reply from an iPhone over USB 2 passes, on a virtual
 * timeline (each stage's times follow from the previous stage's, not from when this process got
 * round to it), so timer granularity and a late event loop do not slow the modelled phone down:
 *   1. service: the phone works on one request per connection at a time. An AFC reply starts
 *      `serviceMs` after both its request arrived and the phone handed over the previous reply;
 *   2. window: at most `windowBytes` per connection are in flight (left the phone, not yet taken
 *      by the host's socket); the phone waits for the rest, and so does its AFC session (the
 *      next request is not served until the reply has left). usbmuxd advertises 128 KiB;
 *   3. wire: a token bucket shared by the device's tunnels (`bandwidthMBps`), round-robin in
 *      16 KiB slices; idle time earns at most `burstBytes` of credit;
 *   4. latency: each slice reaches the host `latencyMs` after it left the wire (slices overlap).
 * The "drop the connections after N bytes" fault applies to what reaches the host's socket.
 */
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { Tunnel, type Entry } from './tunnel.js'

export { Tunnel } from './tunnel.js'

export interface LinkFaults {
  /** Delay added to every reply, in ms (0 = none). */
  latencyMs?: number
  /** Device→host cap in megabytes per second (10^6 B/s); 0 or undefined = unlimited. */
  bandwidthMBps?: number
  /** Credit the bandwidth cap gives an idle link, in bytes (default 64 KiB; at least one 16 KiB slice). */
  burstBytes?: number
  /** Device→host bytes in flight per connection before the phone waits; 0 = the kind default (8 MiB, whole replies). */
  windowBytes?: number
  /** Time the phone spends on each AFC request before its reply starts, in ms (0 = none). */
  serviceMs?: number
  /** Cut every tunnel of the device once this many more device→host bytes were sent (0/undefined = off). */
  dropAfterBytes?: number
  /** After a drop, arm again for another N bytes (default: one-shot). */
  dropRepeat?: boolean
}

/**
 * A USB 2 iPhone as far as public sources say: AFC reads reach 32–35 MB/s in a libimobiledevice
 * maintainer's tests (libimobiledevice #1126), so a 40 MB/s cap is the kind end; usbmuxd
 * advertises a 128 KiB receive window per connection (device.c, tx_win = 131072) and reads the
 * phone in 16 KiB USB transfers. Latency and service time are assumptions (no source measured
 * them); the real-iPhone suite prints an estimate of both for a phone at hand.
 */
export const USB2_LINK: Readonly<Required<Pick<LinkFaults, 'bandwidthMBps' | 'latencyMs' | 'burstBytes' | 'windowBytes' | 'serviceMs'>>> = {
  bandwidthMBps: 40,
  latencyMs: 1,
  burstBytes: 64 * 1024,
  windowBytes: 128 * 1024,
  serviceMs: 0.1,
}

/** The clock the link shapes by; tests pass a manual one so shaping is checked without wall time. */
export interface LinkClock {
  now(): number
  /** Calls `fn` once after `ms`; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void
}

export const realClock: LinkClock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const timer = setTimeout(fn, Math.ceil(ms))
    return () => clearTimeout(timer)
  },
}

/** A producer waits (backpressure) once this much is queued on one tunnel (unshaped link). */
const HIGH_WATER = 16 * 1024 * 1024
/** Bytes a tunnel's socket may buffer before its producer waits: the kind default window. */
const SOCKET_HIGH_WATER = 8 * 1024 * 1024
/** Shaped bytes leave in slices of at most this (usbmuxd's USB receive buffer, USB_MRU), so tunnels interleave. */
export const SLICE = 16 * 1024
export const DEFAULT_BURST = 64 * 1024
/** A nanosecond of slack in time comparisons: sums of slice times must not leave a slice due a hair after now forever. */
const SLACK = 1e-6

/**
 * Events (for tests and status): 'queued' (tunnel) when a shaped reply reaches the link,
 * 'handed-over' (tunnel) when it has wholly left the phone, 'window-full' (tunnel) when a
 * connection's window stops the phone.
 */
export class DeviceLink extends EventEmitter {
  private readonly tunnels = new Set<Tunnel>()
  private latencyMs = 0
  /** Bytes per millisecond; 0 = unlimited. */
  private rate = 0
  private burstBytes = DEFAULT_BURST
  private windowBytes = 0
  private serviceMs = 0
  /** Virtual time at which the wire has sent everything accepted so far (token bucket as a clock). */
  private wireFree = -Infinity
  private turn = 0
  private dropAfter: number | undefined
  private dropRepeat = false
  private dropLeft: number | undefined
  private cancelTimer: (() => void) | undefined
  private timerAt = Infinity
  private immediate: NodeJS.Immediate | undefined
  private pumping = false
  /** Device→host bytes written to tunnels since the link was made. */
  bytesSent = 0
  /** Called after a drop-after-bytes fault cut the tunnels. */
  onDrop: (() => void) | undefined

  constructor(
    faults: LinkFaults = {},
    private readonly clock: LinkClock = realClock,
  ) {
    super()
    this.setFaults(faults)
  }

  /** Changes shaping and faults at run time; keys left out keep their value. */
  setFaults(faults: LinkFaults): void {
    if (faults.latencyMs !== undefined) this.latencyMs = Math.max(0, faults.latencyMs)
    if (faults.bandwidthMBps !== undefined) this.rate = faults.bandwidthMBps > 0 ? (faults.bandwidthMBps * 1e6) / 1000 : 0
    if (faults.burstBytes !== undefined) this.burstBytes = faults.burstBytes > 0 ? Math.floor(faults.burstBytes) : DEFAULT_BURST
    if (faults.windowBytes !== undefined) this.windowBytes = Math.max(0, Math.floor(faults.windowBytes))
    if (faults.serviceMs !== undefined) this.serviceMs = Math.max(0, faults.serviceMs)
    if (faults.dropRepeat !== undefined) this.dropRepeat = faults.dropRepeat
    if (faults.dropAfterBytes !== undefined) {
      this.dropAfter = faults.dropAfterBytes > 0 ? faults.dropAfterBytes : undefined
      this.dropLeft = this.dropAfter
    }
    this.schedule(0)
  }

  faults(): Required<Omit<LinkFaults, 'dropAfterBytes'>> & { dropAfterBytes: number } {
    return {
      latencyMs: this.latencyMs,
      bandwidthMBps: (this.rate * 1000) / 1e6,
      burstBytes: this.burstBytes,
      windowBytes: this.windowBytes,
      serviceMs: this.serviceMs,
      dropAfterBytes: this.dropAfter ?? 0,
      dropRepeat: this.dropRepeat,
    }
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
    return this.latencyMs > 0 || this.rate > 0 || this.windowBytes > 0 || this.serviceMs > 0
  }

  private burst(): number {
    return Math.max(SLICE, this.burstBytes)
  }

  now(): number {
    return this.clock.now()
  }

  send(t: Tunnel, chunks: Buffer[], release: (() => void) | undefined, served: boolean, arrivedAt?: number): Promise<void> | undefined {
    if (t.closed) {
      release?.()
      return undefined
    }
    let bytes = 0
    for (const c of chunks) bytes += c.length
    if (release) release = once(release)
    const entry: Entry = { chunks, chunk: 0, offset: 0, left: bytes, release, arrivedAt: Math.min(arrivedAt ?? Infinity, this.clock.now()), served, readyAt: undefined, handedOver: undefined }
    if (!this.shaped()) {
      if (t.queue.length === 0 && !t.blocked) {
        this.writeWhole(t, chunks, release)
        return t.blocked && !t.closed ? t.waitForRoom() : undefined
      }
      t.queue.push(entry)
      t.queuedBytes += bytes
      this.schedule(0)
      return t.queuedBytes > HIGH_WATER ? t.waitForRoom() : undefined
    }
    // Shaped: the phone (and its AFC session) waits until this reply has left it.
    const left = new Promise<void>((resolve) => (entry.handedOver = resolve))
    t.queue.push(entry)
    t.queuedBytes += bytes
    this.emit('queued', t)
    // Now, not on the next turn of the event loop: a pipelined walk sends thousands of small replies.
    if (this.pumping) this.schedule(0)
    else this.pump()
    return left
  }

  /** Unshaped: the whole entry to the socket now; the producer waits past SOCKET_HIGH_WATER. */
  private writeWhole(t: Tunnel, pieces: Buffer[], release: (() => void) | undefined): void {
    const ok = this.writeOut(t, pieces, sum(pieces), release)
    // A 4 MiB reply always exceeds the socket's 16 KiB high-water mark; waiting for 'drain' after
    // each one would stop the next disk read from overlapping the send. Wait only past a few MiB.
    if (!ok && !t.closed && !t.blocked && t.socket.writableLength > SOCKET_HIGH_WATER) {
      t.blocked = true
      t.socket.once('drain', () => {
        t.blocked = false
        t.wake()
        this.schedule(0)
      })
    }
  }

  /**
   * Writes pieces to the tunnel's socket; returns socket.write's last answer. `release` rides on
   * the last piece's write callback, so a pooled buffer is reused only after the kernel has it.
   * Applies the drop fault: when the allowance runs out mid-write, the partial bytes go out and
   * every tunnel of the device is cut.
   */
  private writeOut(t: Tunnel, pieces: Buffer[], bytes: number, release: (() => void) | undefined): boolean {
    const allowed = this.dropLeft === undefined ? bytes : Math.min(bytes, this.dropLeft)
    if (allowed === 0) release?.()
    const socket = t.socket
    let written = 0
    let ok = true
    socket.cork()
    for (let i = 0; written < allowed; i++) {
      let piece = pieces[i]!
      if (written + piece.length > allowed) piece = piece.subarray(0, allowed - written)
      written += piece.length
      const last = written === allowed
      ok = last ? socket.write(piece, () => this.flushed(t, release)) : socket.write(piece)
    }
    socket.uncork()
    this.bytesSent += written
    t.bytesSent += written
    if (this.dropLeft !== undefined) {
      this.dropLeft -= written
      if (this.dropLeft <= 0) this.fireDrop()
    }
    return ok
  }

  /** The kernel took a write: hand a pooled buffer back, and let a phone waiting on its window go on. */
  private flushed(t: Tunnel, release: (() => void) | undefined): void {
    release?.()
    if (t.windowFull) {
      t.windowFull = false
      t.roomAt = this.clock.now()
      this.schedule(0)
    }
  }

  private fireDrop(): void {
    this.dropLeft = this.dropRepeat ? this.dropAfter : undefined
    if (!this.dropRepeat) this.dropAfter = undefined
    // The bytes already handed to the socket still flush before the FIN; nothing after them does.
    this.closeAll('end', 'drop-after-bytes fault')
    this.onDrop?.()
  }

  private schedule(delayMs: number): void {
    if (delayMs <= 0) {
      // Work that is due now does not wait for the clock (a manual clock only moves when told).
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined
        this.pump()
      })
      return
    }
    const at = this.clock.now() + delayMs
    if (this.cancelTimer && this.timerAt <= at) return
    this.cancelTimer?.()
    this.timerAt = at
    this.cancelTimer = this.clock.setTimer(() => {
      this.cancelTimer = undefined
      this.timerAt = Infinity
      this.pump()
    }, delayMs)
  }

  /**
   * Delivers slices whose latency has passed, then moves replies out of the phone, round-robin over
   * tunnels, slice by slice. Every time here is virtual: a reply is ready `serviceMs` after the
   * phone was free for its request; a slice departs when it is ready, the window has room and the
   * wire (a token bucket kept as the time it runs dry, `wireFree`) has sent what went before; it
   * reaches the host `latencyMs` after departing. A slice is committed once its departure is not in
   * the future, and goes to the socket once its arrival is not. Idle time earns the bucket no more
   * than `burstBytes`, and a window that was full restarts from when the host took bytes again.
   */
  private pump(): void {
    this.pumping = true
    try {
      this.pumpNow()
    } finally {
      this.pumping = false
    }
  }

  private pumpNow(): void {
    const now = this.clock.now()
    let wake = Infinity
    // Everything due in this pump leaves each socket in one writev, not one syscall per reply:
    // a pipelined walk gets 64 small replies due at once (cork nests with writeOut's own).
    const order = [...this.tunnels]
    const corked: Tunnel[] = []
    for (const t of order) {
      if (t.closed || (t.queue.length === 0 && t.flight.length === 0)) continue
      t.socket.cork()
      corked.push(t)
      wake = Math.min(wake, this.deliver(t, now))
    }
    const shaped = this.shaped()
    const window = this.windowBytes > 0 ? this.windowBytes : SOCKET_HIGH_WATER
    let progress = true
    while (progress) {
      progress = false
      // Round-robin from where the last slice went, so no tunnel always gets the wire first.
      const start = order.length > 0 ? this.turn % order.length : 0
      for (let k = 0; k < order.length; k++) {
        const t = order[(start + k) % order.length]!
        if (t.closed || t.blocked) continue
        const e = t.queue[0]
        if (!e) continue
        e.readyAt ??= Math.max(e.arrivedAt, t.phoneFreeAt) + (e.served ? this.serviceMs : 0)
        const ready = Math.max(e.readyAt, t.roomAt)
        if (ready > now + SLACK) {
          wake = Math.min(wake, ready)
          continue
        }
        let n = e.left
        let departs = ready
        let wireFree = this.wireFree
        if (shaped) {
          const room = window - t.inFlight
          if (room <= 0) {
            t.windowFull = true
            if (this.windowBytes > 0) this.emit('window-full', t)
            continue
          }
          // The kind default window takes whole replies (it may overshoot by one); a set one is exact.
          if (this.windowBytes > 0) n = Math.min(n, room)
          if (this.rate > 0) {
            n = Math.min(n, SLICE)
            wireFree = Math.max(this.wireFree, ready - this.burst() / this.rate) + n / this.rate
            departs = Math.max(ready, wireFree)
            if (departs > now + SLACK) {
              wake = Math.min(wake, departs)
              continue
            }
          }
        }
        this.wireFree = wireFree
        const pieces = take(e, n)
        t.queuedBytes -= n
        const done = e.left === 0
        const release = done ? e.release : undefined
        if (!shaped) this.writeWhole(t, pieces, release)
        else {
          const arrives = Math.max(departs + this.latencyMs, t.lastDeliverAt)
          t.lastDeliverAt = arrives
          if (arrives <= now + SLACK && t.flight.length === 0) this.writeOut(t, pieces, n, release)
          else {
            t.flight.push({ deliverAt: arrives, pieces, bytes: n, release })
            t.flightBytes += n
            wake = Math.min(wake, t.flight[0]!.deliverAt)
          }
        }
        if (t.closed) continue
        if (done) {
          t.queue.shift()
          t.phoneFreeAt = departs
          e.handedOver?.()
          if (e.handedOver) this.emit('handed-over', t)
        }
        t.wake()
        this.turn = start + k + 1
        progress = true
      }
    }
    for (const t of corked) if (!t.socket.destroyed) t.socket.uncork()
    if (wake !== Infinity) this.schedule(Math.max(wake - now, 0))
  }

  /** Writes the slices whose latency has passed to the host's socket; returns when the next one is due. */
  private deliver(t: Tunnel, now: number): number {
    while (!t.closed && t.flight.length > 0 && t.flight[0]!.deliverAt <= now + SLACK) {
      const s = t.flight.shift()!
      t.flightBytes -= s.bytes
      this.writeOut(t, s.pieces, s.bytes, s.release)
    }
    return t.closed ? Infinity : (t.flight[0]?.deliverAt ?? Infinity)
  }

  /** Stops timers (simulator shutdown). */
  dispose(): void {
    this.cancelTimer?.()
    this.cancelTimer = undefined
    if (this.immediate) clearImmediate(this.immediate)
    this.immediate = undefined
    this.closeAll('destroy', 'simulator closed')
  }
}

/** Takes the next n bytes of an entry as views (no copies) and advances it. */
function take(e: Entry, n: number): Buffer[] {
  const pieces: Buffer[] = []
  e.left -= n
  while (n > 0) {
    const c = e.chunks[e.chunk]!
    const size = Math.min(c.length - e.offset, n)
    pieces.push(e.offset === 0 && size === c.length ? c : c.subarray(e.offset, e.offset + size))
    n -= size
    e.offset += size
    if (e.offset === c.length) {
      e.chunk++
      e.offset = 0
    }
  }
  return pieces
}

function sum(pieces: Buffer[]): number {
  let n = 0
  for (const p of pieces) n += p.length
  return n
}

function once(fn: () => void): () => void {
  let called = false
  return () => {
    if (called) return
    called = true
    fn()
  }
}
