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
  | { kind: 'device-list'; devices: MuxDeviceProperties[]; rejected: number }
  | { kind: 'buid'; buid: string }
  | { kind: 'pair-record'; data: Buffer }
  | { kind: 'listeners'; listeners: PlistDict[] }
  | { kind: 'attached'; device: MuxDeviceProperties }
  | { kind: 'detached'; deviceId: number }
  | { kind: 'paired'; deviceId: number }

function uint(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined
}

/**
 * Device properties as libusbmuxd reads them: DeviceID, SerialNumber and a known ConnectionType
 * are required; a Network device also needs NetworkAddress. Returns undefined for a device to drop.
 */
export function parseDeviceProperties(value: unknown, topLevelId?: number): MuxDeviceProperties | undefined {
  if (!isPlistDict(value)) return undefined
  const id = uint(value.DeviceID) ?? topLevelId
  const serial = value.SerialNumber
  const type = value.ConnectionType
  if (id === undefined || typeof serial !== 'string' || serial === '') return undefined
  if (type !== 'USB' && type !== 'Network') return undefined
  if (type === 'Network' && !Buffer.isBuffer(value.NetworkAddress)) return undefined
  return { ...value, DeviceID: id, SerialNumber: serial, ConnectionType: type } as MuxDeviceProperties
}

/** Classifies a reply or event plist; unknown shapes are protocol errors. */
export function parseMuxReply(dict: PlistDict): MuxReply {
  const type = dict.MessageType
  if (type === 'Result') {
    const n = uint(dict.Number)
    if (n === undefined) throw protocolError('Result without a Number')
    return { kind: 'result', number: n }
  }
  if (type === 'Attached') {
    const device = parseDeviceProperties(dict.Properties, uint(dict.DeviceID))
    if (!device) throw protocolError('Attached event with invalid Properties')
    return { kind: 'attached', device }
  }
  if (type === 'Detached' || type === 'Paired') {
    const id = uint(dict.DeviceID)
    if (id === undefined) throw protocolError(`${type} event without a DeviceID`)
    return type === 'Detached' ? { kind: 'detached', deviceId: id } : { kind: 'paired', deviceId: id }
  }
  if (Array.isArray(dict.DeviceList)) {
    const devices: MuxDeviceProperties[] = []
    let rejected = 0
    for (const entry of dict.DeviceList) {
      const d = isPlistDict(entry) ? parseDeviceProperties(entry.Properties, uint(entry.DeviceID)) : undefined
      if (d) devices.push(d)
      else rejected++
    }
    return { kind: 'device-list', devices, rejected }
  }
  if (typeof dict.BUID === 'string') return { kind: 'buid', buid: dict.BUID }
  if (Buffer.isBuffer(dict.PairRecordData)) return { kind: 'pair-record', data: dict.PairRecordData }
  if (Array.isArray(dict.ListenerList)) return { kind: 'listeners', listeners: dict.ListenerList.filter(isPlistDict) }
  throw protocolError(`unexpected usbmux reply (MessageType ${String(type)})`)
}
