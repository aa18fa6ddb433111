import { describe, expect, it } from 'vitest'
import { CradleError } from '../../../src/shared/errors.js'
import { AlbumAdder } from '../../../src/main/destinations/google-photos/album-adder.js'

const signal = new AbortController().signal
const refused = (e: unknown): boolean => e instanceof CradleError && e.context.status === 400

describe('AlbumAdder', () => {
  it('puts items of one album into one call, at most 50, and other albums into their own', async () => {
    const calls: [string, string[]][] = []
    const adder = new AlbumAdder(async (album, ids) => void calls.push([album, ids]), 5, refused)
    const ids = Array.from({ length: 53 }, (_, i) => `m${i}`)
    await Promise.all([...ids.map((id) => adder.add('A', id, signal)), adder.add('B', 'x', signal)])
    expect(calls.map(([a, l]) => `${a}:${l.length}`).sort()).toEqual(['A:3', 'A:50', 'B:1'])
  })

  it('a call Google refuses whole is tried again item by item: only the bad item fails', async () => {
    const calls: string[][] = []
    const adder = new AlbumAdder(async (_album, ids) => {
      calls.push(ids)
      if (ids.includes('bad')) throw new CradleError('destination-rejected', 'HTTP 400: Request contains an invalid media item id.', { context: { status: 400 } })
    }, 5, refused)
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((id) => adder.add('A', id, signal)))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(calls).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']])
  })

  it('a failure that is not about the content (server down) fails the whole call without retrying one by one', async () => {
    let n = 0
    const adder = new AlbumAdder(async () => {
      n++
      throw new CradleError('destination-unreachable', 'HTTP 503', { context: { status: 503 } })
    }, 5, refused)
    const results = await Promise.allSettled(['a', 'b'].map((id) => adder.add('A', id, signal)))
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    expect(n).toBe(1)
  })
})
