/** The rows a scrolled list must render: the visible ones plus a few each side. Pure, unit-tested. */

export interface VisibleRange {
  start: number
  end: number
}

export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, total: number, overscan = 6): VisibleRange {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 }
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight)
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewportHeight)) / rowHeight)
  const start = Math.min(total, Math.max(0, first - overscan))
  const end = Math.min(total, Math.max(start, last + overscan))
  return { start, end }
}
