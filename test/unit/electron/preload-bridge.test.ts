/**
 * The preload bridge with an ipcRenderer/contextBridge fake written from Electron's documented API
 * (invoke(channel, ...args) → Promise, on(channel, listener(event, ...args)), exposeInMainWorld).
 */
import { describe, expect, it } from 'vitest'
import { BRIDGE_KEY, COMMAND_NAMES, IPC } from '../../../src/shared/contract.js'
import { createBridge, exposeBridge, type IpcRendererLike } from '../../../src/preload/bridge.js'
import { appState } from './state-fixture.js'

function fakeIpcRenderer() {
  const listeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>()
  const invoked: [string, unknown[]][] = []
  const ipc: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      invoked.push([channel, args])
      return { ok: true, value: null }
    },
    on: (channel, listener) => listeners.set(channel, [...(listeners.get(channel) ?? []), listener]),
  }
  const event = { sender: 'the ipcRenderer itself', senderId: 0 }
  const emit = (channel: string, ...args: unknown[]) => listeners.get(channel)?.forEach((l) => l(event, ...args))
  return { ipc, invoked, emit, listeners }
}

describe('preload bridge', () => {
  it('exposes exactly invoke and onState on window.cradle, frozen', () => {
    const exposed: [string, unknown][] = []
    exposeBridge({ exposeInMainWorld: (key, api) => exposed.push([key, api]) }, fakeIpcRenderer().ipc)
    expect(exposed).toHaveLength(1)
    const [key, api] = exposed[0]!
    expect(key).toBe(BRIDGE_KEY)
    expect(Object.keys(api as object).sort()).toEqual(['invoke', 'onState'])
    expect(Object.isFrozen(api)).toBe(true)
  })

  it('invokes each command on its own channel with one input object', async () => {
    const f = fakeIpcRenderer()
    const bridge = createBridge(f.ipc)
    await expect(bridge.invoke('backupNow', { udid: 'u1' })).resolves.toEqual({ ok: true, value: null })
    for (const name of COMMAND_NAMES) await bridge.invoke(name, undefined as never)
    expect(f.invoked[0]).toEqual([IPC.command('backupNow'), [{ udid: 'u1' }]])
    expect(f.invoked.slice(1).map(([c]) => c)).toEqual(COMMAND_NAMES.map((n) => IPC.command(n)))
  })

  it('rejects unknown command names without touching IPC', async () => {
    const f = fakeIpcRenderer()
    const bridge = createBridge(f.ipc)
    await expect(bridge.invoke('deleteEverything' as never, undefined as never)).rejects.toThrow('unknown command')
    await expect(bridge.invoke('state' as never, undefined as never)).rejects.toThrow()
    await expect(bridge.invoke({ toString: () => 'pause' } as never, undefined as never)).rejects.toThrow()
    expect(f.invoked).toEqual([])
  })

  it('delivers snapshots without the IPC event, in order, and unsubscribes', () => {
    const f = fakeIpcRenderer()
    const bridge = createBridge(f.ipc)
    const got: unknown[][] = []
    const off = bridge.onState((...args: unknown[]) => got.push(args))
    f.emit(IPC.state, appState({ seq: 1 }))
    f.emit(IPC.state, appState({ seq: 3 }))
    f.emit(IPC.state, appState({ seq: 2 })) // late: dropped
    f.emit(IPC.state, 'not a snapshot')
    expect(got.map((a) => (a[0] as { seq: number }).seq)).toEqual([1, 3])
    expect(got.every((a) => a.length === 1)).toBe(true) // the event object never reaches the page
    off()
    f.emit(IPC.state, appState({ seq: 4 }))
    expect(got).toHaveLength(2)
  })

  it('gives a late subscriber the newest snapshot at once', () => {
    const f = fakeIpcRenderer()
    const bridge = createBridge(f.ipc)
    f.emit(IPC.state, appState({ seq: 7 }))
    const got: number[] = []
    bridge.onState((s) => got.push(s.seq))
    expect(got).toEqual([7])
  })

  it('listens on the state channel only', () => {
    const f = fakeIpcRenderer()
    createBridge(f.ipc)
    expect([...f.listeners.keys()]).toEqual([IPC.state])
  })
})
