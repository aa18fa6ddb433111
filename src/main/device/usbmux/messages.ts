/**
 * usbmux plist messages ⇄ typed values (protocol.md §1.3–1.5). Pure.
 * Requests are what a client sends; replies/events what usbmuxd sends. The simulator uses the
 * same functions in the other direction.
 */
import { decodePlistDict, encodeXmlPlist, isPlistDict, type PlistDict } from '../plist/plist-codec.js'
import { protocolError } from '../protocol-error.js'
import { MUX_VERSION_PLIST, MuxMessage, type MuxFrame } from './frame-codec.js'

/** usbmuxd-proto.h `enum usbmuxd_result`; pair-record commands put a plain errno in Number instead. */
export const MuxResult = {
  OK: 0,
  BADCOMMAND: 1,
  BADDEV: 2,
  CONNREFUSED: 3,
  BADVERSION: 6,
} as const

export const ERRNO_ENOENT = 2
export const ERRNO_EINVAL = 22

export interface MuxDeviceProperties {
  DeviceID: number
  SerialNumber: string
  ConnectionType: 'USB' | 'Network'
  ProductID?: number
  LocationID?: number
  ConnectionSpeed?: number
  [key: string]: unknown
}

/** The fields libusbmuxd adds to every request (create_plist_message). */
export interface ClientIdentity {
  ClientVersionString: string
  ProgName: string
  kLibUSBMuxVersion: number
  BundleID?: string
}

export const DEFAULT_IDENTITY: ClientIdentity = {
  ClientVersionString: 'cradle-usbmux 1',
  ProgName: 'cradle',
  kLibUSBMuxVersion: 3,
}

/** `PortNumber` travels with its two bytes swapped (htons on a little-endian host): 62078 → 32498. */
export function swapPort(port: number): number {
  return ((port & 0xff) << 8) | ((port >> 8) & 0xff)
}

export function encodeMuxRequest(messageType: string, fields: PlistDict, tag: number, identity: ClientIdentity = DEFAULT_IDENTITY): Buffer {
  const dict: PlistDict = { MessageType: messageType, ...identityFields(identity), ...fields }
  return encodePlistFrame(dict, tag)
}

function identityFields(identity: ClientIdentity): PlistDict {
  const out: PlistDict = {
    ClientVersionString: identity.ClientVersionString,
    ProgName: identity.ProgName,
    kLibUSBMuxVersion: identity.kLibUSBMuxVersion,
  }
  if (identity.BundleID) out.BundleID = identity.BundleID
  return out
}

/** A plist frame (version 1, message 8) around an XML plist: usbmuxd always answers in XML. */
export function encodePlistFrame(dict: PlistDict, tag: number): Buffer {
  const payload = encodeXmlPlist(dict)
  const header = Buffer.alloc(16)
  header.writeUInt32LE(16 + payload.length, 0)
  header.writeUInt32LE(MUX_VERSION_PLIST, 4)
  header.writeUInt32LE(MuxMessage.Plist, 8)
  header.writeUInt32LE(tag, 12)
  return Buffer.concat([header, payload])
}

/** The plist inside a frame; only plist frames (message 8) are accepted. */
export function framePlist(frame: MuxFrame): PlistDict {
  if (frame.message !== MuxMessage.Plist) throw protocolError(`usbmux message type ${frame.message} is not a plist`)
  return decodePlistDict(frame.payload)
}

export type MuxReply =
  | { kind: 'result'; number: number }
  | { kind: 'device-list'; devices: MuxDeviceProperties[]; skipped: SkippedDevice[] }
  | { kind: 'buid'; buid: string }
  | { kind: 'pair-record'; data: Buffer }
  | { kind: 'listeners'; listeners: PlistDict[] }
  | { kind: 'attached'; device: MuxDeviceProperties }
  | { kind: 'detached'; deviceId: number }
  | { kind: 'paired'; deviceId: number }
  /** Only from a lenient parse: a plist reply of no known shape. */
  | { kind: 'other'; messageType?: string }

function uint(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined
}

/** A device entry usbmuxd sent that cannot be used, and why (for the log). */
export interface SkippedDevice {
  deviceId?: number
  serialNumber?: string
  reason: string
}

