/**
 * Clocks for tests. InstantClock: sleep(ms) advances virtual time by ms and resolves on the next
 * turn of the event loop, so backoff and Retry-After waits are instant and deterministic while
 * their lengths stay measurable (every sleep is recorded).
 */
import { systemClock, type Clock } from '../../src/main/engine/ports.js'

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

/**
 * The real clock, except that the waits `hold` picks (e.g. the phone session's 10 s power check)
 * never end on their own: only release() or the waiter's own AbortSignal (a poke) ends
 * them. A test can then wait for the engine to be asleep (whenHeld) as a barrier instead of a
 * sleep, and prove that something woke it rather than a timer.
 */
export class HeldClock implements Clock {
  private readonly waiting = new Set<{ resolve: () => void; ms: number }>()
  private readonly listeners = new Set<() => void>()
  /** Held waits ever started, and how many ended by their signal (woken) instead of release(). */
  started = 0
  woken = 0

  constructor(private readonly hold: (ms: number) => boolean) {}

  now(): number {
    return systemClock.now()
  }

  monotonic(): number {
    return systemClock.monotonic()
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.hold(ms)) return systemClock.sleep(ms, signal)
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'))
      const entry = {
        ms,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort)
          this.waiting.delete(entry)
          resolve()
        },
      }
      const onAbort = (): void => {
        this.waiting.delete(entry)
        this.woken++
        reject(signal?.reason ?? new Error('aborted'))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiting.add(entry)
      this.started++
      for (const l of [...this.listeners]) l()
    })
  }

  /** Waits held right now. */
  get held(): number {
    return this.waiting.size
  }

  /** Resolves once `count` held waits have started in all (now or later). */
  whenStarted(count: number): Promise<void> {
    if (this.started >= count) return Promise.resolve()
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.started < count) return
        this.listeners.delete(check)
        resolve()
      }
      this.listeners.add(check)
    })
  }

  /** Ends every held wait as if its time had passed. */
  release(): void {
    for (const w of [...this.waiting]) w.resolve()
  }
}
