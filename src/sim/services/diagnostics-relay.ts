/**
 * com.apple.mobile.diagnostics_relay (protocol.md §2.7, §7): length-prefixed plists;
 * `{Request}` → `{Status: Success|Failure|UnknownRequest, Diagnostics?}` (libimobiledevice 1.3.0
 * src/diagnostics_relay.c checks Status and reads Diagnostics). Enough for `idevicediagnostics`
 * and for reading the battery from the IOPMPowerSource registry entry.
 */
import type { PlistDict } from '../../main/device/plist/plist-codec.js'
import type { BatteryState, DeviceIdentity } from '../device/device-info.js'
import type { Tunnel } from '../link/device-link.js'
import { PlistTransport } from '../lockdown/plist-transport.js'

export interface DiagnosticsDevice {
  readonly identity: DeviceIdentity
  readonly battery: BatteryState
  /** Shutdown/Restart: the phone goes away (and comes back for Restart). */
  powerCycle(restart: boolean): void
}

function powerSource(b: BatteryState): PlistDict {
  return {
    BatteryInstalled: true,
    CurrentCapacity: b.level,
    MaxCapacity: 100,
    IsCharging: b.charging,
    ExternalConnected: b.externalPower,
    ExternalChargeCapable: b.externalPower,
    FullyCharged: b.level >= 100,
    CycleCount: 312,
    Temperature: 2950,
  }
}

export function serveDiagnosticsRelay(tunnel: Tunnel, initial: Buffer, device: DiagnosticsDevice): void {
  const transport = new PlistTransport(
    tunnel,
    (req) => {
      const ok = (diagnostics?: PlistDict): void => transport.send(diagnostics ? { Status: 'Success', Diagnostics: diagnostics } : { Status: 'Success' })
      switch (req.Request) {
        case 'All':
          return ok({ GasGauge: gasGauge(device.battery), WiFi: { Active: true, Status: 'Success' }, NAND: { Status: 'Success' }, HDMI: { Connection: 'Unknown', Status: 'Success' } })
        case 'GasGauge':
          return ok({ GasGauge: gasGauge(device.battery) })
        case 'WiFi':
          return ok({ WiFi: { Active: true, Status: 'Success' } })
        case 'NAND':
          return ok({ NAND: { Status: 'Success' } })
        case 'IORegistry': {
          const wanted = req.EntryClass === 'IOPMPowerSource' || req.EntryName === 'AppleARMPMUCharger' || req.EntryName === 'AppleSmartBattery'
          return ok({ IORegistry: wanted ? powerSource(device.battery) : {} })
        }
        case 'MobileGestalt': {
          const keys = Array.isArray(req.MobileGestaltKeys) ? req.MobileGestaltKeys.filter((k): k is string => typeof k === 'string') : []
          const known: PlistDict = { ProductType: device.identity.productType, ProductVersion: device.identity.productVersion, BuildVersion: device.identity.buildVersion, UniqueDeviceID: device.identity.udid, UserAssignedDeviceName: device.identity.name }
          const values: PlistDict = { Status: 'Success' }
          for (const k of keys) if (known[k] !== undefined) values[k] = known[k]!
          return ok({ MobileGestalt: values })
        }
        case 'Sleep':
          return ok()
        case 'Restart':
        case 'Shutdown':
          ok()
          // Give the reply time to leave before the phone disappears.
          setTimeout(() => device.powerCycle(req.Request === 'Restart'), 100).unref()
          return
        case 'Goodbye':
          ok()
          return tunnel.end()
        default:
          return transport.send({ Status: 'UnknownRequest' })
      }
    },
    () => tunnel.link.closeTunnel(tunnel, 'destroy', 'bad diagnostics_relay frame'),
  )
  transport.feed(initial)
}

function gasGauge(b: BatteryState): PlistDict {
  return { CycleCount: 312, DesignCapacity: 3227, FullChargeCapacity: 2950, Status: 'Success', 'NominalChargeCapacity': Math.round((2950 * b.level) / 100) }
}
