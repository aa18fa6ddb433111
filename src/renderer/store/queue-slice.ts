/**
 * The queue rows on screen: a window fetched with listQueue for the visible range, refetched when
 * the range leaves it, when filter or search change (at once) and when the snapshot's queue
 * revision moves (throttled: the engine bumps it up to 10 times a second while importing).
 * One request at a time; a reply for an old filter or search is dropped.
 */
import type { StateCreator } from 'zustand'
import type { WireError } from '../../shared/errors.js'
import type { QueueFilter } from '../../shared/state.js'
import { wireErrorOf } from '../transport/command-error.js'
import { fetchWindowFor, queueKey, windowCovers, type QueueWindow, type RowRange } from './queue-window.js'
import type { Store, StoreDeps } from './store-types.js'

export interface QueueSlice {
  queueFilter: QueueFilter
  queueSearch: string
  queueRange: RowRange
  queueWindow: QueueWindow | null
  queueError: WireError | null
  setQueueFilter(filter: QueueFilter): void
  setQueueSearch(search: string): void
  setQueueRange(start: number, end: number): void
  /** Called by the snapshot slice when queue.revision changed. */
  queueRevisionChanged(): void
}

export interface QueueTiming {
  /** Minimum gap between refetches caused by revision changes. */
  revisionThrottleMs: number
}

export const DEFAULT_QUEUE_TIMING: QueueTiming = { revisionThrottleMs: 300 }

export const createQueueSlice = (deps: StoreDeps, timing: QueueTiming = DEFAULT_QUEUE_TIMING): StateCreator<Store, [], [], QueueSlice> => (set, get) => {
  let inFlight = false
  let lastRevisionFetchAt = -Infinity
  /** The snapshot revision the loaded rows are at least as new as. */
  let loadedRevision = -1
  let timer: ReturnType<typeof setTimeout> | null = null

  const currentKey = (): string => queueKey(get().queueFilter, get().queueSearch)

  function need(): 'now' | 'throttled' | null {
    const s = get()
    if (!s.snapshot) return null
    const w = s.queueWindow
    const stale = !w || w.key !== currentKey() || !windowCovers(w, s.queueRange)
    // After a failed request, retry no faster than the throttle (on the next snapshot or change).
    if (stale) return s.queueError ? 'throttled' : 'now'
    if (s.snapshot.queue.revision > loadedRevision) return 'throttled'
    return null
  }

  function schedule(): void {
    if (inFlight) return // load() looks again when it finishes
    const what = need()
    if (what === null) return
    if (what === 'throttled') {
      const wait = lastRevisionFetchAt + timing.revisionThrottleMs - Date.now()
      if (wait > 0) {
        timer ??= setTimeout(() => {
          timer = null
          schedule()
        }, wait)
        return
      }
    }
    void load()
  }

  async function load(): Promise<void> {
    inFlight = true
    const s = get()
    const key = currentKey()
    const revision = s.snapshot?.queue.revision ?? -1
    const { offset, limit } = fetchWindowFor(s.queueRange)
    lastRevisionFetchAt = Date.now()
    let ok = true
    try {
      const search = s.queueSearch.trim()
      const page = await deps.transport.invoke('listQueue', { filter: s.queueFilter, offset, limit, ...(search ? { search } : {}) })
      if (key === currentKey()) {
        loadedRevision = revision
        set({ queueWindow: { key, offset: page.offset, items: page.items, total: page.total }, queueError: null })
      }
    } catch (error) {
      ok = false
      set({ queueError: wireErrorOf(error) })
    } finally {
      inFlight = false
    }
    // After a failure wait for the next snapshot or change instead of spinning.
    if (ok) schedule()
  }

  return {
    queueFilter: 'all',
    queueSearch: '',
    queueRange: { start: 0, end: 30 },
    queueWindow: null,
    queueError: null,
    setQueueFilter: (queueFilter) => {
      if (queueFilter === get().queueFilter) return
      set({ queueFilter, queueRange: { start: 0, end: get().queueRange.end - get().queueRange.start } })
      schedule()
    },
    setQueueSearch: (queueSearch) => {
      if (queueSearch === get().queueSearch) return
      set({ queueSearch, queueRange: { start: 0, end: get().queueRange.end - get().queueRange.start } })
      schedule()
    },
    setQueueRange: (start, end) => {
      const r = get().queueRange
      if (r.start === start && r.end === end) return
      set({ queueRange: { start, end } })
      schedule()
    },
    queueRevisionChanged: () => schedule(),
  }
}
