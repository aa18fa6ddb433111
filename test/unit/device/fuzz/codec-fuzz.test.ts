/**
 * Seeded fuzzing of the three codecs (usbmux frames + messages, plist service framing + plists,
 * AFC packets + payloads): for thousands of mutated inputs each decoder either succeeds, asks for
 * more bytes, or throws a device-protocol CradleError — never anything else. Every successful
 * decode is encoded again and decoded again, and must give the same value: what we read is what we
 * would write. (A hang fails by the test timeout; speed is a bench figure: bench/codecs.bench.ts.)
 */
import { describe, expect, it } from 'vitest'
import { CradleError } from '../../../../src/shared/errors.js'
import { parseAfcStat } from '../../../../src/main/device/afc/afc-client.js'
import { AfcOp } from '../../../../src/main/device/afc/opcodes.js'
import { decodeAfcPacket, encodeAfcPacket } from '../../../../src/main/device/afc/packet-codec.js'
import { cString, decodeKeyValues, encodeKeyValues, joinCStrings, readPath, readU64, splitCStrings, u64 } from '../../../../src/main/device/afc/payloads.js'
import { decodePlistServiceFrame, encodePlistServiceFrame } from '../../../../src/main/device/plist-service/plist-service-codec.js'
import { decodePlist, encodeBinaryPlist, encodeXmlPlist, type PlistValue } from '../../../../src/main/device/plist/plist-codec.js'
import { decodeMuxFrame, encodeMuxFrame } from '../../../../src/main/device/usbmux/frame-codec.js'
import { encodePlistFrame, framePlist, parseMuxReply } from '../../../../src/main/device/usbmux/messages.js'
import { Rng, mutate } from '../peers/fuzz.js'

const CASES = 3000

/** Runs `fn`; returns 'ok' or 'protocol', and fails the test on any other throw. */
function outcome(fn: () => unknown): 'ok' | 'protocol' {
  try {
    fn()
    return 'ok'
  } catch (error) {
    if (error instanceof CradleError && error.code === 'device-protocol') return 'protocol'
    throw error
  }
}

let roundTrips = 0

/** decode(encode(v)) must equal v for a value `v` that came out of a decoder. */
function expectRoundTrip(what: string, value: unknown, again: () => unknown): void {
  let back: unknown
  try {
    back = again()
  } catch (error) {
    throw new Error(`${what}: re-encoding a decoded value failed: ${String(error)}`)
  }
  expect(back, what).toEqual(value)
  roundTrips++
}

function fuzz(name: string, seeds: Buffer[], decode: (b: Buffer) => unknown, seed: number): void {
  it(`${name}: ${CASES} mutated inputs give a result or device-protocol; every result round-trips`, () => {
    const rng = new Rng(seed)
    const counts = { ok: 0, protocol: 0 }
    roundTrips = 0
    for (let i = 0; i < CASES; i++) {
      let input = rng.pick(seeds)
      for (let m = 0, n = 1 + rng.int(3); m < n; m++) input = mutate(rng, input)
      try {
        counts[outcome(() => decode(input))]++
      } catch (error) {
        throw new Error(`${name}, case ${i} (seed ${seed}), input ${input.toString('hex')}: ${String((error as Error).message)}`, { cause: error })
      }
    }
    console.log(`${name}: ${counts.ok} decoded, ${counts.protocol} device-protocol, ${roundTrips} round trips checked`)
    expect(counts.ok + counts.protocol).toBe(CASES)
    expect(counts.protocol).toBeGreaterThan(0) // the mutations do reach the error paths
    expect(roundTrips).toBeGreaterThan(CASES / 20) // and enough of them decode to check the way back
  })
}

/**
 * Characters XML 1.0 can carry (its Char production): a string with others has no XML plist form.
 * Nor has a date with a fraction of a second (<date> is ISO 8601 to the second, as Apple writes it).
 */
const XML_CHARS = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u

function xmlCanCarry(value: PlistValue): boolean {
  if (typeof value === 'string') return XML_CHARS.test(value)
  if (Array.isArray(value)) return value.every(xmlCanCarry)
  if (value instanceof Date) return value.getTime() % 1000 === 0
  if (Buffer.isBuffer(value) || typeof value !== 'object') return true
  return Object.entries(value).every(([k, v]) => XML_CHARS.test(k) && xmlCanCarry(v))
}

/** A decoded plist written back both ways (binary always, XML when XML can carry it) reads the same. */
function plistRoundTrip(what: string, value: PlistValue): void {
  expectRoundTrip(`${what} (binary)`, value, () => decodePlist(encodeBinaryPlist(value)))
  if (xmlCanCarry(value)) expectRoundTrip(`${what} (XML)`, value, () => decodePlist(encodeXmlPlist(value)))
}

