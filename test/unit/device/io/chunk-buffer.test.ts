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

  it('keeps a partly consumed later chunk intact after a merging peek', () => {
    // A regression: merging 40 bytes that end inside a 48-byte chunk lost that chunk's offset.
    const q = new ChunkBuffer()
    q.push(Buffer.from('0123'))
    q.push(Buffer.from('456789ABCDEF'))
    expect(q.take(6).toString()).toBe('012345')
    expect(q.take(6).toString()).toBe('6789AB')
    expect(q.take(4).toString()).toBe('CDEF')
  })

  it('reads zero bytes from an empty queue without disturbing later reads', () => {
    const q = new ChunkBuffer()
    expect(q.take(0).length).toBe(0)
    q.push(Buffer.from('x'.repeat(40) + 'y'.repeat(8)))
    expect(q.take(40).toString()).toBe('x'.repeat(40))
    expect(q.take(8).toString()).toBe('y'.repeat(8))
  })

  it('matches a reference model under random pushes and takes', () => {
    let seed = 12345
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed % n
    }
    const q = new ChunkBuffer()
    let model = Buffer.alloc(0)
    let counter = 0
    for (let step = 0; step < 5000; step++) {
      if (rand(2) === 0) {
        const chunk = Buffer.from(Array.from({ length: rand(20) }, () => counter++ & 0xff))
        q.push(chunk)
        model = Buffer.concat([model, chunk])
      } else {
        const n = rand(model.length + 1)
        const op = rand(3)
        if (op === 0) expect(q.peek(n).equals(model.subarray(0, n))).toBe(true)
        else if (op === 1) {
          expect(q.take(n).equals(model.subarray(0, n))).toBe(true)
          model = model.subarray(n)
        } else {
          q.skip(n)
          model = model.subarray(n)
        }
      }
      expect(q.length).toBe(model.length)
    }
  })

  it('refuses to peek past what is queued', () => {
    const q = new ChunkBuffer()
    q.push(Buffer.from('ab'))
    expect(() => q.peek(3)).toThrow(RangeError)
  })
})
