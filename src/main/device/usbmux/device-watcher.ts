/**
 * Attach/detach events that survive usbmuxd restarts (protocol.md §6: on Linux, udev or
 * systemd start and stop usbmuxd as phones come and go). The Listen socket is reopened with
 * backoff (0.5 s doubling to 5 s); after each reconnect the device list is read again, devices
 * already reported are not reported twice, and devices that vanished meanwhile get 'detached'.
 */
import type { CradleError } from '../../../shared/errors.js'
import { createLogger } from '../../logging/logger.js'
import { sleep } from '../io/deadline.js'
import { preferUsb, type MuxDevice } from './device-list.js'
import type { MuxClient, MuxEvent, MuxListenHandle } from './mux-client.js'

const log = createLogger('device/usbmux')

export type DeviceEvent =
  | { type: 'mux-up' }
  | { type: 'mux-down'; error: CradleError }
  | { type: 'attached'; device: MuxDevice }
  | { type: 'detached'; device: MuxDevice }
  | { type: 'paired'; device: MuxDevice }

export interface WatchOptions {
  /** Stops watching (same as close()). */
  signal?: AbortSignal
  minBackoffMs?: number
  maxBackoffMs?: number
}

export class DeviceWatcher {
  private readonly known = new Map<number, MuxDevice>()
  /** DeviceIDs seen detached; usbmuxd never reuses one, so a late list entry cannot revive it. */
  private readonly dead = new Set<number>()
  private state: 'starting' | 'up' | 'down' = 'starting'
  private closed = false
  private readonly stop = new AbortController()
  private handle: MuxListenHandle | undefined
  private wake: ((error: CradleError | undefined) => void) | undefined
  /** Resolves when the watch loop has ended after close(). */
  readonly done: Promise<void>

  constructor(private readonly mux: MuxClient, private readonly onEvent: (event: DeviceEvent) => void, private readonly opts: WatchOptions = {}) {
    opts.signal?.addEventListener('abort', () => this.close(), { once: true })
    this.done = this.run()
  }

  /** Devices attached right now, every entry (a phone on USB and Wi-Fi appears twice). */
  devices(): MuxDevice[] {
    return [...this.known.values()]
  }

  /** One entry per phone, USB preferred. */
  usbPreferred(): MuxDevice[] {
    return preferUsb(this.devices())
  }

  get muxUp(): boolean {
    return this.state === 'up'
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.stop.abort()
    this.handle?.close()
    this.wake?.(undefined)
  }

  private emit(event: DeviceEvent): void {
    try {
      this.onEvent(event)
    } catch (error) {
      log.error('device event handler threw', { error, type: event.type })
    }
  }

  private async run(): Promise<void> {
    const min = this.opts.minBackoffMs ?? 500
    const max = this.opts.maxBackoffMs ?? 5000
    let backoff = min
    while (!this.closed) {
      const error = await this.session()
      if (this.closed) break
      if (this.state !== 'down' && error) {
        this.state = 'down'
        this.emit({ type: 'mux-down', error })
      }
      if (this.state === 'up') backoff = min
      log.debug('usbmuxd listen ended; reconnecting', { backoffMs: backoff, error })
      try {
        await sleep(backoff, this.stop.signal)
      } catch {
        break
      }
      backoff = Math.min(backoff * 2, max)
    }
  }

  /** One Listen connection; resolves with the error that ended it. */
  private async session(): Promise<CradleError | undefined> {
    const confirmed = new Set<number>()
    let reconciled = false
    const ended = new Promise<CradleError | undefined>((resolve) => {
      this.wake = resolve
    })
    // Events can arrive in the same chunk as Listen's Result, before listen() resolves.
    const markUp = (): void => {
      if (this.state === 'up') return
      this.state = 'up'
      this.emit({ type: 'mux-up' })
    }
    const onMuxEvent = (event: MuxEvent): void => {
      if (this.closed) return
      markUp()
      if (event.type === 'attached') {
        confirmed.add(event.device.deviceId)
        if (!this.known.has(event.device.deviceId)) {
          this.known.set(event.device.deviceId, event.device)
          this.emit({ type: 'attached', device: event.device })
        }
      } else {
        const device = this.known.get(event.deviceId)
        if (event.type === 'detached') {
          this.dead.add(event.deviceId)
          if (device) {
            this.known.delete(event.deviceId)
            this.emit({ type: 'detached', device })
          }
        } else if (device) {
          this.emit({ type: 'paired', device })
        }
      }
    }
    try {
      this.handle = await this.mux.listen(onMuxEvent, (error) => this.wake?.(error), { signal: this.stop.signal })
      if (this.closed) return undefined
      markUp()
      // Re-list: devices that were attached before usbmuxd went away and are gone now get
      // 'detached'; anything Listen has not mentioned yet gets 'attached' once.
      const list = await this.mux.listDevices({ all: true, signal: this.stop.signal })
      if (this.closed) return undefined
      for (const device of list) {
        confirmed.add(device.deviceId)
        if (!this.known.has(device.deviceId) && !this.dead.has(device.deviceId)) {
          this.known.set(device.deviceId, device)
          this.emit({ type: 'attached', device })
        }
      }
      for (const [id, device] of [...this.known]) {
        if (!confirmed.has(id)) {
          this.known.delete(id)
          this.dead.add(id)
          this.emit({ type: 'detached', device })
        }
      }
      reconciled = true
      return await ended
    } catch (error) {
      return error as CradleError
    } finally {
      if (!reconciled) log.debug('listen session ended before the device list was read')
      this.handle?.close()
      this.handle = undefined
      this.wake = undefined
    }
  }
}

/** Starts watching the mux; call close() (or abort the signal) to stop. */
export function watchDevices(mux: MuxClient, onEvent: (event: DeviceEvent) => void, opts: WatchOptions = {}): DeviceWatcher {
  return new DeviceWatcher(mux, onEvent, opts)
}
