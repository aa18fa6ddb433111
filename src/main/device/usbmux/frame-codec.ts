/**
 * usbmux frames: a 16-byte header of four u32 little-endian fields (length including the header,
 * version, message type, tag), then the payload (protocol.md §1.2; libusbmuxd usbmuxd-proto.h).
 * Pure and incremental: short input returns `need`, bad input throws a device-protocol error.
 */
import { protocolError } from '../protocol-error.js'

export const MUX_HEADER_SIZE = 16
/** Plist replies are small; a ListDevices with many devices is a few KiB. 4 MiB is generous and bounded. */
export const MUX_MAX_FRAME = 4 * 1024 * 1024

/** usbmuxd-proto.h `enum usbmuxd_msgtype` (there is no 7). */
export const MuxMessage = {
  Result: 1,
  Connect: 2,
  Listen: 3,
  DeviceAdd: 4,
  DeviceRemove: 5,
  DevicePaired: 6,
  Plist: 8,
} as const

/** 0 = the old binary protocol, 1 = plist protocol (the only one we speak). */
export const MUX_VERSION_PLIST = 1

export interface MuxFrame {
  version: number
  message: number
  tag: number
  payload: Buffer
}

export type MuxDecoded = { frame: MuxFrame; rest: Buffer } | { need: number }

export function encodeMuxFrame(frame: MuxFrame): Buffer {
  const header = Buffer.alloc(MUX_HEADER_SIZE)
  header.writeUInt32LE(MUX_HEADER_SIZE + frame.payload.length, 0)
  header.writeUInt32LE(frame.version, 4)
  header.writeUInt32LE(frame.message, 8)
  header.writeUInt32LE(frame.tag, 12)
  return Buffer.concat([header, frame.payload])
}

/** Decodes one frame from the front of `buf`; `maxFrame` bounds what a peer can make us buffer. */
export function decodeMuxFrame(buf: Buffer, maxFrame: number = MUX_MAX_FRAME): MuxDecoded {
  if (buf.length < MUX_HEADER_SIZE) return { need: MUX_HEADER_SIZE }
  const length = buf.readUInt32LE(0)
  if (length < MUX_HEADER_SIZE) throw protocolError(`usbmux frame length ${length} is shorter than its header`)
  if (length > maxFrame) throw protocolError(`usbmux frame length ${length} exceeds ${maxFrame}`)
  if (buf.length < length) return { need: length }
  return {
    frame: {
      version: buf.readUInt32LE(4),
      message: buf.readUInt32LE(8),
      tag: buf.readUInt32LE(12),
      payload: buf.subarray(MUX_HEADER_SIZE, length),
    },
    rest: buf.subarray(length),
  }
}
