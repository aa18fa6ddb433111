/** Window-only state: which dialog is open, the last notice. Never sent to the engine. */
import type { StateCreator } from 'zustand'
import type { Environment } from '../transport/choose-transport.js'
import type { Store } from './store-types.js'

export type Dialog =
  | { kind: 'settings' }
  | { kind: 'add-destination' }
  | { kind: 'edit-destination'; id: string }
  | { kind: 'remove-destination'; id: string }
  | { kind: 'backup-anyway'; udid: string }
  | null

export interface Notice {
  id: number
  tone: 'info' | 'error'
  text: string
}

export interface UiSlice {
  environment: Environment
  dialog: Dialog
  notice: Notice | null
  /** Commands in flight, by name: their buttons show it and do not double-send. */
  busy: Partial<Record<string, true>>
  openDialog(dialog: Exclude<Dialog, null>): void
  closeDialog(): void
  notify(tone: Notice['tone'], text: string): void
  dismissNotice(): void
}

let noticeId = 0

export const createUiSlice = (environment: Environment): StateCreator<Store, [], [], UiSlice> => (set) => ({
  environment,
  dialog: null,
  notice: null,
  busy: {},
  openDialog: (dialog) => set({ dialog }),
  closeDialog: () => set({ dialog: null }),
  notify: (tone, text) => set({ notice: { id: ++noticeId, tone, text } }),
  dismissNotice: () => set({ notice: null }),
})
