/**
 * A windowed list with fixed row height: only the rows on screen (plus a few) exist in the DOM,
 * so 50,000 rows scroll like 50. Scroll events are coalesced to one update per animation frame.
 */
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react'
import { visibleRange, type VisibleRange } from './virtual-window.js'

export interface VirtualListProps {
  total: number
  rowHeight: number
  label: string
  /** Used when the element cannot be measured (jsdom). */
  fallbackHeight?: number
  /** Changing it scrolls back to the top (a new filter or search). */
  resetKey?: string
  onRangeChange?: (range: VisibleRange) => void
  renderRow: (index: number) => ReactNode
}

export function VirtualList({ total, rowHeight, label, fallbackHeight = 480, resetKey, onRangeChange, renderRow }: VirtualListProps) {
  const ref = useRef<HTMLDivElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [height, setHeight] = useState(fallbackHeight)
  const frame = useRef<number | null>(null)

  useLayoutEffect(() => {
    const el = ref.current
    if (!el) return
    const measure = (): void => setHeight(el.clientHeight || fallbackHeight)
    measure()
    if (typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(measure)
    observer.observe(el)
    return () => observer.disconnect()
  }, [fallbackHeight])

  useEffect(() => {
    if (ref.current) ref.current.scrollTop = 0
    setScrollTop(0)
  }, [resetKey])

  useEffect(() => () => {
    if (frame.current !== null) cancelAnimationFrame(frame.current)
  }, [])

  const range = visibleRange(scrollTop, height, rowHeight, total)
  useEffect(() => {
    onRangeChange?.(range)
  }, [range.start, range.end])

  function onScroll(): void {
    if (frame.current !== null) return
    frame.current = requestAnimationFrame(() => {
      frame.current = null
      if (ref.current) setScrollTop(ref.current.scrollTop)
    })
  }

  const rows: ReactNode[] = []
  for (let i = range.start; i < range.end; i++) rows.push(renderRow(i))
  return (
    <div ref={ref} className="vlist" role="list" aria-label={label} tabIndex={0} onScroll={onScroll}>
      <div className="vlist-sizer" role="none" style={{ height: total * rowHeight }}>
        <div className="vlist-rows" role="none" style={{ transform: `translateY(${range.start * rowHeight}px)` }}>
          {rows}
        </div>
      </div>
    </div>
  )
}
