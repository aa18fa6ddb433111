/**
 * Carries engine snapshots to the window: at most one send per `minIntervalMs` (10 a second by
 * default; the newest snapshot wins), nothing while the window is hidden, and the newest one at
 * once when it shows again. Timers and clock are injected so the throttle is tested exactly.
 */
import type { AppState } from '../../../shared/state.js'

export interface StateStreamOptions {
  send(state: AppState): void
  isVisible(): boolean
  now(): number
  setTimer(fn: () => void, ms: number): unknown
  clearTimer(timer: unknown): void
  minIntervalMs?: number
}

export interface StateStream {
  /** A new snapshot from the engine. */
  push(state: AppState): void
  /** The window became visible or (re)loaded: send the newest snapshot now. */
  flush(): void
  dispose(): void
}

/** A throttled, visibility-aware pipe from engine snapshots to the window. */
export function createStateStream(options: StateStreamOptions): StateStream {
  const minInterval = options.minIntervalMs ?? 100
  let latest: AppState | null = null
  let sentSeq = -Infinity
  let lastSentAt = -Infinity
  let timer: unknown = null
  let disposed = false

  const sendLatest = (): void => {
    timer = null
    if (disposed || latest === null || !options.isVisible()) return
    if (latest.seq <= sentSeq) return
    sentSeq = latest.seq
    lastSentAt = options.now()
    options.send(latest)
  }

  return {
    push(state) {
      if (disposed || (latest !== null && state.seq <= latest.seq)) return
      latest = state
      if (!options.isVisible() || timer !== null) return
      const wait = lastSentAt + minInterval - options.now()
      if (wait <= 0) sendLatest()
      else timer = options.setTimer(sendLatest, wait)
    },
    flush() {
      if (timer !== null) options.clearTimer(timer)
      // A reloaded page has lost what it had: send the newest again even if it was sent before.
      sentSeq = -Infinity
      sendLatest()
    },
    dispose() {
      disposed = true
      if (timer !== null) options.clearTimer(timer)
      timer = null
    },
  }
}
