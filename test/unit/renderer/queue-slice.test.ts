import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { connectStore, createAppStore } from '../../../src/renderer/store/store.js'
import type { QueuePage } from '../../../src/shared/contract.js'
import { buildAppState, buildQueueItem } from '../../fakes/app-state-builder.js'
import { TestTransport } from './test-transport.js'

function page(input: { offset: number; limit: number }, total: number, revision = 1): QueuePage {
  const count = Math.max(0, Math.min(input.limit, total - input.offset))
  return { total, offset: input.offset, revision, items: Array.from({ length: count }, (_, i) => buildQueueItem(input.offset + i)) }
}

const state = (revision: number, seq = revision) => buildAppState({ seq, queue: { counts: { all: 50_000, pending: 0, failed: 0, notOnPhone: 0, done: 50_000, importPending: 0, importFailed: 0 }, revision } })

describe('queue window slice', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  function setup(answer?: (input: { filter: string; offset: number; limit: number; search?: string }) => Promise<QueuePage> | QueuePage) {
    const transport = new TestTransport().answer('listQueue', (input) => (answer ? answer(input) : page(input, 50_000)))
    const store = createAppStore({ transport, environment: 'browser', openUrl: () => undefined }, { revisionThrottleMs: 300 })
    connectStore(store, { transport })
    return { transport, store }
  }

  it('fetches the visible window when the first snapshot arrives', async () => {
    const { transport, store } = setup()
    transport.push(state(1))
    await vi.runOnlyPendingTimersAsync()
    expect(transport.callsOf('listQueue')).toEqual([{ filter: 'all', offset: 0, limit: 70 }])
    expect(store.getState().queueWindow).toMatchObject({ offset: 0, total: 50_000 })
    expect(store.getState().queueWindow!.items).toHaveLength(70)
  })

  it('refetches when the range leaves the loaded rows, not when it stays inside', async () => {
    const { transport, store } = setup()
    transport.push(state(1))
    await vi.runOnlyPendingTimersAsync()
    store.getState().setQueueRange(10, 40)
    await vi.runOnlyPendingTimersAsync()
    expect(transport.callsOf('listQueue')).toHaveLength(1)
    store.getState().setQueueRange(25_000, 25_030)
    await vi.runOnlyPendingTimersAsync()
    expect(transport.callsOf('listQueue').at(-1)).toEqual({ filter: 'all', offset: 24_960, limit: 110 })
  })

  it('throttles refetches while the revision moves at 10 Hz', async () => {
    const { transport } = setup()
    for (let i = 1; i <= 30; i++) {
      transport.push(state(i)) // 3 s of a busy import
      await vi.advanceTimersByTimeAsync(100)
    }
    await vi.advanceTimersByTimeAsync(1000)
    const calls = transport.callsOf('listQueue').length
    expect(calls).toBeGreaterThanOrEqual(9)
    expect(calls).toBeLessThanOrEqual(12) // ~ every 300 ms, not 30 times
  })

  it('drops a reply for a filter the person already left', async () => {
    let release: (() => void) | null = null
    const { transport, store } = setup((input) => {
      if (input.filter === 'all') return new Promise((resolve) => (release = () => resolve(page(input, 50_000))))
      return page(input, 3)
    })
    transport.push(state(1))
    await vi.advanceTimersByTimeAsync(0)
    store.getState().setQueueFilter('failed')
    release!()
    await vi.runOnlyPendingTimersAsync()
    expect(store.getState().queueWindow).toMatchObject({ total: 3 })
    expect(transport.callsOf('listQueue').map((c) => (c as { filter: string }).filter)).toEqual(['all', 'failed'])
  })

  it('sends a trimmed search and resets to the top', async () => {
    const { transport, store } = setup()
    transport.push(state(1))
    await vi.runOnlyPendingTimersAsync()
    store.getState().setQueueRange(5000, 5030)
    await vi.runOnlyPendingTimersAsync()
    store.getState().setQueueSearch('  IMG_44 ')
    await vi.runOnlyPendingTimersAsync()
    expect(transport.callsOf('listQueue').at(-1)).toEqual({ filter: 'all', offset: 0, limit: 70, search: 'IMG_44' })
    expect(store.getState().queueRange.start).toBe(0)
  })

  it('after a failure shows the error and retries on later snapshots, throttled, not in a loop', async () => {
    const { transport, store } = setup()
    transport.refuse('listQueue', 'internal')
    transport.push(state(1))
    await vi.runOnlyPendingTimersAsync()
    expect(store.getState().queueError?.code).toBe('internal')
    expect(transport.callsOf('listQueue')).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(2000)
    expect(transport.callsOf('listQueue')).toHaveLength(1) // no spinning on its own
    transport.answer('listQueue', (input) => page(input, 10))
    transport.push(state(1, 2)) // same revision, a later snapshot
    await vi.runOnlyPendingTimersAsync()
    expect(store.getState().queueError).toBeNull()
    expect(store.getState().queueWindow?.total).toBe(10)
  })
})
