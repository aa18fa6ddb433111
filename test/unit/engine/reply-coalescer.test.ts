import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { coalesceInto } from '../../../src/main/engine/reply-coalescer.js'

/** A sink that records each write it gets; `hold` keeps write callbacks until released. */
function recordingSink(o: { highWaterMark?: number; hold?: boolean; fail?: Error } = {}) {
  const writes: Buffer[] = []
  const held: (() => void)[] = []
  const sink = new Writable({
    highWaterMark: o.highWaterMark ?? 1 << 20,
    write(chunk: Buffer, _e, cb) {
      writes.push(chunk)
      if (o.fail) return cb(o.fail)
      if (o.hold) held.push(() => cb())
      else cb()
    },
  })
  sink.on('error', () => undefined)
  return { sink, writes, release: () => held.splice(0).forEach((f) => f()) }
}

const write = (w: Writable, b: Buffer): Promise<void> => new Promise((resolve, reject) => w.write(b, (e) => (e ? reject(e) : resolve())))

describe('coalesceInto', () => {
  it('gives the sink one buffer per corked batch of pieces, bytes in order', async () => {
    const { sink, writes } = recordingSink()
    const w = coalesceInto(sink, 1 << 20)
    w.cork()
    const pieces = [Buffer.from('ab'), Buffer.from('cd'), Buffer.from('ef')]
    const done = pieces.map((p) => write(w, p))
    w.uncork()
    await Promise.all(done)
    expect(writes.map((b) => b.toString())).toEqual(['abcdef'])
  })

  it('passes backpressure on: a write completes only once the sink drained', async () => {
    const { sink, writes, release } = recordingSink({ highWaterMark: 4, hold: true })
    const w = coalesceInto(sink, 1 << 20)
    let done = false
    void write(w, Buffer.from('123456')).then(() => (done = true))
    await new Promise((r) => setImmediate(r))
    expect(writes).toHaveLength(1)
    expect(done).toBe(false)
    release()
    await new Promise((r) => setImmediate(r))
    expect(done).toBe(true)
  })

  it('fails the pending write when the sink errors instead of waiting forever', async () => {
    const { sink } = recordingSink({ highWaterMark: 1, fail: new Error('disk full') })
    const w = coalesceInto(sink, 1 << 20)
    w.on('error', () => undefined)
    await expect(write(w, Buffer.from('xyz'))).rejects.toThrow('disk full')
  })

  it('fails at once when the sink is already closed', async () => {
    const { sink } = recordingSink()
    sink.destroy()
    const w = coalesceInto(sink, 1 << 20)
    w.on('error', () => undefined)
    await expect(write(w, Buffer.from('late'))).rejects.toThrow(/closed/)
  })

  it('a sink that closes after the download gave up (an unplug) is not an uncaught error', async () => {
    // The AFC download stops listening to its sink once it fails; the write it left pending then
    // fails too. Without an owner for that 'error', Node would throw it and end the process.
    const { sink } = recordingSink({ highWaterMark: 1, hold: true })
    const w = coalesceInto(sink, 1 << 20)
    let pendingError: Error | null | undefined
    w.write(Buffer.from('in flight'), (e) => (pendingError = e))
    await new Promise((r) => setImmediate(r))
    sink.destroy()
    await new Promise((r) => setImmediate(r))
    expect(pendingError?.message).toMatch(/closed/)
    expect(w.destroyed).toBe(true)
  })
})
