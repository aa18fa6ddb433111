/**
 * Binary property lists (bplist00) ⇄ JS values. Layout: Apple's CFBinaryPList.c — header, objects,
 * offset table, 32-byte trailer (offset size, ref size, object count, top object, table offset).
 * The reader runs only after checkBinaryPlist has proved every reference in bounds, the graph
 * acyclic, the nesting bounded and the expansion small; it still checks every read it makes.
 */
import { protocolError } from '../protocol-error.js'
import { checkBinaryPlist } from './bplist-guard.js'
import type { PlistDict, PlistValue } from './plist-value.js'
import { isPlistInteger, setKey } from './xml-plist.js'

const TRAILER = 32
/** 2001-01-01T00:00:00Z, the epoch of bplist dates, in Unix milliseconds. */
const APPLE_EPOCH_MS = 978_307_200_000
const MAX_DATE_MS = 8.64e15

function fail(detail: string): never {
  throw protocolError(`binary plist: ${detail}`)
}

function readUint(bytes: Buffer, off: number, size: number): number {
  if (off + size > bytes.length) fail('read past the end')
  let n = 0
  for (let i = 0; i < size; i++) n = n * 256 + bytes[off + i]!
  if (n > Number.MAX_SAFE_INTEGER) fail('size or offset too large')
  return n
}

export function parseBinaryPlist(bytes: Buffer): PlistValue {
  checkBinaryPlist(bytes)
  const t = bytes.length - TRAILER
  const offsetSize = bytes[t + 6]!
  const refSize = bytes[t + 7]!
  const top = readUint(bytes, t + 16, 8)
  const table = readUint(bytes, t + 24, 8)

  const need = (off: number, len: number): void => {
    if (off + len > table) fail('object runs into the offset table')
  }
  const object = (index: number): PlistValue => {
    let off = readUint(bytes, table + index * offsetSize, offsetSize)
    const marker = bytes[off]!
    const type = marker >> 4
    const low = marker & 0x0f
    off++
    switch (type) {
      case 0x0:
        if (marker === 0x08) return false
        if (marker === 0x09) return true
        if (marker === 0x00) fail('contains a null value')
        return fail(`unknown marker 0x${marker.toString(16)}`)
      case 0x1: {
        const size = 1 << low
        need(off, size)
        if (size <= 4) return readUint(bytes, off, size)
        if (size === 8) return Number(bytes.readBigInt64BE(off))
        if (size === 16) return Number((bytes.readBigInt64BE(off) << 64n) | bytes.readBigUInt64BE(off + 8))
        return fail(`integer of ${size} bytes`)
      }
      case 0x2: {
        const size = 1 << low
        need(off, size)
        if (size === 4) return bytes.readFloatBE(off)
        if (size === 8) return bytes.readDoubleBE(off)
        return fail(`real of ${size} bytes`)
      }
      case 0x3: {
        if (marker !== 0x33) fail(`unknown marker 0x${marker.toString(16)}`)
        need(off, 8)
        const ms = APPLE_EPOCH_MS + Math.round(bytes.readDoubleBE(off) * 1000)
        if (!(Math.abs(ms) <= MAX_DATE_MS)) fail('date out of range')
        return new Date(ms)
      }
    }
    // Sized objects: the low nibble is the count, or 0xF and an integer object follows.
    let count = low
    if (low === 0x0f) {
      const ext = bytes[off]!
      if (ext >> 4 !== 1) fail('bad extended size')
      const size = 1 << (ext & 0x0f)
      count = readUint(bytes, off + 1, size)
      off += 1 + size
    }
    switch (type) {
      case 0x4:
        need(off, count)
        return Buffer.from(bytes.subarray(off, off + count))
      case 0x5:
        need(off, count)
        return bytes.toString('latin1', off, off + count)
      case 0x6: {
        need(off, count * 2)
        return Buffer.from(bytes.subarray(off, off + count * 2)).swap16().toString('utf16le')
      }
      case 0x7:
        need(off, count)
        return bytes.toString('utf8', off, off + count)
      case 0xa:
      case 0xc: {
        need(off, count * refSize)
        const out: PlistValue[] = []
        for (let i = 0; i < count; i++) out.push(object(readUint(bytes, off + i * refSize, refSize)))
        return out
      }
      case 0xd: {
        need(off, count * 2 * refSize)
        const out: PlistDict = {}
        for (let i = 0; i < count; i++) {
          const key = object(readUint(bytes, off + i * refSize, refSize))
          if (typeof key !== 'string') fail('a dictionary key that is not a string')
          setKey(out, key, object(readUint(bytes, off + (count + i) * refSize, refSize)))
        }
        return out
      }
      case 0x8:
        return fail('UID values (keyed archives) are not supported')
      default:
        return fail(`unknown marker 0x${marker.toString(16)}`)
    }
  }
  return object(top)
}

