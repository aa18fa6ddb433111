/**
 * "Property list service" framing used by lockdownd and most plist services: a u32 big-endian
 * length, then that many bytes of plist (protocol.md §2.1; libimobiledevice property_list_service.c).
 * Pure and incremental.
 */
import { decodePlistDict, encodeBinaryPlist, encodeXmlPlist, type PlistDict } from '../plist/plist-codec.js'
import { protocolError } from '../protocol-error.js'

/** libimobiledevice refuses frames of 16 MiB or more ("prevent huge buffers"); so do we. */
export const PLIST_SERVICE_MAX_FRAME = 16 * 1024 * 1024 - 1

export type PlistServiceDecoded = { value: PlistDict; rest: Buffer } | { need: number }

export function encodePlistServiceFrame(value: PlistDict, format: 'xml' | 'binary' = 'xml'): Buffer {
  const body = format === 'xml' ? encodeXmlPlist(value) : encodeBinaryPlist(value)
  const header = Buffer.alloc(4)
  header.writeUInt32BE(body.length, 0)
  return Buffer.concat([header, body])
}

export function decodePlistServiceFrame(buf: Buffer, maxFrame: number = PLIST_SERVICE_MAX_FRAME): PlistServiceDecoded {
  if (buf.length < 4) return { need: 4 }
  const length = buf.readUInt32BE(0)
  if (length === 0) throw protocolError('empty plist frame')
  if (length > maxFrame) throw protocolError(`plist frame length ${length} exceeds ${maxFrame}`)
  if (buf.length < 4 + length) return { need: 4 + length }
  return { value: decodePlistDict(buf.subarray(4, 4 + length)), rest: buf.subarray(4 + length) }
}
