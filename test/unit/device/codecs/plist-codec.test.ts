import { describe, expect, it } from 'vitest'
import { decodePlist, decodePlistDict, encodeBinaryPlist, encodeXmlPlist } from '../../../../src/main/device/plist/plist-codec.js'
import { decodePlistServiceFrame, encodePlistServiceFrame } from '../../../../src/main/device/plist-service/plist-service-codec.js'

const sample = { Request: 'GetValue', Key: 'ProductVersion', Count: 42, Ratio: 0.5, On: true, Blob: Buffer.from([0, 1, 2, 255]), List: ['a', 1] }

describe('plist codec', () => {
  it('writes XML that starts with the <?xml prolog libimobiledevice checks for', () => {
    expect(encodeXmlPlist({ a: 1 }).subarray(0, 5).toString()).toBe('<?xml')
  })

  it('round-trips XML and binary, giving data back as Buffer', () => {
    for (const bytes of [encodeXmlPlist(sample), encodeBinaryPlist(sample)]) {
      const back = decodePlistDict(bytes)
      expect(back).toEqual(sample)
      expect(Buffer.isBuffer(back.Blob)).toBe(true)
    }
  })

  it('binary output starts with bplist00', () => {
    expect(encodeBinaryPlist({ a: 'b' }).subarray(0, 8).toString('latin1')).toBe('bplist00')
  })

  it('decodes a known XML vector', () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>Type</key><string>com.apple.mobile.lockdown</string><key>Request</key><string>QueryType</string></dict></plist>'
    expect(decodePlist(Buffer.from(xml))).toEqual({ Type: 'com.apple.mobile.lockdown', Request: 'QueryType' })
  })

  it.each([
    ['garbage', Buffer.from('hello')],
    ['truncated binary', Buffer.from('bplist00\x01\x02', 'latin1')],
    ['empty', Buffer.alloc(0)],
    ['XML without plist root', Buffer.from('<?xml version="1.0"?><html/>')],
  ])('throws a device-protocol error on %s', (_name, bytes) => {
    expect(() => decodePlist(bytes)).toThrow(expect.objectContaining({ code: 'device-protocol' }))
  })

  it('refuses a top level that is not a dictionary', () => {
    expect(() => decodePlistDict(encodeXmlPlist(['a']))).toThrow(/not a dictionary/)
  })
})

describe('plist service (lockdown) framing', () => {
  it('prefixes a u32 big-endian length', () => {
    const frame = encodePlistServiceFrame({ Request: 'QueryType' })
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4)
    expect(frame.subarray(4, 9).toString()).toBe('<?xml')
  })

  it('decodes incrementally and keeps the rest', () => {
    const a = encodePlistServiceFrame({ Request: 'A' })
    const b = encodePlistServiceFrame({ Request: 'B' }, 'binary')
    const both = Buffer.concat([a, b])
    expect(decodePlistServiceFrame(both.subarray(0, 2))).toEqual({ need: 4 })
    expect(decodePlistServiceFrame(both.subarray(0, 10))).toEqual({ need: a.length })
    const first = decodePlistServiceFrame(both)
    if (!('value' in first)) throw new Error('incomplete')
    expect(first.value).toEqual({ Request: 'A' })
    expect(decodePlistServiceFrame(first.rest)).toMatchObject({ value: { Request: 'B' } })
  })

  it('rejects a huge or zero length before buffering', () => {
    expect(() => decodePlistServiceFrame(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(/exceeds/)
    expect(() => decodePlistServiceFrame(Buffer.from([0, 0, 0, 0]))).toThrow(/empty plist frame/)
  })
})