function sized(type: number, count: number): Buffer {
  if (count < 15) return Buffer.from([(type << 4) | count])
  return Buffer.concat([Buffer.from([(type << 4) | 0x0f]), integer(count)])
}

function integer(n: number): Buffer {
  if (n >= 0 && n <= 0xff) return Buffer.from([0x10, n])
  if (n >= 0 && n <= 0xffff) {
    const b = Buffer.alloc(3)
    b[0] = 0x11
    b.writeUInt16BE(n, 1)
    return b
  }
  if (n >= 0 && n <= 0xffffffff) {
    const b = Buffer.alloc(5)
    b[0] = 0x12
    b.writeUInt32BE(n, 1)
    return b
  }
  if (n < 2 ** 63) {
    const b = Buffer.alloc(9)
    b[0] = 0x13
    b.writeBigInt64BE(BigInt(n), 1)
    return b
  }
  // 2^63 ≤ n < 2^64: 16 bytes, as CoreFoundation and libplist write an unsigned 64-bit value.
  const b = Buffer.alloc(17)
  b[0] = 0x14
  b.writeBigUInt64BE(BigInt(n), 9)
  return b
}

function double(marker: number, n: number): Buffer {
  const b = Buffer.alloc(9)
  b[0] = marker
  b.writeDoubleBE(n, 1)
  return b
}

function refWidth(n: number): number {
  return n <= 0xff ? 1 : n <= 0xffff ? 2 : n <= 0xffffffff ? 4 : 8
}

function writeUint(b: Buffer, off: number, size: number, n: number): void {
  for (let i = size - 1; i >= 0; i--, n = Math.floor(n / 256)) b[off + i] = n % 256
}

/** A bplist00 with equal strings stored once; dict entries that are undefined or null are left out. */
export function buildBinaryPlist(value: PlistValue): Buffer {
  const heads: Buffer[] = []
  const refs: (number[] | undefined)[] = []
  const strings = new Map<string, number>()
  const add = (v: PlistValue): number => {
    if (typeof v === 'string') {
      const known = strings.get(v)
      if (known !== undefined) return known
      const ascii = /^[\x00-\x7f]*$/.test(v)
      const body = ascii ? Buffer.from(v, 'latin1') : Buffer.from(v, 'utf16le').swap16()
      strings.set(v, heads.length)
      heads.push(Buffer.concat([sized(ascii ? 0x5 : 0x6, ascii ? body.length : body.length / 2), body]))
      refs.push(undefined)
      return heads.length - 1
    }
    const index = heads.length
    heads.push(Buffer.alloc(0))
    refs.push(undefined)
    if (typeof v === 'number') heads[index] = isPlistInteger(v) ? integer(v) : double(0x23, v)
    else if (typeof v === 'boolean') heads[index] = Buffer.from([v ? 0x09 : 0x08])
    else if (v instanceof Date) {
      if (Number.isNaN(v.getTime())) throw new TypeError('plist: an invalid Date')
      heads[index] = double(0x33, (v.getTime() - APPLE_EPOCH_MS) / 1000)
    } else if (v instanceof Uint8Array) heads[index] = Buffer.concat([sized(0x4, v.byteLength), v])
    else if (Array.isArray(v)) {
      heads[index] = sized(0xa, v.length)
      refs[index] = v.map(add)
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined && x !== null)
      heads[index] = sized(0xd, entries.length)
      const keys = entries.map(([k]) => add(k))
      refs[index] = keys.concat(entries.map(([, x]) => add(x)))
    } else throw new TypeError(`plist: cannot write a ${v === null ? 'null' : typeof v}`)
    return index
  }
  add(value)

  const count = heads.length
  const refSize = refWidth(count - 1)
  const parts: Buffer[] = [Buffer.from('bplist00', 'latin1')]
  const offsets: number[] = []
  let off = 8
  for (let i = 0; i < count; i++) {
    offsets.push(off)
    parts.push(heads[i]!)
    off += heads[i]!.length
    const r = refs[i]
    if (r !== undefined && r.length > 0) {
      const b = Buffer.alloc(r.length * refSize)
      r.forEach((ref, j) => writeUint(b, j * refSize, refSize, ref))
      parts.push(b)
      off += b.length
    }
  }
  const offsetSize = refWidth(off)
  const table = Buffer.alloc(count * offsetSize)
  offsets.forEach((o, i) => writeUint(table, i * offsetSize, offsetSize, o))
  const trailer = Buffer.alloc(TRAILER)
  trailer[6] = offsetSize
  trailer[7] = refSize
  trailer.writeBigUInt64BE(BigInt(count), 8)
  trailer.writeBigUInt64BE(0n, 16)
  trailer.writeBigUInt64BE(BigInt(off), 24)
  parts.push(table, trailer)
  return Buffer.concat(parts)
}
