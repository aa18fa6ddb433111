/**
 * AFC request and reply payloads (protocol.md §4.4). Strings are UTF-8, NUL-terminated; numbers u64le.
 * Pure: the client encodes requests and decodes replies, the simulator does the reverse.
 */
import { protocolError } from '../protocol-error.js'

export function u64(...values: (number | bigint)[]): Buffer {
  const buf = Buffer.alloc(8 * values.length)
  values.forEach((v, i) => buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), i * 8))
  return buf
}

/** An i64 (Seek offsets may be negative with SEEK_CUR/SEEK_END). */
export function i64(value: number | bigint): Buffer {
  const buf = Buffer.alloc(8)
  buf.writeBigInt64LE(BigInt(value), 0)
  return buf
}

export function cString(text: string): Buffer {
  if (text.includes('\0')) throw new RangeError('AFC strings cannot contain NUL')
  return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])])
}

/** Reads the u64 at `offset`, as a safe JS number (throws on values past 2^53). */
export function readU64(buf: Buffer, offset = 0): number {
  if (buf.length < offset + 8) throw protocolError(`AFC payload too short for a u64 at ${offset}`)
  const v = buf.readBigUInt64LE(offset)
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw protocolError(`AFC value ${v} is too large`)
  return Number(v)
}

export function readBigU64(buf: Buffer, offset = 0): bigint {
  if (buf.length < offset + 8) throw protocolError(`AFC payload too short for a u64 at ${offset}`)
  return buf.readBigUInt64LE(offset)
}

/** Splits a NUL-separated list ("a\0b\0"); a missing final NUL is tolerated. */
export function splitCStrings(data: Buffer): string[] {
  const out: string[] = []
  let start = 0
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) {
      out.push(data.toString('utf8', start, i))
      start = i + 1
    }
  }
  if (start < data.length) out.push(data.toString('utf8', start))
  return out
}

export function joinCStrings(items: readonly string[]): Buffer {
  return Buffer.concat(items.map(cString))
}

/** key\0value\0 pairs (GetFileInfo, GetDeviceInfo). An odd count is a protocol error. */
export function decodeKeyValues(data: Buffer): Record<string, string> {
  const items = splitCStrings(data)
  if (items.length % 2 !== 0) throw protocolError('AFC key/value list has an odd number of strings')
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  for (let i = 0; i < items.length; i += 2) out[items[i]!] = items[i + 1]!
  return out
}

export function encodeKeyValues(pairs: Record<string, string | number | bigint>): Buffer {
  return joinCStrings(Object.entries(pairs).flatMap(([k, v]) => [k, String(v)]))
}

/** A path\0 request payload; throws device-protocol on a payload without a terminated string. */
export function readPath(payload: Buffer, offset = 0): string {
  const end = payload.indexOf(0, offset)
  if (end < 0) throw protocolError('AFC path is not NUL-terminated')
  return payload.toString('utf8', offset, end)
}
