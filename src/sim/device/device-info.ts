/**
 * The values a virtual iPhone reports through lockdown GetValue (protocol.md §2.3).
 * Pure: built from the device's options; battery and disk numbers are live state.
 */
import { createHash } from 'node:crypto'
import type { PlistDict } from '../../main/device/plist/plist-codec.js'

export interface DeviceIdentity {
  udid: string
  name: string
  productType: string
  productVersion: string
  buildVersion: string
  deviceClass: string
  /** The mux SerialNumber: the USB serial (24 hex digits, no dash, for modern UDIDs). */
  usbSerial: string
  wifiAddress: string
  uniqueChipId: number
  hardwareModel: string
  serialNumber: string
}

export interface BatteryState {
  /** Percent, 0–100. */
  level: number
  charging: boolean
  externalPower: boolean
}

export interface DiskState {
  totalBytes: number
  availableBytes: number
}

/** Model code names for a few product types; anything else gets a plausible default. */
const HARDWARE_MODELS: Record<string, string> = {
  'iPhone12,1': 'N104AP',
  'iPhone13,2': 'D53gAP',
  'iPhone14,5': 'D17AP',
  'iPhone14,7': 'D27AP',
  'iPhone15,2': 'D73AP',
  'iPhone16,1': 'D83AP',
}

/**
 * Modern UDIDs are "8 hex - 16 hex" (the chip id after the dash). usbmuxd reports the USB serial
 * without the dash and libusbmuxd puts it back for 24-character serials (protocol.md §1.5).
 */
export function usbSerialFor(udid: string): string {
  return /^[0-9A-F]{8}-[0-9A-F]{16}$/i.test(udid) ? udid.replace('-', '') : udid
}

/** A stable, made-up UDID for the n-th virtual device (n ≥ 0) in the modern format. */
export function defaultUdid(index: number): string {
  const hex = createHash('sha256').update(`cradle-sim-${index}`).digest('hex').toUpperCase()
  return `00008110-00${hex.slice(0, 14)}`
}

export function makeIdentity(opts: { udid: string; name?: string; productType?: string; productVersion?: string; buildVersion?: string; deviceClass?: string }): DeviceIdentity {
  const h = createHash('sha256').update(opts.udid).digest()
  const mac = [...h.subarray(0, 6)].map((b, i) => (i === 0 ? (b & 0xfc) | 0x02 : b).toString(16).padStart(2, '0')).join(':')
  const productType = opts.productType ?? 'iPhone14,5'
  const chipMatch = /^[0-9A-F]{8}-([0-9A-F]{16})$/i.exec(opts.udid)
  return {
    udid: opts.udid,
    name: opts.name ?? 'iPhone',
    productType,
    productVersion: opts.productVersion ?? '17.5.1',
    buildVersion: opts.buildVersion ?? '21F90',
    deviceClass: opts.deviceClass ?? 'iPhone',
    usbSerial: usbSerialFor(opts.udid),
    wifiAddress: mac,
    // Kept below 2^53 so it survives as a JS number in a plist <integer>.
    uniqueChipId: chipMatch ? Number(BigInt(`0x${chipMatch[1]}`) & 0x1fffffffffffffn) : h.readUIntBE(6, 6),
    hardwareModel: HARDWARE_MODELS[productType] ?? 'D17AP',
    serialNumber: `F${h.toString('hex').slice(12, 22).toUpperCase()}`,
  }
}

/** The global domain (no Domain key). */
export function globalDomain(id: DeviceIdentity, publicKeyPem: string, locked: boolean): PlistDict {
  return {
    ActivationState: 'Activated',
    BasebandVersion: '3.50.02',
    BuildVersion: id.buildVersion,
    CPUArchitecture: 'arm64e',
    DeviceClass: id.deviceClass,
    DeviceColor: '1',
    DeviceName: id.name,
    DevicePublicKey: Buffer.from(publicKeyPem, 'utf8'),
    HardwareModel: id.hardwareModel,
    HostAttached: true,
    ModelNumber: 'MLMG3',
    PasswordProtected: locked,
    ProductName: 'iPhone OS',
    ProductType: id.productType,
    ProductVersion: id.productVersion,
    RegionInfo: 'LL/A',
    SerialNumber: id.serialNumber,
    TimeZone: 'Europe/Berlin',
    UniqueChipID: id.uniqueChipId,
    UniqueDeviceID: id.udid,
    WiFiAddress: id.wifiAddress,
  }
}

/** com.apple.mobile.battery (go-ios batterydiagnostics.go keys). */
export function batteryDomain(b: BatteryState): PlistDict {
  return {
    BatteryCurrentCapacity: b.level,
    BatteryIsCharging: b.charging,
    ExternalChargeCapable: b.externalPower,
    ExternalConnected: b.externalPower,
    FullyCharged: b.level >= 100,
    GasGaugeCapability: true,
    HasBattery: true,
  }
}

/** com.apple.disk_usage, sizes in bytes. */
export function diskUsageDomain(d: DiskState): PlistDict {
  const system = 12_000_000_000
  const data = Math.max(0, d.totalBytes - system)
  return {
    TotalDiskCapacity: d.totalBytes,
    TotalSystemCapacity: system,
    TotalSystemAvailable: 1_500_000_000,
    TotalDataCapacity: data,
    TotalDataAvailable: Math.min(d.availableBytes, data),
    AmountDataAvailable: Math.min(d.availableBytes, data),
    AmountDataReserved: 200_000_000,
  }
}
