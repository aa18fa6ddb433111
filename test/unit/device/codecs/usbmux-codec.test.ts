import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeMuxFrame, encodeMuxFrame, MUX_HEADER_SIZE, MuxMessage } from '../../../../src/main/device/usbmux/frame-codec.js'
import { describeSkipped, encodeMuxRequest, framePlist, parseMuxReply, swapPort } from '../../../../src/main/device/usbmux/messages.js'
import { isCradleError } from '../../../../src/shared/errors.js'
import { REPO_ROOT } from '../../../helpers/cli.js'

const fixture = (name: string) => fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/device', name))

describe('usbmux frame codec', () => {
  it('encodes the 16-byte little-endian header', () => {
    const bytes = encodeMuxFrame({ version: 1, message: MuxMessage.Plist, tag: 7, payload: Buffer.from('abc') })
    expect(bytes.toString('hex')).toBe('13000000' + '01000000' + '08000000' + '07000000' + '616263')
  })

  it('decodes a frame and returns the rest', () => {
    const frame = encodeMuxFrame({ version: 1, message: 1, tag: 2, payload: Buffer.from('xy') })
    const result = decodeMuxFrame(Buffer.concat([frame, Buffer.from([9, 9])]))
    expect(result).toMatchObject({ frame: { version: 1, message: 1, tag: 2 }, rest: Buffer.from([9, 9]) })
  })

  it('asks for more on a split header and on a short body', () => {
    const frame = encodeMuxFrame({ version: 1, message: 8, tag: 1, payload: Buffer.alloc(10) })
    expect(decodeMuxFrame(frame.subarray(0, 5))).toEqual({ need: MUX_HEADER_SIZE })
    expect(decodeMuxFrame(frame.subarray(0, 20))).toEqual({ need: 26 })
  })

  it('rejects a length shorter than the header or past the bound', () => {
    const tooShort = Buffer.from('0f000000010000000800000001000000', 'hex')
    const huge = Buffer.from('ffffff7f010000000800000001000000', 'hex')
    expect(() => decodeMuxFrame(tooShort)).toThrow(/shorter than its header/)
    try {
      decodeMuxFrame(huge)
      expect.unreachable()
    } catch (error) {
      expect(isCradleError(error, 'device-protocol')).toBe(true)
    }
  })
})

describe('usbmux messages', () => {
  it('swaps the port bytes: lockdown 62078 travels as 32498', () => {
    expect(swapPort(62078)).toBe(32498)
    expect(swapPort(32498)).toBe(62078)
  })

  it('builds a request with the libusbmuxd identity fields', () => {
    const bytes = encodeMuxRequest('Connect', { DeviceID: 3, PortNumber: swapPort(62078) }, 5)
    const decoded = decodeMuxFrame(bytes)
    if (!('frame' in decoded)) throw new Error('incomplete')
    expect(decoded.frame.tag).toBe(5)
    expect(decoded.frame.payload.subarray(0, 5).toString()).toBe('<?xml')
    expect(framePlist(decoded.frame)).toMatchObject({ MessageType: 'Connect', DeviceID: 3, PortNumber: 32498, kLibUSBMuxVersion: 3, ProgName: 'cradle' })
  })

  it('parses a usbmuxd ListDevices reply and says which device libusbmuxd would reject, and why', () => {
    const reply = parseMuxReply(framePlist({ version: 1, message: 8, tag: 1, payload: fixture('listdevices-reply.xml') }))
    expect(reply).toEqual({
      kind: 'device-list',
      skipped: [{ deviceId: 4, reason: 'no SerialNumber' }],
      devices: [{ ConnectionSpeed: 480000000, ConnectionType: 'USB', DeviceID: 3, LocationID: 0, ProductID: 4776, SerialNumber: '00008110-001A2B3C4D5E6F70' }],
    })
  })

  it('parses Result, Detached and Paired', () => {
    expect(parseMuxReply({ MessageType: 'Result', Number: 3 })).toEqual({ kind: 'result', number: 3 })
    expect(parseMuxReply({ MessageType: 'Detached', DeviceID: 9 })).toEqual({ kind: 'detached', deviceId: 9 })
    expect(parseMuxReply({ MessageType: 'Paired', DeviceID: 9 })).toEqual({ kind: 'paired', deviceId: 9 })
  })

  it('refuses a non-plist message type and unknown replies', () => {
    expect(() => framePlist({ version: 0, message: MuxMessage.DeviceAdd, tag: 0, payload: Buffer.alloc(0) })).toThrow(/not a plist/)
    expect(() => parseMuxReply({ Something: 'else' })).toThrow(/unexpected usbmux reply/)
    expect(() => parseMuxReply({ MessageType: 'Attached', Properties: { DeviceID: 1 } })).toThrow(/DeviceID 1: no SerialNumber/)
  })

  it('names why an entry is unreadable', () => {
    const list = parseMuxReply({
      DeviceList: [
        'not a dict',
        { DeviceID: 5 },
        { Properties: { SerialNumber: 'S' } },
        { Properties: { DeviceID: 6, SerialNumber: 'S6', ConnectionType: 'Bluetooth' } },
        { Properties: { DeviceID: 7, SerialNumber: 'S7', ConnectionType: 'Network' } },
      ],
    })
    if (list.kind !== 'device-list') throw new Error(list.kind)
    expect(list.skipped.map(describeSkipped)).toEqual([
      'an entry that is not a dictionary',
      'DeviceID 5: no Properties dictionary',
      'SerialNumber S: no DeviceID',
      'DeviceID 6, SerialNumber S6: ConnectionType "Bluetooth"',
      'DeviceID 7, SerialNumber S7: a Network entry without NetworkAddress',
    ])
  })

  it('a lenient parse (ReadPairRecord) turns unknown shapes into "other" instead of an error', () => {
    expect(parseMuxReply({ Something: 'else' }, { lenient: true })).toEqual({ kind: 'other' })
    expect(parseMuxReply({ MessageType: 'Result' }, { lenient: true })).toEqual({ kind: 'other', messageType: 'Result' })
    expect(() => parseMuxReply({ MessageType: 'Result' })).toThrow(/without a Number/)
  })
})
