import { describe, expect, it } from 'vitest'
import { ByteQueue } from '../../../src/sim/util/byte-queue.js'

describe('ByteQueue', () => {
  it('hands out bytes in order across chunk boundaries', () => {
    const q = new ByteQueue()
    q.push(Buffer.from('abc'))
    q.push(Buffer.from('defgh'))
    q.push(Buffer.from('ij'))
    expect(q.take(2).toString()).toBe('ab')
    expect(q.peek(4).toString()).toBe('cdef')
    expect(q.take(5).toString()).toBe('cdefg')
    expect(q.length).toBe(3)
    expect(q.drain().toString()).toBe('hij')
    expect(q.length).toBe(0)
  })

  it('keeps a partly consumed later chunk intact after a merging peek', () => {
    // A regression: merging 40 bytes that end inside a 48-byte chunk lost that chunk's offset.
    const q = new ByteQueue()
    q.push(Buffer.from('0123'))
    q.push(Buffer.from('456789ABCDEF'))
    expect(q.take(6).toString()).toBe('012345')
    expect(q.take(6).toString()).toBe('6789AB')
    expect(q.take(4).toString()).toBe('CDEF')
  })

  it('reads zero bytes from an empty queue without disturbing later reads', () => {
    const q = new ByteQueue()
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
    const q = new ByteQueue()
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
          q.consume(n)
          model = model.subarray(n)
        }
      }
      expect(q.length).toBe(model.length)
    }
  })

  it('refuses to peek past what is queued', () => {
    const q = new ByteQueue()
    q.push(Buffer.from('ab'))
    expect(() => q.peek(3)).toThrow(RangeError)
  })
})
