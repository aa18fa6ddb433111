import { describe, expect, it } from 'vitest'
import { checkBinaryPlist } from '../../../../src/main/device/plist/bplist-guard.js'
import { decodePlist, encodeBinaryPlist } from '../../../../src/main/device/plist/plist-codec.js'

/** A binary plist from raw objects (1-byte offsets and refs), object 0 on top. */
function bplist(objects: number[][]): Buffer {
  const header = Buffer.from('bplist00')
  const offsets: number[] = []
  let off = 8
  for (const o of objects) {
    offsets.push(off)
    off += o.length
  }
  const trailer = Buffer.alloc(32)
  trailer[6] = 1
  trailer[7] = 1
  trailer.writeUInt32BE(objects.length, 12)
  trailer.writeUInt32BE(off, 28)
  return Buffer.concat([header, ...objects.map((o) => Buffer.from(o)), Buffer.from(offsets), trailer])
}

describe('binary plist guard', () => {
  it('accepts what we and libimobiledevice write', () => {
    const bytes = encodeBinaryPlist({ HostID: 'X', Certs: [Buffer.alloc(1000), Buffer.alloc(10)], Nested: { a: [1, 2, { b: true }] } })
    expect(() => checkBinaryPlist(bytes)).not.toThrow()
    expect(bplist([[0xa2, 1, 1], [0x10, 7]])).toBeDefined()
    expect(decodePlist(bplist([[0xa2, 1, 1], [0x10, 7]]))).toEqual([7, 7]) // shared references are fine
  })

  it('refuses a 150-byte "billion laughs" (2^40 values) at once instead of hanging', () => {
    const objects = Array.from({ length: 40 }, (_, i) => [0xa2, i + 1, i + 1])
    objects.push([0x10, 1])
    const refusal = expect.objectContaining({ code: 'device-protocol', message: expect.stringMatching(/expands to more than/) })
    // The guard refuses it by counting (memoised per object), before the parser expands anything;
    // the decoder's error is the guard's. Its speed is a bench figure: bench/codecs.bench.ts.
    expect(() => checkBinaryPlist(bplist(objects))).toThrow(refusal)
    expect(() => decodePlist(bplist(objects))).toThrow(refusal)
  })

  it.each<[string, number[][]]>([
    ['a cycle', [[0xa1, 1], [0xa1, 0]]],
    ['a reference to a missing object', [[0xa1, 9]]],
    ['a string longer than the data', [[0x5f, 0x10, 0x7f]]],
    ['a container longer than the data', [[0xaf, 0x10, 0x40, 0]]],
  ])('refuses %s', (_name, objects) => {
    expect(() => decodePlist(bplist(objects))).toThrow(expect.objectContaining({ code: 'device-protocol' }))
  })

  it('refuses a trailer that lies about the offset table', () => {
    const bytes = bplist([[0x10, 1]])
    bytes.writeUInt32BE(0xffff, bytes.length - 4)
    expect(() => checkBinaryPlist(bytes)).toThrow(expect.objectContaining({ code: 'device-protocol' }))
  })
})
