import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, it } from 'vitest'
import { BandwidthLimiter, MeteredStream } from '../../../src/main/destinations/bandwidth-limiter.js'

async function pump(limiter: BandwidthLimiter, bytes: number, counted: { n: number }): Promise<void> {
  const chunks = Array.from({ length: bytes / 65_536 }, () => Buffer.alloc(65_536))
  await pipeline(Readable.from(chunks), new MeteredStream(limiter, (n) => (counted.n += n)), new Writable({ write: (_c, _e, cb) => cb() }))
}

describe('global bandwidth limit', () => {
  it('holds two streams together to the shared rate', async () => {
    const limiter = new BandwidthLimiter(2_000_000)
    const a = { n: 0 }
    const b = { n: 0 }
    const started = performance.now()
    await Promise.all([pump(limiter, 1_048_576, a), pump(limiter, 1_048_576, b)])
    const seconds = (performance.now() - started) / 1000
    // 2 MiB at 2 MB/s ≈ 1.05 s, minus the 0.25 s burst allowance.
    expect(seconds).toBeGreaterThan(0.7)
    expect(a.n + b.n).toBe(2_097_152)
  })
  it('does not slow anything when off', async () => {
    const limiter = new BandwidthLimiter(null)
    const c = { n: 0 }
    const started = performance.now()
    await pump(limiter, 8_388_608, c)
    expect(performance.now() - started).toBeLessThan(500)
    expect(c.n).toBe(8_388_608)
  })
})
