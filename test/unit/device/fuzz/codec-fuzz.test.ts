/**
 * Seeded fuzzing of the three codecs (usbmux frames + messages, plist service framing + plists,
 * AFC packets + payloads): for thousands of mutated inputs each decoder either succeeds, asks for
 * more bytes, or throws a device-protocol CradleError — never anything else, and quickly.
 */
import { describe, expect, it } from 'vitest'
import { CradleError } from '../../../../src/shared/errors.js'
import { parseAfcStat } from '../../../../src/main/device/afc/afc-client.js'
import { AfcOp } from '../../../../src/main/device/afc/opcodes.js'
import { decodeAfcPacket, encodeAfcPacket } from '../../../../src/main/device/afc/packet-codec.js'
import { cString, decodeKeyValues, encodeKeyValues, readPath, readU64, splitCStrings, u64 } from '../../../../src/main/device/afc/payloads.js'
import { decodePlistServiceFrame, encodePlistServiceFrame } from '../../../../src/main/device/plist-service/plist-service-codec.js'
import { decodePlist, encodeBinaryPlist, encodeXmlPlist } from '../../../../src/main/device/plist/plist-codec.js'
import { decodeMuxFrame } from '../../../../src/main/device/usbmux/frame-codec.js'
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

function fuzz(name: string, seeds: Buffer[], decode: (b: Buffer) => unknown, seed: number): void {
  it(`${name}: ${CASES} mutated inputs give a result or device-protocol`, () => {
    const rng = new Rng(seed)
    const counts = { ok: 0, protocol: 0 }
    const started = Date.now()
    for (let i = 0; i < CASES; i++) {
      let input = rng.pick(seeds)
      for (let m = 0, n = 1 + rng.int(3); m < n; m++) input = mutate(rng, input)
      counts[outcome(() => decode(input))]++
    }
    expect(counts.ok + counts.protocol).toBe(CASES)
    expect(counts.protocol).toBeGreaterThan(0) // the mutations do reach the error paths
    expect(Date.now() - started).toBeLessThan(30_000)
  })
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
    if ('frame' in d) parseMuxReply(framePlist(d.frame))
  }, 1)

  fuzz('plists (XML and binary)', plistSeeds, (b) => decodePlist(b), 2)

  fuzz('plist service frames', plistSeeds.map((p) => encodePlistServiceFrame({ Wrapped: p })).concat(plistSeeds.map((p) => Buffer.concat([Buffer.from([0, 0, (p.length >> 8) & 0xff, p.length & 0xff]), p]))), (b) => decodePlistServiceFrame(b), 3)

  fuzz('AFC packets and payloads', afcSeeds, (b) => {
    const d = decodeAfcPacket(b)
    if (!('packet' in d)) return
    const body = Buffer.concat([d.packet.headerPayload, d.packet.data])
    splitCStrings(body)
    if (body.length >= 8) readU64(body)
    readPath(body.includes(0) ? body : Buffer.concat([body, Buffer.from([0])]))
    parseAfcStat(decodeKeyValues(body))
  }, 4)
})
