import crypto from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { inlineHasher, stopHashWorker, workerHasher, type ContentHasher } from '../../../src/main/library/content-hasher.js'

afterAll(() => stopHashWorker())

const both = { sha1: true }
const expected = (b: Buffer) => ({ sha256: crypto.createHash('sha256').update(b).digest('hex'), sha1: crypto.createHash('sha1').update(b).digest('hex') })

async function feed(h: ContentHasher, b: Buffer, sizes: number[]): Promise<void> {
  for (let off = 0, i = 0; off < b.length; i++) {
    const n = sizes[i % sizes.length]!
    await h.update(b.subarray(off, off + n))
    off += n
  }
}

describe('content hashers', () => {
  // 40 MiB in uneven chunks: more than the worker's in-flight window, so backpressure is exercised.
  const data = crypto.randomBytes(40 * 1024 * 1024 + 12_345)
  const sizes = [1024 * 1024, 7, 3 * 1024 * 1024 + 1, 0, 65_536]

  it.each([['inline', inlineHasher], ['worker', workerHasher]] as const)('%s gives the SHA-256 and SHA-1 of everything fed', async (_name, make) => {
    const h = make(both)
    await feed(h, data, sizes)
    await expect(h.digest()).resolves.toEqual(expected(data))
  })

  // No destination needs SHA-1: only SHA-256 is computed, and SHA-1 is reported unknown ('').
  it.each([['inline', inlineHasher], ['worker', workerHasher]] as const)('%s without SHA-1 gives the SHA-256 alone', async (_name, make) => {
    const h = make({ sha1: false })
    await feed(h, data, sizes)
    await expect(h.digest()).resolves.toEqual({ sha256: expected(data).sha256, sha1: '' })
  })

  // The staging sink hands a corked AFC read's pieces over in one call.
  it.each([['inline', inlineHasher], ['worker', workerHasher]] as const)('%s hashes several pieces given at once, in order', async (_name, make) => {
    const h = make(both)
    const pieces: Buffer[] = []
    for (let off = 0, i = 0; off < data.length; i++) {
      const n = sizes[i % sizes.length]!
      pieces.push(data.subarray(off, off + n))
      off += n
      if (pieces.length === 4 || off >= data.length) await h.update(pieces.splice(0))
    }
    await expect(h.digest()).resolves.toEqual(expected(data))
  })

  it('keeps concurrent worker jobs apart, and an empty job hashes nothing', async () => {
    const a = crypto.randomBytes(3_000_000)
    const b = crypto.randomBytes(5_000_000)
    const ha = workerHasher(both)
    const hb = workerHasher(both)
    const dropped = workerHasher(both)
    await Promise.all([feed(ha, a, [100_000]), feed(hb, b, [333_333]), feed(dropped, a, [1_000_000])])
    dropped.discard()
    await expect(Promise.all([ha.digest(), hb.digest(), workerHasher(both).digest()])).resolves.toEqual([expected(a), expected(b), expected(Buffer.alloc(0))])
  })

  it('rejects a pending digest when the worker stops, and starts a fresh worker afterwards', async () => {
    const h = workerHasher(both)
    await h.update(Buffer.alloc(10))
    const stopping = stopHashWorker()
    await expect(h.digest()).rejects.toThrow()
    await stopping
    const again = workerHasher(both)
    await again.update(Buffer.from('x'))
    await expect(again.digest()).resolves.toEqual(expected(Buffer.from('x')))
  })
})
