/** Renders a piece of the window with a fresh store on a TestTransport (jsdom). */
import { act, cleanup, render, type RenderResult } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterEach } from 'vitest'
import { connectStore, createAppStore, type AppStore } from '../../../src/renderer/store/store.js'
import { StoreProvider } from '../../../src/renderer/store/store-context.js'
import type { Environment } from '../../../src/renderer/transport/choose-transport.js'
import type { AppState } from '../../../src/shared/state.js'
import { TestTransport } from './test-transport.js'

afterEach(() => cleanup())

export interface Rendered extends RenderResult {
  store: AppStore
  transport: TestTransport
  opened: string[]
  /** Pushes a snapshot as the engine would, inside act(). */
  push(state: AppState): void
}

export function renderWithStore(ui: ReactNode, options: { state?: AppState; environment?: Environment; transport?: TestTransport } = {}): Rendered {
  const transport = options.transport ?? new TestTransport()
  const opened: string[] = []
  const store = createAppStore({ transport, environment: options.environment ?? 'browser', openUrl: (url) => opened.push(url) })
  connectStore(store, { transport })
  const push = (state: AppState): void => act(() => transport.push(state))
  if (options.state) transport.push(options.state)
  const result = render(<StoreProvider store={store}>{ui}</StoreProvider>)
  return { ...result, store, transport, opened, push }
}
