import { afterEach, describe, expect, it, vi } from 'vitest'
import { SnapshotPublisher } from '../../../src/main/engine/snapshot-publisher.js'

describe('SnapshotPublisher', () => {
  afterEach(() => vi.useRealTimers())

  it('publishes at most 10 times a second and always ends on the latest state', () => {
    vi.useFakeTimers()
    let value = 0
    const seen: number[] = []
    const publisher = new SnapshotPublisher(() => value, 10, () => Date.now())
    publisher.subscribe((v) => seen.push(v))
    for (let i = 1; i <= 100; i++) {
      value = i
      publisher.changed()
      vi.advanceTimersByTime(10) // 100 changes over one second
    }
    vi.advanceTimersByTime(200)
    expect(seen.length).toBeLessThanOrEqual(11)
    expect(seen.length).toBeGreaterThanOrEqual(9)
    expect(seen.at(-1)).toBe(100)
  })

  it('keeps publishing to the others when one listener throws', () => {
    const publisher = new SnapshotPublisher(() => 1)
    const good = vi.fn()
    publisher.subscribe(() => {
      throw new Error('socket closed')
    })
    publisher.subscribe(good)
    publisher.flush()
    expect(good).toHaveBeenCalledWith(1)
  })
})