const devices = { DeviceList: [{ MessageType: 'Attached', DeviceID: 3, Properties: { ConnectionType: 'USB', DeviceID: 3, SerialNumber: 'abc', ProductID: 4776 } }] }
const muxSeeds = [encodePlistFrame(devices, 1), encodePlistFrame({ MessageType: 'Result', Number: 0 }, 2), encodePlistFrame({ BUID: 'X' }, 3), encodePlistFrame({ PairRecordData: Buffer.from('bplist00') }, 4), encodePlistFrame({ MessageType: 'Detached', DeviceID: 1 }, 0)]

const lockdownValues = { Request: 'GetValue', Value: { DeviceName: 'x', ProductVersion: '17.5', Battery: 80, Flag: true, Data: Buffer.from([1, 2, 3]), List: ['a', 1, { b: 2 }] } }
const plistSeeds = [encodeXmlPlist(lockdownValues), encodeBinaryPlist(lockdownValues), encodeXmlPlist({ Request: 'QueryType', Type: 'com.apple.mobile.lockdown' }), encodeBinaryPlist({ a: [[[[1]]]], d: new Date(0) })]

const afcSeeds = [
  encodeAfcPacket({ packetNum: 1, operation: AfcOp.Data, data: encodeKeyValues({ st_size: 12, st_ifmt: 'S_IFREG', st_mtime: '1700000000000000000', st_birthtime: '1' }) }),
  encodeAfcPacket({ packetNum: 2, operation: AfcOp.Status, headerPayload: u64(8) }),
  encodeAfcPacket({ packetNum: 3, operation: AfcOp.FileRefOpenResult, data: u64(5) }),
  encodeAfcPacket({ packetNum: 4, operation: AfcOp.Data, data: Buffer.from('.\0..\0IMG_0001.HEIC\0') }),
  encodeAfcPacket({ packetNum: 5, operation: AfcOp.FileRefRead, headerPayload: u64(1, 4096) }),
  encodeAfcPacket({ packetNum: 6, operation: AfcOp.GetFileInfo, headerPayload: cString('/DCIM/100APPLE/IMG_0001.HEIC') }),
]

describe('codec fuzzing (seeded)', () => {
  fuzz('usbmux frames and messages', muxSeeds, (b) => {
    const d = decodeMuxFrame(b)
    if (!('frame' in d)) return
    const frame = d.frame
    expectRoundTrip('usbmux frame', frame, () => (decodeMuxFrame(encodeMuxFrame(frame)) as { frame: unknown }).frame)
    const dict = framePlist(frame)
    plistRoundTrip('usbmux plist message', dict)
    parseMuxReply(dict)
  }, 1)

  fuzz('plists (XML and binary)', plistSeeds, (b) => plistRoundTrip('plist', decodePlist(b)), 2)

  fuzz('plist service frames (lockdownd framing)', plistSeeds.map((p) => encodePlistServiceFrame({ Wrapped: p })).concat(plistSeeds.map((p) => Buffer.concat([Buffer.from([0, 0, (p.length >> 8) & 0xff, p.length & 0xff]), p]))), (b) => {
    const d = decodePlistServiceFrame(b)
    if (!('value' in d)) return
    const value = d.value
    expectRoundTrip('plist service frame (binary)', value, () => (decodePlistServiceFrame(encodePlistServiceFrame(value, 'binary')) as { value: unknown }).value)
    if (xmlCanCarry(value)) expectRoundTrip('plist service frame (XML)', value, () => (decodePlistServiceFrame(encodePlistServiceFrame(value, 'xml')) as { value: unknown }).value)
  }, 3)

  fuzz('AFC packets and payloads', afcSeeds, (b) => {
    const d = decodeAfcPacket(b)
    if (!('packet' in d)) return
    const packet = d.packet
    expectRoundTrip('AFC packet', packet, () => (decodeAfcPacket(encodeAfcPacket(packet)) as { packet: unknown }).packet)
    const body = Buffer.concat([packet.headerPayload, packet.data])
    const strings = splitCStrings(body)
    expectRoundTrip('AFC C strings', strings, () => splitCStrings(joinCStrings(strings)))
    if (body.length >= 8) readU64(body)
    readPath(body.includes(0) ? body : Buffer.concat([body, Buffer.from([0])]))
    const pairs = decodeKeyValues(body)
    expectRoundTrip('AFC key/values', pairs, () => decodeKeyValues(encodeKeyValues(pairs)))
    parseAfcStat(pairs)
  }, 4)
})
