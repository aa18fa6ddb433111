import { describe, expect, it } from 'vitest'
import type { AppState } from '../../../src/shared/state.js'
import { createStateStream } from '../../../src/main/electron/window/state-stream.js'
import { appState } from './state-fixture.js'

/** A manual clock with timers, so the throttle is checked to the millisecond. */
function harness(visible = true) {
  let now = 0
  let timers: { at: number; fn: () => void; id: number }[] = []
  let nextId = 1
  const sent: number[] = []
  const view = { visible }
  const stream = createStateStream({
    send: (s: AppState) => sent.push(s.seq),
    isVisible: () => view.visible,
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { at: now + ms, fn, id: nextId++ }
      timers.push(t)
      return t.id
    },
    clearTimer: (id) => {
      timers = timers.filter((t) => t.id !== id)
    },
  })
  const advance = (ms: number): void => {
    const until = now + ms
    for (;;) {
      const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      now = due.at
      timers = timers.filter((t) => t !== due)
      due.fn()
    }
    now = until
  }
  return { stream, sent, view, advance, pending: () => timers.length }
}

const s = (seq: number): AppState => appState({ seq })

describe('state stream to the window', () => {
  it('sends at most 10 a second, always ending on the newest', () => {
    const h = harness()
    for (let i = 1; i <= 100; i++) {
      h.stream.push(s(i))
      h.advance(10) // 100 snapshots a second from the engine
    }
    h.advance(200)
    expect(h.sent.length).toBeLessThanOrEqual(11)
    expect(h.sent.length).toBeGreaterThanOrEqual(9)
    expect(h.sent.at(-1)).toBe(100)
    expect([...h.sent].sort((a, b) => a - b)).toEqual(h.sent) // never out of order
  })

  it('sends the first snapshot at once', () => {
    const h = harness()
    h.stream.push(s(1))
    expect(h.sent).toEqual([1])
  })

  it('sends nothing while hidden and the newest when shown', () => {
    const h = harness(false)
    h.stream.push(s(1))
    h.stream.push(s(2))
    h.advance(1000)
    expect(h.sent).toEqual([])
    h.view.visible = true
    h.stream.flush()
    expect(h.sent).toEqual([2])
  })

  it('sends the newest again after a reload (the page lost it)', () => {
    const h = harness()
    h.stream.push(s(5))
    h.stream.flush()
    expect(h.sent).toEqual([5, 5])
  })

  it('drops snapshots older than one it has', () => {
    const h = harness()
    h.stream.push(s(3))
    h.advance(500)
    h.stream.push(s(2))
    h.advance(500)
    expect(h.sent).toEqual([3])
  })

  it('stops after dispose', () => {
    const h = harness()
    h.stream.push(s(1))
    h.stream.push(s(2)) // throttled: a timer waits
    h.stream.dispose()
    h.advance(1000)
    expect(h.sent).toEqual([1])
    expect(h.pending()).toBe(0)
  })
})
