/**
 * AFC packets: a 40-byte header of u64 little-endian fields (magic "CFA6LPAA", entire_length,
 * this_length, packet_num, operation), then the header payload, then data (protocol.md §4.1).
 * Pure and incremental: short input returns `need`; bad input throws a device-protocol error
 * before anything is allocated.
 */
import { protocolError } from '../protocol-error.js'

export const AFC_MAGIC = Buffer.from('CFA6LPAA', 'ascii')
export const AFC_HEADER_SIZE = 40
/** Reads are requested in ≤ 4 MiB pieces; 64 MiB bounds what a hostile peer can make us buffer. */
export const AFC_MAX_PACKET = 64 * 1024 * 1024

export interface AfcPacket {
  packetNum: bigint
  operation: number
  /** Header payload (this_length − 40 bytes): paths, handles, numbers. */
  headerPayload: Buffer
  /** Data after the header payload (entire_length − this_length bytes): file bytes, listings. */
  data: Buffer
}

export type AfcDecoded = { packet: AfcPacket; rest: Buffer } | { need: number }

/** Writes a u64le without BigInt for the common (safe integer) case: a walk encodes 50,000 headers. */
function writeU64(buf: Buffer, value: bigint | number, offset: number): void {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    buf.writeUInt32LE(value % 0x1_0000_0000, offset)
    buf.writeUInt32LE(Math.floor(value / 0x1_0000_0000), offset + 4)
  } else {
    buf.writeBigUInt64LE(BigInt(value), offset)
  }
}

function writeHeader(buf: Buffer, packetNum: bigint | number, operation: number, headerPayloadLength: number, dataLength: number): void {
  AFC_MAGIC.copy(buf, 0)
  const thisLength = AFC_HEADER_SIZE + headerPayloadLength
  writeU64(buf, thisLength + dataLength, 8)
  writeU64(buf, thisLength, 16)
  writeU64(buf, packetNum, 24)
  writeU64(buf, operation, 32)
}

/** Builds a packet; for most requests everything is header payload (this_length = entire_length). */
export function encodeAfcPacket(p: { packetNum: bigint | number; operation: number; headerPayload?: Buffer; data?: Buffer }): Buffer {
  const headerPayload = p.headerPayload ?? Buffer.alloc(0)
  const data = p.data ?? Buffer.alloc(0)
  // One allocation for header + payload + data (requests and small replies).
  const out = Buffer.allocUnsafe(AFC_HEADER_SIZE + headerPayload.length + data.length)
  writeHeader(out, p.packetNum, p.operation, headerPayload.length, data.length)
  headerPayload.copy(out, AFC_HEADER_SIZE)
  data.copy(out, AFC_HEADER_SIZE + headerPayload.length)
  return out
}

/** Just the 40-byte header, for senders that write a large data buffer separately (no copy). */
export function encodeAfcHeader(packetNum: bigint | number, operation: number, headerPayloadLength: number, dataLength: number): Buffer {
  const header = Buffer.allocUnsafe(AFC_HEADER_SIZE)
  writeHeader(header, packetNum, operation, headerPayloadLength, dataLength)
  return header
}

export interface AfcHeader {
  entireLength: number
  thisLength: number
  packetNum: bigint
  operation: number
}

/** Validates and reads a header (needs ≥ 40 bytes). */
export function decodeAfcHeader(buf: Buffer, maxPacket: number = AFC_MAX_PACKET): AfcHeader {
  if (!buf.subarray(0, 8).equals(AFC_MAGIC)) throw protocolError('AFC packet has a bad magic')
  const entire = buf.readBigUInt64LE(8)
  const thisLen = buf.readBigUInt64LE(16)
  if (entire < BigInt(AFC_HEADER_SIZE)) throw protocolError(`AFC entire_length ${entire} is shorter than the header`)
  if (entire > BigInt(maxPacket)) throw protocolError(`AFC entire_length ${entire} exceeds ${maxPacket}`)
  // this_length is only a hint for replies (libimobiledevice trusts entire_length); clamp rather than trust.
  if (thisLen < BigInt(AFC_HEADER_SIZE) || thisLen > entire) throw protocolError(`AFC this_length ${thisLen} is outside [40, ${entire}]`)
  const op = buf.readBigUInt64LE(32)
  if (op > 0xffffn) throw protocolError(`AFC operation ${op} is out of range`)
  return { entireLength: Number(entire), thisLength: Number(thisLen), packetNum: buf.readBigUInt64LE(24), operation: Number(op) }
}

export function decodeAfcPacket(buf: Buffer, maxPacket: number = AFC_MAX_PACKET): AfcDecoded {
  if (buf.length < AFC_HEADER_SIZE) return { need: AFC_HEADER_SIZE }
  const h = decodeAfcHeader(buf, maxPacket)
  if (buf.length < h.entireLength) return { need: h.entireLength }
  return {
    packet: {
      packetNum: h.packetNum,
      operation: h.operation,
      headerPayload: buf.subarray(AFC_HEADER_SIZE, h.thisLength),
      data: buf.subarray(h.thisLength, h.entireLength),
    },
    rest: buf.subarray(h.entireLength),
  }
}
