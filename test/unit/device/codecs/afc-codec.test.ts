import { describe, expect, it } from 'vitest'
import { AfcOp } from '../../../../src/main/device/afc/opcodes.js'
import { AFC_HEADER_SIZE, decodeAfcPacket, encodeAfcPacket } from '../../../../src/main/device/afc/packet-codec.js'
import { cString, decodeKeyValues, encodeKeyValues, i64, readU64, splitCStrings, u64 } from '../../../../src/main/device/afc/payloads.js'
import { afcStatusName, AfcStatus } from '../../../../src/main/device/afc/status.js'

describe('AFC packet codec', () => {
  it('encodes a ReadDir request byte for byte', () => {
    const bytes = encodeAfcPacket({ packetNum: 1, operation: AfcOp.ReadDir, headerPayload: cString('/DCIM') })
    expect(bytes.toString('hex')).toBe(
      '434641364c504141' + // CFA6LPAA
        '2e00000000000000' + // entire_length 46
        '2e00000000000000' + // this_length 46
        '0100000000000000' + // packet_num 1
        '0300000000000000' + // ReadDir
        '2f4443494d00', // "/DCIM\0"
    )
  })

  it('splits header payload and data by this_length (FileRefWrite layout)', () => {
    const bytes = encodeAfcPacket({ packetNum: 9, operation: AfcOp.FileRefWrite, headerPayload: u64(4), data: Buffer.from('hello') })
    expect(bytes.readBigUInt64LE(16)).toBe(48n)
    const decoded = decodeAfcPacket(bytes)
    if (!('packet' in decoded)) throw new Error('incomplete')
    expect(decoded.packet.packetNum).toBe(9n)
    expect(readU64(decoded.packet.headerPayload)).toBe(4)
    expect(decoded.packet.data.toString()).toBe('hello')
  })

  it('asks for more when the header or the body is short', () => {
    const bytes = encodeAfcPacket({ packetNum: 1, operation: AfcOp.Data, data: Buffer.alloc(100) })
    expect(decodeAfcPacket(bytes.subarray(0, 17))).toEqual({ need: AFC_HEADER_SIZE })
    expect(decodeAfcPacket(bytes.subarray(0, 60))).toEqual({ need: 140 })
  })

  it('treats a 0-byte Data reply as a valid packet (EOF)', () => {
    const decoded = decodeAfcPacket(encodeAfcPacket({ packetNum: 3, operation: AfcOp.Data }))
    expect(decoded).toMatchObject({ packet: { operation: AfcOp.Data, data: Buffer.alloc(0) } })
  })

  it.each([
    ['bad magic', (b: Buffer) => b.write('XXXXXXXX', 0, 'latin1')],
    ['entire_length below 40', (b: Buffer) => b.writeBigUInt64LE(10n, 8)],
    ['entire_length of 2^63', (b: Buffer) => b.writeBigUInt64LE(1n << 63n, 8)],
    ['this_length beyond entire_length', (b: Buffer) => b.writeBigUInt64LE(1000n, 16)],
  ])('rejects %s', (_name, corrupt) => {
    const bytes = encodeAfcPacket({ packetNum: 1, operation: AfcOp.Status, headerPayload: u64(0) })
    corrupt(bytes)
    expect(() => decodeAfcPacket(bytes)).toThrow(expect.objectContaining({ code: 'device-protocol' }))
  })
})

describe('AFC payloads', () => {
  it('decodes GetFileInfo key/value pairs with nanosecond times', () => {
    const data = encodeKeyValues({ st_size: 1234, st_blocks: 8, st_nlink: 1, st_ifmt: 'S_IFREG', st_mtime: '1700000000123456789', st_birthtime: '1690000000000000000' })
    expect(decodeKeyValues(data)).toEqual({
      st_size: '1234', st_blocks: '8', st_nlink: '1', st_ifmt: 'S_IFREG', st_mtime: '1700000000123456789', st_birthtime: '1690000000000000000',
    })
  })

  it('refuses an odd key/value list', () => {
    expect(() => decodeKeyValues(Buffer.from('a\x00b\x00c\x00'))).toThrow(/odd number/)
  })

  it('splits a ReadDir listing including . and ..', () => {
    expect(splitCStrings(Buffer.from('.\x00..\x00100APPLE\x00'))).toEqual(['.', '..', '100APPLE'])
  })

  it('encodes negative seek offsets as i64', () => {
    expect(i64(-1).toString('hex')).toBe('ffffffffffffffff')
  })

  it('names status codes', () => {
    expect(afcStatusName(AfcStatus.OBJECT_NOT_FOUND)).toBe('OBJECT_NOT_FOUND')
    expect(afcStatusName(99)).toBe('AFC_STATUS_99')
  })

  it('refuses u64 values past 2^53 instead of losing precision', () => {
    expect(() => readU64(u64(1n << 60n))).toThrow(/too large/)
  })
})
