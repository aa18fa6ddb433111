import crypto from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { inlineHasher } from '../../../src/main/library/content-hasher.js'
import { dropBytes, SourceGrewError, StagingSink } from '../../../src/main/library/staging.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

async function sinkInto(expectedSize: number, wrap?: (fh: fsp.FileHandle) => fsp.FileHandle): Promise<{ sink: StagingSink; file: string; writes: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-staging-'))
  dirs.push(dir)
  const file = path.join(dir, 'f1.part')
  const real = await fsp.open(file, 'wx')
  const writes: string[] = []
  const counted = new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown
      if ((prop === 'write' || prop === 'writev') && typeof value === 'function') {
        return (...args: unknown[]) => {
          writes.push(prop)
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
  const fh = wrap ? wrap(counted) : counted
  return { sink: new StagingSink({ fh, position: 0, expectedSize, hasher: inlineHasher({ sha1: false }) }), file, writes }
}

describe('staging sink', () => {
  it('writes the pieces of one corked read with one writev, bytes and order intact', async () => {
    const data = crypto.randomBytes(5 * 65_536 + 100)
    const { sink, file, writes } = await sinkInto(data.length)
    sink.cork()
    for (let off = 0; off < data.length; off += 65_536) sink.write(data.subarray(off, off + 65_536))
    sink.uncork()
    await sink.settle()
    expect(sink.error).toBeNull()
    expect(writes).toEqual(['writev'])
    expect(fs.readFileSync(file).equals(data)).toBe(true)
  })

  it('continues a short writev where it stopped', async () => {
    const data = crypto.randomBytes(3 * 1000)
    // A file system may write less than asked (a signal, a quota): at most 1,500 bytes per call here.
    const { sink, file } = await sinkInto(data.length, (fh) => new Proxy(fh, {
      get(target, prop, receiver) {
        if (prop === 'writev') {
          return async (buffers: Buffer[], position: number) => {
            const part = Buffer.concat(buffers).subarray(0, 1500)
            return target.write(part, 0, part.length, position)
          }
        }
        return Reflect.get(target, prop, receiver) as unknown
      },
    }))
    sink.cork()
    for (let off = 0; off < data.length; off += 1000) sink.write(data.subarray(off, off + 1000))
    sink.uncork()
    await sink.settle()
    expect(sink.error).toBeNull()
    expect(fs.readFileSync(file).equals(data)).toBe(true)
  })

  it('refuses pieces that go past the listed size', async () => {
    const { sink } = await sinkInto(100)
    sink.cork()
    sink.write(Buffer.alloc(60))
    sink.write(Buffer.alloc(60))
    sink.uncork()
    await sink.settle()
    expect(sink.error).toBeInstanceOf(SourceGrewError)
  })

  it('dropBytes removes whole and partial pieces from the front', () => {
    const pieces = [Buffer.from('abc'), Buffer.from('de'), Buffer.from('fgh')]
    expect(dropBytes(pieces, 0).map(String)).toEqual(['abc', 'de', 'fgh'])
    expect(dropBytes(pieces, 4).map(String)).toEqual(['e', 'fgh'])
    expect(dropBytes(pieces, 5).map(String)).toEqual(['fgh'])
    expect(dropBytes(pieces, 8)).toEqual([])
  })
})
