/**
 * The window's one store: slices combined (zustand slices pattern), created once at start-up with
 * the transport, and connected to it: every snapshot lands in the snapshot slice.
 */
import { createStore, type StoreApi } from 'zustand/vanilla'
import { createActionsSlice } from './actions-slice.js'
import { createQueueSlice, DEFAULT_QUEUE_TIMING, type QueueTiming } from './queue-slice.js'
import { createSnapshotSlice } from './snapshot-slice.js'
import type { Store, StoreDeps } from './store-types.js'
import { createUiSlice } from './ui-slice.js'

export type { Store, StoreDeps } from './store-types.js'
export type AppStore = StoreApi<Store>

export function createAppStore(deps: StoreDeps, timing: QueueTiming = DEFAULT_QUEUE_TIMING): AppStore {
  return createStore<Store>()((...a) => ({
    ...createSnapshotSlice(...a),
    ...createUiSlice(deps.environment)(...a),
    ...createQueueSlice(deps, timing)(...a),
    ...createActionsSlice(deps)(...a),
  }))
}

/** Feeds the store from the transport; returns a function that stops it. */
export function connectStore(store: AppStore, deps: Pick<StoreDeps, 'transport'>): () => void {
  const offState = deps.transport.onState((state) => store.getState().applySnapshot(state))
  const offConnection = deps.transport.onConnection?.((connected) => store.getState().setConnected(connected)) ?? (() => undefined)
  return () => {
    offState()
    offConnection()
  }
}
