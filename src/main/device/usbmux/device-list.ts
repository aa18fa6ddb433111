/**
 * Devices as the mux reports them, keyed by UDID above this layer (the DeviceID changes on every
 * replug, protocol.md §6). A phone on the cable and on Wi-Fi shows up twice; the USB entry wins.
 */
import type { MuxDeviceProperties } from './messages.js'

export interface MuxDevice {
  /** usbmuxd's handle for this attachment; new on every replug. */
  deviceId: number
  /** SerialNumber, normalised like libusbmuxd (a dash after 8 characters for 24-character UDIDs). */
  udid: string
  connectionType: 'USB' | 'Network'
  productId?: number
  locationId?: number
  /** bits per second (480000000 for USB 2 high speed). */
  connectionSpeed?: number
  /** Everything usbmuxd sent, for debugging. */
  properties: MuxDeviceProperties
}

/** libusbmuxd device_info_from_plist: 24-character UDIDs (newer iPhones) get a dash after 8. */
export function normaliseUdid(serial: string): string {
  return serial.length === 24 && !serial.includes('-') ? `${serial.slice(0, 8)}-${serial.slice(8)}` : serial
}

/**
 * Where this device's pair record lives in usbmuxd: under the daemon's own SerialNumber (Apple's
 * daemons key records by the undashed serial, pymobiledevice3 notes; newer Linux usbmuxd dashes
 * it), then under the other spelling (a record saved by a client that normalised the UDID).
 */
export function pairRecordIds(device: Pick<MuxDevice, 'udid' | 'properties'>): string[] {
  const own = device.properties.SerialNumber
  return [...new Set([own, device.udid, device.udid.replace(/-/g, '')])]
}

/** The ID to save a new pair record under: the daemon's own SerialNumber. */
export function pairRecordId(device: Pick<MuxDevice, 'udid' | 'properties'>): string {
  return device.properties.SerialNumber
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

export function toMuxDevice(props: MuxDeviceProperties): MuxDevice {
  const device: MuxDevice = { deviceId: props.DeviceID, udid: normaliseUdid(props.SerialNumber), connectionType: props.ConnectionType, properties: props }
  const productId = num(props.ProductID)
  const locationId = num(props.LocationID)
  const speed = num(props.ConnectionSpeed)
  if (productId !== undefined) device.productId = productId
  if (locationId !== undefined) device.locationId = locationId
  if (speed !== undefined) device.connectionSpeed = speed
  return device
}

/** One entry per UDID, the USB one when a phone is attached both ways; order is kept. */
export function preferUsb(devices: readonly MuxDevice[]): MuxDevice[] {
  const byUdid = new Map<string, MuxDevice>()
  for (const d of devices) {
    const seen = byUdid.get(d.udid)
    if (!seen || (seen.connectionType !== 'USB' && d.connectionType === 'USB')) byUdid.set(d.udid, d)
  }
  return devices.filter((d) => byUdid.get(d.udid) === d)
}
