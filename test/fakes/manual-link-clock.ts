/**
 * A clock for the simulator's link that moves only when a test says so: shaping (latency,
 * bandwidth, service time) is then checked by counting bytes at known instants, never by wall time.
 */
import type { LinkClock } from '../../src/sim/link/device-link.js'

interface Timer {
  at: number
  seq: number
  fn: () => void
}

export class ManualLinkClock implements LinkClock {
  private t = 0
  private seq = 0
  private timers: Timer[] = []

  now(): number {
    return this.t
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer: Timer = { at: this.t + ms, seq: this.seq++, fn }
    this.timers.push(timer)
    return () => {
      const i = this.timers.indexOf(timer)
      if (i >= 0) this.timers.splice(i, 1)
    }
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, each at its own instant. */
  advance(ms: number): void {
    const end = this.t + ms
    for (;;) {
      let next: Timer | undefined
      for (const x of this.timers) if (x.at <= end && (!next || x.at < next.at || (x.at === next.at && x.seq < next.seq))) next = x
      if (!next) break
      this.timers.splice(this.timers.indexOf(next), 1)
      this.t = Math.max(this.t, next.at)
      next.fn()
    }
    this.t = end
  }
}
