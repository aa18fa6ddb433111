/**
 * A structural check of a binary plist before the `plist` package parses it. That parser
 * follows object references blindly: a 150-byte plist whose arrays point twice at the next array
 * expands to 2^N values (the binary "billion laughs") and hangs the process, and a cycle recurses
 * until the stack overflows. Here every reference is bounds-checked, cycles are refused and the
 * expanded size is counted once per object (memoised), so the check is linear in the input.
 * Layout: Apple's CFBinaryPList.c (trailer: offset size, ref size, object count, top, table offset).
 */
import { protocolError } from '../protocol-error.js'

/** More values than any lockdown or usbmux message carries; bounds the parser's output. */
export const BPLIST_MAX_VALUES = 1_000_000
export const BPLIST_MAX_DEPTH = 128
const TRAILER = 32
const HEADER = 8

function uint(buf: Buffer, offset: number, size: number): number {
  if (offset < 0 || offset + size > buf.length) throw protocolError('binary plist: reference outside the data')
  switch (size) {
    case 1: return buf.readUInt8(offset)
    case 2: return buf.readUInt16BE(offset)
    case 4: return buf.readUInt32BE(offset)
    case 8: {
      const v = buf.readBigUInt64BE(offset)
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw protocolError('binary plist: integer field too large')
      return Number(v)
    }
    default: throw protocolError(`binary plist: bad integer size ${size}`)
  }
}

/** Throws device-protocol unless `bytes` is a binary plist that is safe to hand to the parser. */
export function checkBinaryPlist(bytes: Buffer): void {
  if (bytes.length < HEADER + TRAILER + 1) throw protocolError('binary plist: too short')
  const t = bytes.length - TRAILER
  const offsetSize = bytes[t + 6]!
  const refSize = bytes[t + 7]!
  const count = uint(bytes, t + 8, 8)
  const top = uint(bytes, t + 16, 8)
  const table = uint(bytes, t + 24, 8)
  if (![1, 2, 4, 8].includes(offsetSize) || ![1, 2, 4, 8].includes(refSize)) throw protocolError('binary plist: bad trailer sizes')
  if (count === 0 || count > t || top >= count) throw protocolError('binary plist: bad object count')
  if (table < HEADER || table + count * offsetSize > t) throw protocolError('binary plist: offset table outside the data')

  const expanded = new Map<number, number>() // object index → values it expands to
  const active = new Set<number>()
  const objectAt = (index: number): number => {
    const off = uint(bytes, table + index * offsetSize, offsetSize)
    if (off < HEADER || off >= table) throw protocolError('binary plist: object outside the data')
    return off
  }
  const visit = (index: number, depth: number): number => {
    const known = expanded.get(index)
    if (known !== undefined) return known
    if (active.has(index)) throw protocolError('binary plist: reference cycle')
    if (depth > BPLIST_MAX_DEPTH) throw protocolError('binary plist: nested too deeply')
    let off = objectAt(index)
    const marker = bytes[off]!
    const type = marker >> 4
    let size = marker & 0x0f
    off++
    if (type !== 0 && type !== 1 && type !== 2 && type !== 3 && type !== 8 && size === 0x0f) {
      const ext = bytes[off]
      if (ext === undefined || ext >> 4 !== 1) throw protocolError('binary plist: bad extended size')
      const extSize = 1 << (ext & 0x0f)
      size = uint(bytes, off + 1, extSize)
      off += 1 + extSize
    }
    let total = 1
    if (type === 0x4 || type === 0x5 || type === 0x6 || type === 0x7) {
      const unit = type === 0x6 ? 2 : 1
      if (off + size * unit > table) throw protocolError('binary plist: string or data outside the data')
    } else if (type === 0xa || type === 0xc || type === 0xd) {
      const refs = type === 0xd ? size * 2 : size
      if (off + refs * refSize > table) throw protocolError('binary plist: container outside the data')
      active.add(index)
      for (let i = 0; i < refs; i++) {
        const ref = uint(bytes, off + i * refSize, refSize)
        if (ref >= count) throw protocolError('binary plist: reference to a missing object')
        total += visit(ref, depth + 1)
        if (total > BPLIST_MAX_VALUES) throw protocolError(`binary plist expands to more than ${BPLIST_MAX_VALUES} values`)
      }
      active.delete(index)
    }
    expanded.set(index, total)
    return total
  }
  visit(top, 0)
}
