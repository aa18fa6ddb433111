import { describe, expect, it } from 'vitest'
import { visibleRange } from '../../../src/renderer/components/virtual-window.js'
import { fetchWindowFor, MAX_FETCH, queueKey, queueTotal, rowAt, windowCovers } from '../../../src/renderer/store/queue-window.js'
import { buildQueueItem } from '../../fakes/app-state-builder.js'

describe('visible rows', () => {
  it('renders the rows in view plus an overscan, clamped to the list', () => {
    expect(visibleRange(0, 440, 44, 50_000, 6)).toEqual({ start: 0, end: 16 })
    expect(visibleRange(44 * 1000 + 10, 440, 44, 50_000, 6)).toEqual({ start: 994, end: 1017 })
    expect(visibleRange(44 * 49_990, 440, 44, 50_000, 6)).toEqual({ start: 49_984, end: 50_000 })
    expect(visibleRange(0, 440, 44, 3, 6)).toEqual({ start: 0, end: 3 })
    expect(visibleRange(-50, 440, 44, 0)).toEqual({ start: 0, end: 0 })
  })

  it('keeps the DOM small however long the list is', () => {
    const { start, end } = visibleRange(44 * 25_000, 900, 44, 50_000)
    expect(end - start).toBeLessThan(40)
  })
})

describe('which rows to fetch', () => {
  it('fetches the visible range with at least a screen of margin each side', () => {
    expect(fetchWindowFor({ start: 0, end: 16 })).toEqual({ offset: 0, limit: 56 })
    expect(fetchWindowFor({ start: 1000, end: 1020 })).toEqual({ offset: 960, limit: 100 })
    expect(fetchWindowFor({ start: 1000, end: 1100 })).toEqual({ offset: 900, limit: 300 })
  })

  it('never asks for more than the validator allows', () => {
    expect(fetchWindowFor({ start: 0, end: 5000 }).limit).toBe(MAX_FETCH)
  })

  it('knows when the loaded window covers the visible rows', () => {
    const w = { key: 'k', offset: 100, items: Array.from({ length: 100 }, (_, i) => buildQueueItem(i)), total: 50_000 }
    expect(windowCovers(w, { start: 120, end: 150 })).toBe(true)
    expect(windowCovers(w, { start: 90, end: 150 })).toBe(false)
    expect(windowCovers(w, { start: 180, end: 210 })).toBe(false)
    const tail = { key: 'k', offset: 49_990, items: Array.from({ length: 10 }, (_, i) => buildQueueItem(i)), total: 50_000 }
    expect(windowCovers(tail, { start: 49_995, end: 50_020 })).toBe(true) // rows past the end do not exist
    expect(windowCovers({ key: 'k', offset: 0, items: [], total: 0 }, { start: 0, end: 30 })).toBe(true)
  })

  it('finds a row only in the window of the current filter and search', () => {
    const w = { key: queueKey('all', ''), offset: 10, items: [buildQueueItem(10), buildQueueItem(11)], total: 12 }
    expect(rowAt(w, queueKey('all', ''), 11)?.id).toBe('item-11')
    expect(rowAt(w, queueKey('all', ''), 9)).toBeUndefined()
    expect(rowAt(w, queueKey('failed', ''), 11)).toBeUndefined()
    expect(queueKey('all', ' IMG ')).toBe(queueKey('all', 'img'))
  })

  it('takes the total from the page, else from the snapshot counts', () => {
    const counts = { all: 50, pending: 5, failed: 3, notOnPhone: 41, done: 1, importPending: 5, importFailed: 3 }
    const key = queueKey('failed', '')
    expect(queueTotal({ key, offset: 0, items: [], total: 2 }, key, counts, 'failed', '')).toBe(2)
    expect(queueTotal(null, key, counts, 'failed', '')).toBe(3)
    expect(queueTotal(null, key, counts, 'not-on-phone', '')).toBe(41)
    expect(queueTotal(null, queueKey('all', 'x'), counts, 'all', 'x')).toBe(0)
  })
})
