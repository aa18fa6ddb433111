/**
 * Clocks for tests. InstantClock: sleep(ms) advances virtual time by ms and resolves on the next
 * turn of the event loop, so backoff and Retry-After waits are instant and deterministic while
 * their lengths stay measurable (every sleep is recorded).
 */
import type { Clock } from '../../src/main/engine/ports.js'

export class InstantClock implements Clock {
  readonly sleeps: number[] = []
  /** The monotonic clock: moves with sleeps and advance(), never with jumpWall(). */
  m = 0

  constructor(public t = Date.UTC(2026, 10, 25, 12, 0, 0)) {}

  now(): number {
    return this.t
  }

  monotonic(): number {
    return this.m
  }

  /** The wall clock is set (NTP, the user): only now() moves, by `ms` (negative = back). */
  jumpWall(ms: number): void {
    this.t += ms
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'))
      this.sleeps.push(ms)
      setImmediate(() => {
        if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'))
        this.t += ms
        this.m += ms
        resolve()
      })
    })
  }

  advance(ms: number): void {
    this.t += ms
    this.m += ms
  }
}