/**
 * Device properties as libusbmuxd reads them: DeviceID, SerialNumber and a known ConnectionType
 * are required; a Network device also needs NetworkAddress. Otherwise says why it is dropped.
 */
export function readDeviceProperties(value: unknown, topLevelId?: number): MuxDeviceProperties | SkippedDevice {
  if (!isPlistDict(value)) return { ...(topLevelId === undefined ? {} : { deviceId: topLevelId }), reason: 'no Properties dictionary' }
  const id = uint(value.DeviceID) ?? topLevelId
  const serial = value.SerialNumber
  const type = value.ConnectionType
  const known = { ...(id === undefined ? {} : { deviceId: id }), ...(typeof serial === 'string' && serial !== '' ? { serialNumber: serial } : {}) }
  if (id === undefined) return { ...known, reason: 'no DeviceID' }
  if (typeof serial !== 'string' || serial === '') return { ...known, reason: 'no SerialNumber' }
  if (type !== 'USB' && type !== 'Network') return { ...known, reason: `ConnectionType ${JSON.stringify(type ?? null)}` }
  if (type === 'Network' && !Buffer.isBuffer(value.NetworkAddress)) return { ...known, reason: 'a Network entry without NetworkAddress' }
  return { ...value, DeviceID: id, SerialNumber: serial, ConnectionType: type } as MuxDeviceProperties
}

function isSkipped(value: MuxDeviceProperties | SkippedDevice): value is SkippedDevice {
  return 'reason' in value && typeof value.reason === 'string' && !('ConnectionType' in value)
}

/** "DeviceID 9 (SerialNumber X): no ConnectionType" for the log. */
export function describeSkipped(d: SkippedDevice): string {
  const who = [d.deviceId === undefined ? undefined : `DeviceID ${d.deviceId}`, d.serialNumber === undefined ? undefined : `SerialNumber ${d.serialNumber}`].filter(Boolean).join(', ')
  return who ? `${who}: ${d.reason}` : d.reason
}

/**
 * Classifies a reply or event plist; unknown shapes are protocol errors, or with `lenient`
 * (a request whose failure answers vary between daemons) the kind 'other'.
 */
export function parseMuxReply(dict: PlistDict, opts: { lenient?: boolean } = {}): MuxReply {
  const type = dict.MessageType
  const other = (detail: string): MuxReply => {
    if (opts.lenient) return { kind: 'other', ...(typeof type === 'string' ? { messageType: type } : {}) }
    throw protocolError(detail)
  }
  if (type === 'Result') {
    const n = uint(dict.Number)
    if (n === undefined) return other('Result without a Number')
    return { kind: 'result', number: n }
  }
  if (type === 'Attached') {
    const device = readDeviceProperties(dict.Properties, uint(dict.DeviceID))
    if (isSkipped(device)) throw protocolError(`Attached event for a device that cannot be read (${describeSkipped(device)})`)
    return { kind: 'attached', device }
  }
  if (type === 'Detached' || type === 'Paired') {
    const id = uint(dict.DeviceID)
    if (id === undefined) throw protocolError(`${type} event without a DeviceID`)
    return type === 'Detached' ? { kind: 'detached', deviceId: id } : { kind: 'paired', deviceId: id }
  }
  if (Array.isArray(dict.DeviceList)) {
    // One unreadable entry makes libusbmuxd fail the whole list; we keep the good ones.
    const devices: MuxDeviceProperties[] = []
    const skipped: SkippedDevice[] = []
    for (const entry of dict.DeviceList) {
      const d = isPlistDict(entry) ? readDeviceProperties(entry.Properties, uint(entry.DeviceID)) : { reason: 'an entry that is not a dictionary' }
      if (isSkipped(d)) skipped.push(d)
      else devices.push(d)
    }
    return { kind: 'device-list', devices, skipped }
  }
  if (typeof dict.BUID === 'string') return { kind: 'buid', buid: dict.BUID }
  if (Buffer.isBuffer(dict.PairRecordData)) return { kind: 'pair-record', data: dict.PairRecordData }
  if (Array.isArray(dict.ListenerList)) return { kind: 'listeners', listeners: dict.ListenerList.filter(isPlistDict) }
  return other(`unexpected usbmux reply (MessageType ${String(type)})`)
}
