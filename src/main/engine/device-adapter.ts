/**
 * The PhonePort over our own usbmux/lockdown/AFC client. Phones are keyed by UDID (a replug
 * gets a new DeviceID); a phone on USB and Wi-Fi at once is one phone, USB preferred.
 */
import type { Writable } from 'node:stream'
import { CradleError } from '../../shared/errors.js'
import type { BatteryView } from '../../shared/state.js'
import type { AfcClient } from '../device/index.js'
import { connectDevice, MuxClient, watchDevices, type DeviceSession, type MuxDevice, type TrustState } from '../device/index.js'
import type { PhoneFiles, PhoneFileStat, PhoneLink, PhonePort, TrustStep } from './phone-port.js'

const TRUST_STEPS: Partial<Record<TrustState, TrustStep>> = {
  'waiting-for-unlock': 'waiting-unlock',
  'waiting-for-trust': 'waiting-trust',
  denied: 'denied',
  paired: 'paired',
}

/**
 * AFC reads for imports: 1 MiB, four in flight per file. An unplug loses the reads in flight
 * (a partial reply is useless), and each in-flight read is memory; against the device layer's
 * 4 MiB × 3 default this keeps both small at the same speed (bench/engine.bench.ts: 95–96 % of
 * pull-only at 40 MB/s with either).
 */
const IMPORT_READ_BYTES = 1024 * 1024
const IMPORT_READ_WINDOW = 4

/** AFC as the engine sees it. */
export function afcPhoneFiles(afc: AfcClient): PhoneFiles {
  return {
    listDir: (path, signal) => afc.listDir(path, signal),
    async statMany(paths, signal) {
      const stats = await afc.statEach(paths, { signal })
      return stats.map((s): PhoneFileStat | CradleError | null =>
        s === null || s instanceof CradleError ? s : { type: s.type === 'file' || s.type === 'dir' ? s.type : 'other', size: s.size, mtimeNs: s.mtimeNs, birthtimeNs: s.birthtimeNs },
      )
    },
    async download(path: string, sink: Writable, options) {
      const start = options.offset
      await afc.download(path, sink, {
        offset: options.offset,
        signal: options.signal,
        chunkSize: IMPORT_READ_BYTES,
        window: IMPORT_READ_WINDOW,
        ...(options.size !== undefined ? { size: options.size } : {}),
        ...(options.onProgress ? { onProgress: (done: number) => options.onProgress!(done - start) } : {}),
      })
    },
    async close() {
      afc.close()
    },
  }
}

function batteryView(session: DeviceSession): (signal: AbortSignal) => Promise<BatteryView | null> {
  return async (signal) => {
    const b = await session.battery({ signal })
    if (b.level === undefined) return null
    return { level: b.level, charging: b.charging ?? false, externalPower: b.externalPower ?? b.charging ?? false }
  }
}

export function createPhonePort(options: { muxAddress?: string; env?: NodeJS.ProcessEnv } = {}): PhonePort {
  const mux = new MuxClient({ ...(options.muxAddress ? { address: options.muxAddress } : {}), ...(options.env ? { env: options.env } : {}) })
  return {
    async list(signal) {
      const devices = await mux.listDevices(signal ? { signal } : {})
      return devices.map((d) => ({ udid: d.udid, connection: d.connectionType === 'USB' ? ('usb' as const) : ('network' as const) }))
    },

    watch(listener) {
      const entries = new Map<string, Map<number, MuxDevice>>()
      const connectionOf = (udid: string): 'usb' | 'network' =>
        [...(entries.get(udid)?.values() ?? [])].some((d) => d.connectionType === 'USB') ? 'usb' : 'network'
      const watcher = watchDevices(mux, (event) => {
        switch (event.type) {
          case 'mux-up':
            return listener({ type: 'mux', available: true, error: null })
          case 'mux-down':
            return listener({ type: 'mux', available: false, error: event.error })
          case 'attached': {
            const udid = event.device.udid
            const known = entries.get(udid) ?? new Map<number, MuxDevice>()
            const wasUsb = entries.has(udid) ? connectionOf(udid) : null
            known.set(event.device.deviceId, event.device)
            entries.set(udid, known)
            // A Wi-Fi phone that now also shows up on USB is reported again, as USB.
            if (wasUsb === null || (wasUsb === 'network' && connectionOf(udid) === 'usb')) listener({ type: 'attached', udid, connection: connectionOf(udid) })
            return
          }
          case 'detached': {
            const udid = event.device.udid
            const known = entries.get(udid)
            known?.delete(event.device.deviceId)
            if (known && known.size > 0) return
            entries.delete(udid)
            return listener({ type: 'detached', udid })
          }
          case 'paired':
            return
        }
      })
      return () => watcher.close()
    },

    async open(udid, { signal, onTrust, pair }): Promise<PhoneLink> {
      const session = await connectDevice(mux, udid, {
        signal,
        pair: pair ?? true,
        onRevoked: 'repair',
        onTrustState: (state) => {
          const step = TRUST_STEPS[state]
          if (step) onTrust(step)
        },
      })
      const info = session.info
      return {
        identity: { udid: info.udid, name: info.name, productType: info.productType ?? '', model: info.model, iosVersion: info.productVersion ?? '' },
        battery: batteryView(session),
        // libimobiledevice's maintainer: PasswordProtected "shows the current lock status" (libimobiledevice #1191).
        locked: async (s) => (await session.getValue('PasswordProtected', undefined, { signal: s })) === true,
        async openFiles(s) {
          return afcPhoneFiles(await session.openAfc({ signal: s }))
        },
        close: () => session.close(),
      }
    },
  }
}

/** A phone the user has not connected by USB cannot be paired or backed up (design.md: Wi-Fi is shown only). */
export const NETWORK_ONLY = new CradleError('pairing-over-network', 'this phone is connected over Wi-Fi only')
