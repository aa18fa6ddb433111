/** A mirror of the engine's AppState (≤ 10 pushes a second) and of the connection to it. */
import type { StateCreator } from 'zustand'
import type { AppState } from '../../shared/state.js'
import type { Store } from './store-types.js'

export interface SnapshotSlice {
  snapshot: AppState | null
  /** The transport reaches the engine (always true in the app; HTTP reconnects after a drop). */
  connected: boolean
  /** The server refused our token: the window explains how to get the access link. */
  accessDenied: boolean
  applySnapshot(state: AppState): void
  setConnected(connected: boolean): void
  setAccessDenied(denied: boolean): void
}

export const createSnapshotSlice: StateCreator<Store, [], [], SnapshotSlice> = (set, get) => ({
  snapshot: null,
  connected: false,
  accessDenied: false,
  applySnapshot: (snapshot) => {
    const before = get().snapshot?.queue.revision
    set({ snapshot, connected: true, accessDenied: false })
    if (before !== snapshot.queue.revision || get().queueError) get().queueRevisionChanged()
  },
  setConnected: (connected) => set({ connected }),
  setAccessDenied: (accessDenied) => set({ accessDenied }),
})
