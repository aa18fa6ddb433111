/**
 * The window's only way to the engine: `invoke` for the contract's commands and `onState` for
 * snapshots; nothing else (not ipcRenderer, not the event objects, which carry the sender).
 * Built from an injected ipcRenderer-like object so the exact shape is tested under plain Node.
 */
import { BRIDGE_KEY, IPC, isCommandName, type CradleBridge } from '../shared/contract.js'
import type { AppState } from '../shared/state.js'

/** The part of ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

/** The part of contextBridge the preload uses. */
export interface ContextBridgeLike {
  exposeInMainWorld(key: string, api: unknown): void
}

const isSnapshot = (v: unknown): v is AppState => typeof v === 'object' && v !== null && typeof (v as AppState).seq === 'number'

/** The `window.cradle` object: invoke for contract commands, onState for snapshots. */
export function createBridge(ipc: IpcRendererLike): CradleBridge {
  const listeners = new Set<(state: AppState) => void>()
  // Keep the newest snapshot: main sends one when the page loads, maybe before React subscribes.
  let latest: AppState | null = null
  ipc.on(IPC.state, (_event, state) => {
    if (!isSnapshot(state) || (latest !== null && state.seq <= latest.seq)) return
    latest = state
    for (const l of [...listeners]) l(state)
  })

  const bridge: CradleBridge = {
    invoke(name, input) {
      if (!isCommandName(name)) return Promise.reject(new Error(`unknown command: ${String(name)}`))
      return ipc.invoke(IPC.command(name), input) as ReturnType<CradleBridge['invoke']>
    },
    onState(callback) {
      if (typeof callback !== 'function') throw new TypeError('onState needs a function')
      listeners.add(callback)
      if (latest !== null) callback(latest)
      return () => {
        listeners.delete(callback)
      }
    },
  }
  return Object.freeze(bridge)
}

/** Puts the bridge on `window.cradle`. */
export function exposeBridge(contextBridge: ContextBridgeLike, ipc: IpcRendererLike): void {
  contextBridge.exposeInMainWorld(BRIDGE_KEY, createBridge(ipc))
}
