/** The store reaches components through context, so tests and the app each make their own. */
import { createContext, useContext, type ReactNode } from 'react'
import { useStore } from 'zustand'
import type { AppStore, Store } from './store.js'

const StoreContext = createContext<AppStore | null>(null)

export function StoreProvider({ store, children }: { store: AppStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>
}

/** Selects the smallest piece a component needs; it re-renders only when that piece changes. */
export function useAppStore<T>(selector: (s: Store) => T): T {
  const store = useContext(StoreContext)
  if (!store) throw new Error('useAppStore outside StoreProvider')
  return useStore(store, selector)
}

type FunctionKeys<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T]
export type Actions = Pick<Store, FunctionKeys<Store>>

/** The store's actions. They never change, so reading them does not subscribe to anything. */
export function useActions(): Actions {
  const store = useContext(StoreContext)
  if (!store) throw new Error('useActions outside StoreProvider')
  return store.getState()
}
