/** The one store's shape: the slices combined (zustand slices pattern). */
import type { Transport } from '../../shared/contract.js'
import type { Environment } from '../transport/choose-transport.js'
import type { ActionsSlice } from './actions-slice.js'
import type { QueueSlice } from './queue-slice.js'
import type { SnapshotSlice } from './snapshot-slice.js'
import type { UiSlice } from './ui-slice.js'

export type Store = SnapshotSlice & UiSlice & QueueSlice & ActionsSlice

/** What the slices get at creation: the transport chosen at start-up, and the page's services. */
export interface StoreDeps {
  transport: Transport
  environment: Environment
  /** Opens a sign-in page or a library file in a new tab (window.open in the browser). */
  openUrl: (url: string) => void
}
