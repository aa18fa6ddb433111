import { describe, expect, it } from 'vitest'
import { FamilyQueue } from '../../../src/main/engine/family-queue.js'

const f = (name: string, family: string): { name: string; family: string } => ({ name, family })

describe('FamilyQueue', () => {
  it('keeps a set back while its first member is in flight and hands out other sets meanwhile', () => {
    const q = new FamilyQueue([f('A.HEIC', 'A'), f('A_E.HEIC', 'A'), f('A.AAE', 'A'), f('B.HEIC', 'B'), f('C.HEIC', 'C')])
    const first = q.take()
    expect(first).toEqual(f('A.HEIC', 'A'))
    expect(q.take()).toEqual(f('B.HEIC', 'B'))
    expect(q.take()).toEqual(f('C.HEIC', 'C'))
    expect(q.take()).toBe('wait')
    q.finished(first as { name: string; family: string }, true)
    // The group exists: the rest of the set may run side by side.
    expect(q.take()).toEqual(f('A_E.HEIC', 'A'))
    expect(q.take()).toEqual(f('A.AAE', 'A'))
    expect(q.take()).toBeNull()
  })

  it('hands the lead to the next member when the first could not be imported', () => {
    const q = new FamilyQueue([f('A.HEIC', 'A'), f('A_E.HEIC', 'A'), f('A.AAE', 'A')])
    const still = q.take() as { name: string; family: string }
    expect(q.take()).toBe('wait')
    q.finished(still, false) // e.g. only in iCloud
    const render = q.take() as { name: string; family: string }
    expect(render.name).toBe('A_E.HEIC')
    expect(q.take()).toBe('wait')
    q.finished(render, true)
    expect(q.take()).toEqual(f('A.AAE', 'A'))
  })

  it('wakes a waiting worker when a member finishes', async () => {
    const q = new FamilyQueue([f('A.HEIC', 'A'), f('A.AAE', 'A')])
    const still = q.take() as { name: string; family: string }
    expect(q.take()).toBe('wait')
    const woke = q.settled().then(() => q.take())
    q.finished(still, true)
    await expect(woke).resolves.toEqual(f('A.AAE', 'A'))
  })
})
