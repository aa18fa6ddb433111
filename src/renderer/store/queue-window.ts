/**
 * Which rows of the queue to fetch for what is on screen. The snapshot carries only counts and a
 * revision; rows come a window at a time (listQueue), so 50,000 rows never ride on a 10 Hz push.
 * Pure functions, unit-tested.
 */
import type { QueueCounts, QueueFilter, QueueItemView } from '../../shared/state.js'

/** The validator's page cap (src/shared/validate.ts). */
export const MAX_FETCH = 1000
/** Rows fetched beyond each edge of the visible range: scrolling a little shows loaded rows. */
export const MIN_OVERSCAN = 40

export interface RowRange {
  start: number
  end: number
}

export interface QueueWindow {
  /** filter + search the rows belong to. */
  key: string
  offset: number
  items: QueueItemView[]
  total: number
}

export function queueKey(filter: QueueFilter, search: string): string {
  return `${filter}\u0000${search.trim().toLowerCase()}`
}

/** The request for a visible range: the range plus an overscan of at least one screen each side. */
export function fetchWindowFor(range: RowRange): { offset: number; limit: number } {
  const visible = Math.max(1, range.end - range.start)
  const margin = Math.max(MIN_OVERSCAN, visible)
  const offset = Math.max(0, range.start - margin)
  return { offset, limit: Math.min(MAX_FETCH, range.end + margin - offset) }
}

/** Whether the loaded rows cover every visible row that exists. */
export function windowCovers(window: QueueWindow, range: RowRange): boolean {
  const end = Math.min(range.end, window.total)
  if (end <= range.start) return true
  return range.start >= window.offset && end <= window.offset + window.items.length
}

/** The row at `index`, if loaded. */
export function rowAt(window: QueueWindow | null, key: string, index: number): QueueItemView | undefined {
  if (!window || window.key !== key) return undefined
  return window.items[index - window.offset]
}

const COUNT_FOR: Record<QueueFilter, keyof QueueCounts> = {
  all: 'all',
  pending: 'pending',
  failed: 'failed',
  'not-on-phone': 'notOnPhone',
  done: 'done',
}

/** How many rows the list has: the loaded page's total, else (no search) the snapshot's count. */
export function queueTotal(window: QueueWindow | null, key: string, counts: QueueCounts | undefined, filter: QueueFilter, search: string): number {
  if (window && window.key === key) return window.total
  if (search.trim() === '' && counts) return counts[COUNT_FOR[filter]]
  return 0
}
