/**
 * PowerSource over Electron's powerMonitor, taken as a narrow interface. macOS and Windows emit
 * `on-ac` / `on-battery`; on Linux those events are not emitted (electron.d.ts: darwin,win32), so
 * the value is polled while anyone listens.
 */
import type { Platform } from '../../../shared/error-text.js'
import type { PowerSource } from '../../engine/ports.js'

export interface PowerMonitorLike {
  isOnBatteryPower(): boolean
  on(event: 'on-ac' | 'on-battery', listener: () => void): unknown
  removeListener(event: 'on-ac' | 'on-battery', listener: () => void): unknown
}

export interface PowerSourceOptions {
  platform: Platform
  pollMs?: number
  setInterval?(fn: () => void, ms: number): unknown
  clearInterval?(timer: unknown): void
}

/** PowerSource from a powerMonitor-like object; polls on Linux. */
export function createElectronPowerSource(monitor: PowerMonitorLike, options: PowerSourceOptions): PowerSource & { dispose(): void } {
  const pollMs = options.pollMs ?? 30_000
  const every = options.setInterval ?? ((fn: () => void, ms: number) => setInterval(fn, ms))
  const stop = options.clearInterval ?? ((t: unknown) => clearInterval(t as NodeJS.Timeout))
  const listeners = new Set<() => void>()
  let poller: unknown = null

  const read = (): boolean | null => {
    try {
      return !monitor.isOnBatteryPower()
    } catch {
      return null // the OS could not tell: the engine treats it as AC
    }
  }
  let last = read()
  const check = (): void => {
    const now = read()
    if (now === last) return
    last = now
    for (const l of [...listeners]) l()
  }
  monitor.on('on-ac', check)
  monitor.on('on-battery', check)

  return {
    onAcPower: read,
    onChange(callback) {
      listeners.add(callback)
      if (options.platform !== 'darwin' && options.platform !== 'win32' && poller === null) poller = every(check, pollMs)
      return () => {
        listeners.delete(callback)
        if (listeners.size === 0 && poller !== null) {
          stop(poller)
          poller = null
        }
      }
    },
    dispose() {
      monitor.removeListener('on-ac', check)
      monitor.removeListener('on-battery', check)
      if (poller !== null) stop(poller)
      poller = null
      listeners.clear()
    },
  }
}
