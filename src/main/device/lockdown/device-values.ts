/**
 * Typed views of lockdown GetValue domains (protocol.md §2.3): the global domain (name, model,
 * iOS), com.apple.mobile.battery and com.apple.disk_usage. Pure; a missing or odd-typed key
 * is left out rather than guessed.
 */
import type { PlistDict } from '../plist/plist-codec.js'
import { marketingName } from './device-models.js'

export const BATTERY_DOMAIN = 'com.apple.mobile.battery'
export const DISK_USAGE_DOMAIN = 'com.apple.disk_usage'

export interface DeviceInfo {
  udid: string
  /** The name the user gave the phone ("Anna's iPhone"); untrusted text. */
  name: string
  productType?: string
  /** Marketing name ("iPhone 15 Pro") from ProductType. */
  model: string
  /** iOS version, e.g. "17.5.1". */
  productVersion?: string
  buildVersion?: string
  deviceClass?: string
  wifiAddress?: string
}

export interface BatteryInfo {
  /** Percent, 0–100. */
  level?: number
  charging?: boolean
  /** On a charger or a computer port (ExternalConnected). */
  externalPower?: boolean
  fullyCharged?: boolean
}

export interface DiskUsage {
  totalDiskCapacity?: number
  totalDataCapacity?: number
  totalDataAvailable?: number
  totalSystemCapacity?: number
  totalSystemAvailable?: number
  amountDataAvailable?: number
  amountDataReserved?: number
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined)

function defined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key]
  return value
}

export function parseDeviceInfo(global: PlistDict, fallbackUdid: string): DeviceInfo {
  const productType = str(global.ProductType)
  return defined({
    udid: str(global.UniqueDeviceID) ?? fallbackUdid,
    name: str(global.DeviceName) ?? marketingName(productType),
    productType,
    model: marketingName(productType),
    productVersion: str(global.ProductVersion),
    buildVersion: str(global.BuildVersion),
    deviceClass: str(global.DeviceClass),
    wifiAddress: str(global.WiFiAddress),
  })
}

export function parseBattery(domain: PlistDict): BatteryInfo {
  const level = num(domain.BatteryCurrentCapacity)
  return defined({
    level: level === undefined ? undefined : Math.max(0, Math.min(100, level)),
    charging: bool(domain.BatteryIsCharging),
    externalPower: bool(domain.ExternalConnected),
    fullyCharged: bool(domain.FullyCharged),
  })
}

export function parseDiskUsage(domain: PlistDict): DiskUsage {
  return defined({
    totalDiskCapacity: num(domain.TotalDiskCapacity),
    totalDataCapacity: num(domain.TotalDataCapacity),
    totalDataAvailable: num(domain.TotalDataAvailable),
    totalSystemCapacity: num(domain.TotalSystemCapacity),
    totalSystemAvailable: num(domain.TotalSystemAvailable),
    amountDataAvailable: num(domain.AmountDataAvailable),
    amountDataReserved: num(domain.AmountDataReserved),
  })
}
