import { describe, expect, it } from 'vitest'
import { ChunkBuffer } from '../../../../src/main/device/io/chunk-buffer.js'

describe('ChunkBuffer', () => {
  it('peeks and takes across chunk boundaries without losing or reordering bytes', () => {
    const b = new ChunkBuffer()
    const all = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff))
    for (let i = 0; i < all.length; i += 7) b.push(all.subarray(i, i + 7))
    expect(b.length).toBe(1000)
    expect(b.peek(20)).toEqual(all.subarray(0, 20))
    expect(b.take(3)).toEqual(all.subarray(0, 3))
    expect(b.take(400)).toEqual(all.subarray(3, 403))
    expect(b.peek(5)).toEqual(all.subarray(403, 408))
    expect(b.takeAll()).toEqual(all.subarray(403))
    expect(b.length).toBe(0)
  })

  it('refuses to read beyond what arrived', () => {
    const b = new ChunkBuffer()
    b.push(Buffer.from('abc'))
    expect(() => b.take(4)).toThrow(RangeError)
    expect(() => b.peek(4)).toThrow(RangeError)
  })

  it('stays compact over a long stream of small chunks', () => {
    const b = new ChunkBuffer()
    let wrong = 0
    for (let i = 0; i < 100_000; i++) {
      b.push(Buffer.from([i & 0xff, 1]))
      if (b.take(2)[0] !== (i & 0xff)) wrong++
    }
    expect(wrong).toBe(0)
    expect((b as unknown as { chunks: unknown[] }).chunks.length).toBeLessThan(200)
  })
})
