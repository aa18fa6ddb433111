import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BandwidthLimiter, MeteredStream } from '../../../src/main/destinations/bandwidth-limiter.js'

// The limiter's clock and its sleeps are both fake: every byte is accounted at a known instant,
// so the checks are exact and a loaded machine cannot move them.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 })
})
afterEach(() => {
  vi.useRealTimers()
})

const CHUNK = 65_536

function pump(limiter: BandwidthLimiter, bytes: number, onBytes: (n: number) => void): Promise<void> {
  const chunks = Array.from({ length: bytes / CHUNK }, () => Buffer.alloc(CHUNK))
  return pipeline(Readable.from(chunks), new MeteredStream(limiter, onBytes), new Writable({ write: (_c, _e, cb) => cb() }))
}

/** Runs fake time forward one timer at a time until `done` settles; returns the fake time it took. */
async function runUntil(done: Promise<void>): Promise<number> {
  let finished = false
  void done.then(() => (finished = true), () => (finished = true))
  for (let i = 0; i < 100_000 && !finished; i++) {
    await new Promise((r) => setImmediate(r)) // let the streams move (real, not faked)
    if (!finished) await vi.advanceTimersToNextTimerAsync()
  }
  await done
  return Date.now()
}

describe('global bandwidth limit', () => {
  it('holds two streams together to the shared rate, byte for byte at every instant', async () => {
    const rate = 2_000_000
    const limiter = new BandwidthLimiter(rate, () => Date.now())
    const total = { n: 0 }
    const seen: Array<{ at: number; bytes: number }> = []
    const count = (n: number): void => {
      total.n += n
      seen.push({ at: Date.now(), bytes: total.n })
    }
    const elapsedMs = await runUntil(Promise.all([pump(limiter, 1_048_576, count), pump(limiter, 1_048_576, count)]).then(() => undefined))
    expect(total.n).toBe(2_097_152)
    // The bucket starts empty (setRate), so no instant ever saw more than the rate allowed so far.
    for (const s of seen) expect(s.bytes, `at ${s.at} ms`).toBeLessThanOrEqual((rate * s.at) / 1000)
    // And not slower than the rate either: 2 MiB at 2 MB/s, plus at most 1 ms of rounding per sleep.
    const ideal = (2_097_152 / rate) * 1000
    expect(elapsedMs).toBeGreaterThanOrEqual(Math.floor(ideal))
    expect(elapsedMs).toBeLessThanOrEqual(ideal + seen.length + 1)
  })

  it('does not slow anything when off: no sleep at all', async () => {
    const limiter = new BandwidthLimiter(null, () => Date.now())
    const c = { n: 0 }
    // Fake time never moves here: had the limiter slept once, the pump would never finish.
    await pump(limiter, 8_388_608, (n) => (c.n += n))
    expect(c.n).toBe(8_388_608)
    expect(vi.getTimerCount()).toBe(0)
    expect(Date.now()).toBe(0)
  })
})
