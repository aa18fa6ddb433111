import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BufferPool, readChunks } from '../../../src/main/library/buffer-pool.js'
import { sha256File } from '../../../src/main/library/file-hash.js'

let tmp: string
let file: string
let bytes: Buffer
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-pool-'))
  file = path.join(tmp, 'f.bin')
  bytes = crypto.randomBytes(10 * 1000 + 7)
  fs.writeFileSync(file, bytes)
})
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

describe('BufferPool', () => {
  it('never hands out a buffer that is still out', () => {
    const pool = new BufferPool(64, 2)
    const held = [pool.acquire(), pool.acquire(), pool.acquire()]
    expect(new Set(held).size).toBe(3)
    pool.release(held[1]!)
    const again = pool.acquire()
    expect(again).toBe(held[1])
    const fresh = pool.acquire()
    expect(held).not.toContain(fresh)
    expect(pool.inUse).toBe(4)
  })

  it('refuses a buffer given back twice or not its own', () => {
    const pool = new BufferPool(64)
    const buf = pool.acquire()
    pool.release(buf)
    expect(() => pool.release(buf)).toThrow(/not out of this pool/)
    expect(() => pool.release(Buffer.alloc(64))).toThrow(/not out of this pool/)
    // A double release must not have put the buffer in the idle list twice (two holders of one buffer).
    expect(pool.acquire()).not.toBe(pool.acquire())
  })

  it('keeps at most `keep` idle buffers', () => {
    const pool = new BufferPool(64, 1)
    const a = pool.acquire()
    const b = pool.acquire()
    pool.release(a)
    pool.release(b)
    expect(pool.acquire()).toBe(a)
    expect(pool.acquire()).not.toBe(b)
  })
})

describe('readChunks', () => {
  it('reads the file (or a range) through one pooled buffer and gives it back', async () => {
    const pool = new BufferPool(4096)
    const seen = new Set<ArrayBuffer>()
    const parts: Buffer[] = []
    for await (const chunk of readChunks(file, { pool })) {
      expect(pool.inUse).toBe(1)
      seen.add(chunk.buffer as ArrayBuffer)
      parts.push(Buffer.from(chunk))
    }
    expect(Buffer.concat(parts).equals(bytes)).toBe(true)
    expect(seen.size).toBe(1)
    expect(pool.inUse).toBe(0)

    const range: Buffer[] = []
    for await (const chunk of readChunks(file, { pool, start: 5000, end: 9100 })) range.push(Buffer.from(chunk))
    expect(Buffer.concat(range).equals(bytes.subarray(5000, 9100))).toBe(true)
  })

  it('two readers at once never share a buffer', async () => {
    const pool = new BufferPool(1000)
    const a = readChunks(file, { pool })[Symbol.asyncIterator]()
    const b = readChunks(file, { pool })[Symbol.asyncIterator]()
    const ca = (await a.next()).value as Buffer
    const cb = (await b.next()).value as Buffer
    expect(ca.buffer).not.toBe(cb.buffer)
    expect(ca.equals(bytes.subarray(0, 1000))).toBe(true)
    expect(cb.equals(bytes.subarray(0, 1000))).toBe(true)
    await a.return(undefined)
    await b.return(undefined)
    expect(pool.inUse).toBe(0)
  })

  it('gives the buffer back when the loop stops early or the signal aborts', async () => {
    const pool = new BufferPool(1000)
    for await (const chunk of readChunks(file, { pool })) {
      expect(chunk.length).toBe(1000)
      break
    }
    expect(pool.inUse).toBe(0)
    const ctl = new AbortController()
    const read = async (): Promise<void> => {
      for await (const _ of readChunks(file, { pool, signal: ctl.signal })) ctl.abort(new Error('stopped'))
    }
    await expect(read()).rejects.toThrow('stopped')
    expect(pool.inUse).toBe(0)
  })

  it('sha256File hashes through it', async () => {
    expect(await sha256File(file)).toBe(crypto.createHash('sha256').update(bytes).digest('hex'))
  })
})
