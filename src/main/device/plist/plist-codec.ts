/**
 * Apple property lists ⇄ JS values, XML and binary (bplist00), via the maintained `plist`
 * package (TooTallNate/plist.js 5.x, which reads and writes both formats).
 * Pure; every failure becomes a device-protocol CradleError.
 */
import { build, buildBinary, parse, parseBinary } from 'plist'
import { protocolError } from '../protocol-error.js'
import { checkBinaryPlist } from './bplist-guard.js'

/** Data comes back as Buffer (the library returns Uint8Array); integers and reals are both `number`. */
export type PlistValue = string | number | boolean | Date | Buffer | PlistValue[] | PlistDict
export interface PlistDict {
  [key: string]: PlistValue
}

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
  return Buffer.from(build(value as never), 'utf8')
}

export function encodeBinaryPlist(value: PlistValue): Buffer {
  const bytes = buildBinary(value as never)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function normalise(value: unknown): PlistValue {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (Array.isArray(value)) return value.map(normalise)
  if (value instanceof Date || typeof value !== 'object' || value === null) {
    if (value === null) throw protocolError('plist contains a null value')
    return value as PlistValue
  }
  const out: PlistDict = {}
  for (const [k, v] of Object.entries(value)) out[k] = normalise(v)
  return out
}

/**
 * xmldom reports every recoverable XML error on console.error and plist.js gives it no handler.
 * A hostile phone must not be able to flood our log, so the console is quiet while parsing
 * (parsing is synchronous: nothing else runs meanwhile).
 */
function quietly<T>(fn: () => T): T {
  const original = console.error
  console.error = () => undefined
  try {
    return fn()
  } finally {
    console.error = original
  }
}

/** Decodes XML or binary by magic, as libimobiledevice does; anything else is a protocol error. */
export function decodePlist(bytes: Buffer): PlistValue {
  let raw: unknown
  try {
    if (isBinaryPlist(bytes)) {
      checkBinaryPlist(bytes) // refuses the expansions and cycles the parser would follow blindly
      raw = parseBinary(bytes)
    }
    else {
      // Tolerate a UTF-8 BOM and leading whitespace before the prolog (seen from some tools).
      let text = bytes.toString('utf8')
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
      if (!text.trimStart().startsWith('<')) throw new Error('neither a binary nor an XML plist')
      raw = quietly(() => parse(text))
    }
  } catch (error) {
    throw protocolError(`invalid plist: ${(error as Error).message}`, error)
  }
  if (raw === null || raw === undefined) throw protocolError('empty plist')
  return normalise(raw)
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
