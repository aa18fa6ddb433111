/**
 * The Electron transport: the preload's `window.cradle` bridge (CradleBridge in src/shared).
 * The bridge pushes snapshots as the engine publishes them; the current one is fetched once with
 * getState so a window opened between pushes does not start empty. Older snapshots (by seq) are
 * dropped, which settles the race between that reply and the first push.
 */
import type { CommandName, CradleBridge, Input, Result, Transport } from '../../shared/contract.js'
import type { AppState } from '../../shared/state.js'
import { unwrapWire } from './command-error.js'

export class IpcTransport implements Transport {
  private latest: AppState | null = null
  private readonly listeners = new Set<(s: AppState) => void>()
  private unsubscribeBridge: (() => void) | null = null

  constructor(private readonly bridge: CradleBridge) {}

  async invoke<K extends CommandName>(name: K, input: Input<K>): Promise<Result<K>> {
    return unwrapWire<Result<K>>(await this.bridge.invoke(name, input))
  }

  onState(callback: (state: AppState) => void): () => void {
    this.listeners.add(callback)
    if (this.latest) callback(this.latest)
    if (!this.unsubscribeBridge) {
      this.unsubscribeBridge = this.bridge.onState((state) => this.accept(state))
      this.invoke('getState', undefined).then((state) => this.accept(state), () => undefined)
    }
    return () => {
      this.listeners.delete(callback)
      if (this.listeners.size === 0) {
        this.unsubscribeBridge?.()
        this.unsubscribeBridge = null
      }
    }
  }

  /** In the app the engine runs in the same process tree: the bridge is always connected. */
  onConnection(callback: (connected: boolean) => void): () => void {
    callback(true)
    return () => undefined
  }

  private accept(state: AppState): void {
    if (this.latest && state.seq <= this.latest.seq) return
    this.latest = state
    for (const listener of [...this.listeners]) listener(state)
  }
}
