/**
 * Apple property lists ⇄ JS values, XML and binary (bplist00), with our own small readers and
 * writers (xml-plist.ts, binary-plist.ts): a plist is a tiny format, and a general XML parser
 * cost more to load than every usbmux and lockdown message it read.
 * Pure; every failure becomes a device-protocol CradleError.
 */
import { protocolError } from '../protocol-error.js'
import { buildBinaryPlist, parseBinaryPlist } from './binary-plist.js'
import type { PlistDict, PlistValue } from './plist-value.js'
import { buildXmlPlist, parseXmlPlist } from './xml-plist.js'

export type { PlistDict, PlistValue } from './plist-value.js'

const BPLIST_MAGIC = Buffer.from('bplist00', 'latin1')
const XML_MAGIC = Buffer.from('<?xml', 'latin1')

export function isBinaryPlist(bytes: Buffer): boolean {
  return bytes.length >= 8 && bytes.subarray(0, 8).equals(BPLIST_MAGIC)
}

export function isXmlPlist(bytes: Buffer): boolean {
  return bytes.length >= 5 && bytes.subarray(0, 5).equals(XML_MAGIC)
}

/** XML with the `<?xml` prolog: libimobiledevice rejects a plist that starts any other way. */
export function encodeXmlPlist(value: PlistValue): Buffer {
  return Buffer.from(buildXmlPlist(value), 'utf8')
}

export function encodeBinaryPlist(value: PlistValue): Buffer {
  return buildBinaryPlist(value)
}

/** Decodes XML or binary by magic, as libimobiledevice does; anything else is a protocol error. */
export function decodePlist(bytes: Buffer): PlistValue {
  try {
    if (isBinaryPlist(bytes)) return parseBinaryPlist(bytes)
    // Tolerate a UTF-8 BOM and leading whitespace before the prolog (seen from some tools).
    let text = bytes.toString('utf8')
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    if (!text.trimStart().startsWith('<')) throw new Error('neither a binary nor an XML plist')
    return parseXmlPlist(text)
  } catch (error) {
    throw protocolError(`invalid plist: ${(error as Error).message}`, error)
  }
}

/** Decodes and requires a dictionary at the top level, as every message of ours has. */
export function decodePlistDict(bytes: Buffer): PlistDict {
  const value = decodePlist(bytes)
  if (!isPlistDict(value)) throw protocolError('plist is not a dictionary')
  return value
}

export function isPlistDict(value: unknown): value is PlistDict {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value)
}
