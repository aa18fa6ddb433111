import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodePlist, decodePlistDict, encodeBinaryPlist, encodeXmlPlist, type PlistValue } from '../../../../src/main/device/plist/plist-codec.js'
import { PlistSyntaxError, XML_PLIST_MAX_DEPTH, parseXmlPlist } from '../../../../src/main/device/plist/xml-plist.js'

const FIXTURES = path.join(import.meta.dirname, '../../../fixtures/device')
const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name))
const doc = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">${body}</plist>`

describe('XML plist reader: what real plists carry', () => {
  it('reads the usbmuxd ListDevices reply', () => {
    const reply = decodePlistDict(fixture('listdevices-reply.xml'))
    expect(reply).toEqual({
      DeviceList: [
        { DeviceID: 3, MessageType: 'Attached', Properties: { ConnectionSpeed: 480000000, ConnectionType: 'USB', DeviceID: 3, LocationID: 0, ProductID: 4776, SerialNumber: '00008110-001A2B3C4D5E6F70' } },
        { DeviceID: 4, MessageType: 'Attached', Properties: { DeviceID: 4 } },
      ],
    })
  })

  it('reads a lockdown GetValue reply: entities, non-ASCII, every scalar type, wrapped base64', () => {
    const { Value: v } = decodePlistDict(fixture('lockdown-getvalue-reply.xml')) as { Value: Record<string, PlistValue> }
    expect(v.DeviceName).toBe('Anna’s iPhone & “Work” <2>')
    expect(v.BatteryCurrentCapacity).toBe(87)
    expect(v.BatteryIsCharging).toBe(true)
    expect(v.HasSiDP).toBe(false)
    expect(v.TimeIntervalSince1970).toBe(1733145600.25)
    expect(v.TimeZoneOffsetFromUTC).toBe(-18000)
    expect(v.UniqueChipID).toBe(7316483019624510)
    expect(v.LastBackupDate).toEqual(new Date('2026-11-30T21:14:05Z'))
    expect(v.SupportedDeviceFamilies).toEqual([1])
    expect(v.NonVolatileRAM).toEqual({})
    expect(v.EmptyName).toBe('')
    expect(Buffer.isBuffer(v.ProximitySensorCalibration)).toBe(true)
    expect((v.ProximitySensorCalibration as Buffer).length).toBe(120)
  })

  it('reads a pair record with multi-line data', () => {
    const record = decodePlistDict(fixture('pair-record.xml'))
    expect((record.DeviceCertificate as Buffer).length).toBe(300)
    expect(record.EscrowBag).toEqual(Buffer.alloc(4))
    expect(record.HostID).toBe('2C3E2F9A-5B0D-4E8C-9F1A-7D6B3C2E1F00')
  })

  it.each<[string, string, PlistValue]>([
    ['numeric character references', '<string>&#65;&#x42;&#x1F4F7;</string>', 'AB📷'],
    ['all five named entities', '<string>&amp;&lt;&gt;&quot;&apos;</string>', '&<>"\''],
    ['CDATA, kept verbatim', '<string>a<![CDATA[<b> & </b>]]>c</string>', 'a<b> & </b>c'],
    ['comments between and inside values', '<!-- a --><dict><!-- b --><key>k<!-- c --></key><!-- d --><integer>1</integer></dict><!-- e -->', { k: 1 }],
    ['self-closing and empty elements', '<array><string/><dict/><array/><data/><true/><false></false></array>', ['', {}, [], Buffer.alloc(0), true, false]],
    ['a CR written as &#13; (a raw CR LF reads as LF, as XML says)', '<array><string>a&#13;b</string><string>c\r\nd\re</string></array>', ['a\rb', 'c\nd\ne']],
    ['whitespace in strings kept exactly', '<string>  two  spaces\n\tand a tab </string>', '  two  spaces\n\tand a tab '],
    ['a "__proto__" key as an ordinary key', '<dict><key>__proto__</key><string>x</string></dict>', JSON.parse('{"__proto__":"x"}') as PlistValue],
    ['a repeated key (the last wins)', '<dict><key>a</key><integer>1</integer><key>a</key><integer>2</integer></dict>', { a: 2 }],
    ['integers at the edges of 64 bits', '<array><integer>-9223372036854775808</integer><integer>18446744073709551615</integer><integer>+7</integer></array>', [-(2 ** 63), 2 ** 64 - 1, 7]],
    ['reals in every spelling', '<array><real>1.5e3</real><real>-0.25</real><real>.5</real><real>7</real><real>nan</real><real>+infinity</real><real>-inf</real></array>', [1500, -0.25, 0.5, 7, NaN, Infinity, -Infinity]],
    ['a date with a fraction of a second', '<date>2026-12-02T18:30:00.250Z</date>', new Date('2026-12-02T18:30:00.250Z')],
    ['attributes with > inside quotes', '<dict a=\'x>y\' b = "1"><key>k</key><true/></dict>', { k: true }],
  ])('reads %s', (_name, body, expected) => {
    expect(decodePlist(Buffer.from(doc(body)))).toEqual(expected)
  })

  it('reads a BOM, leading space, no declaration, and processing instructions around the root', () => {
    expect(decodePlist(Buffer.from('\uFEFF  <plist><true/></plist>'))).toBe(true)
    expect(decodePlist(Buffer.from('<?xml version="1.0"?><?pi x?>\n<plist><false/></plist>\n<!-- end -->\n'))).toBe(false)
  })
})

describe('XML plist reader: malformed input is a typed error naming what and where', () => {
  it.each<[string, string, RegExp]>([
    ['no root element', '<?xml version="1.0"?>', /no <plist> element/],
    ['another root element', '<?xml version="1.0"?><html/>', /root element is <html>, not <plist>/],
    ['an empty <plist>', '<plist></plist>', /empty <plist>/],
    ['a self-closed <plist/>', '<plist/>', /empty <plist>/],
    ['two values in <plist>', '<plist><true/><false/></plist>', /more than one value/],
    ['content after </plist>', '<plist><true/></plist><plist/>', /content after <\/plist>/],
    ['a tag left open', '<plist><dict><key>a</key><string>b</string>', /unexpected end of input|unterminated/],
    ['a string left open', '<plist><string>abc', /unterminated <string>/],
    ['mismatched end tags', '<plist><array></dict></plist>', /<\/dict> closes <array>/],
    ['a key with no value', '<plist><dict><key>a</key></dict></plist>', /<key>a<\/key> has no value/],
    ['a value with no key', '<plist><dict><string>a</string></dict></plist>', /without a <key>/],
    ['a key outside a dict', '<plist><array><key>a</key></array></plist>', /<key> outside a <dict>/],
    ['an unknown element', '<plist><float>1</float></plist>', /unknown element <float>/],
    ['an element inside a string', '<plist><string>a<b/></string></plist>', /an element inside <string>/],
    ['text between values', '<plist><array>x<true/></array></plist>', /text outside a value element/],
    ['an unknown entity', '<plist><string>&nbsp;</string></plist>', /unknown entity &nbsp;/],
    ['a bare ampersand', '<plist><string>a & b</string></plist>', /bare &/],
    ['a character reference XML cannot carry', '<plist><string>&#0;</string></plist>', /&#0; is not a character/],
    ['a reference past Unicode', '<plist><string>&#x110000;</string></plist>', /not a character/],
    ['a non-numeric integer', '<plist><integer>12abc</integer></plist>', /<integer> holds "12abc"/],
    ['an integer past 64 bits', '<plist><integer>18446744073709551616</integer></plist>', /outside 64 bits/],
    ['a non-numeric real', '<plist><real>one</real></plist>', /<real> holds "one"/],
    ['a date that is not ISO 8601', '<plist><date>yesterday</date></plist>', /<date> holds "yesterday"/],
    ['an impossible date', '<plist><date>2026-13-45T99:00:00Z</date></plist>', /<date> holds/],
    ['data that is not base64', '<plist><data>!!!</data></plist>', /<data> is not base64/],
    ['<true> with content', '<plist><true>yes</true></plist>', /<true> with content/],
    ['an unterminated comment', '<plist><!-- <true/></plist>', /unterminated comment/],
    ['an unterminated CDATA section', '<plist><string><![CDATA[x</string></plist>', /unterminated CDATA/],
    ['an unquoted attribute', '<plist version=1.0><true/></plist>', /unquoted attribute value/],
    ['an unterminated start tag', '<plist><dict', /unterminated <dict>/],
    ['a DOCTYPE defining entities (the XML billion laughs)', '<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><plist><string>&b;</string></plist>', /internal subset/],
  ])('refuses %s', (_name, xml, message) => {
    let thrown: unknown
    try {
      parseXmlPlist(xml)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(PlistSyntaxError)
    expect((thrown as Error).message).toMatch(message)
    expect((thrown as Error).message).toMatch(/\(at character \d+\)$/)
    expect(() => decodePlist(Buffer.from(xml))).toThrow(expect.objectContaining({ code: 'device-protocol', message: expect.stringMatching(message) }))
  })

  it('says where it stopped', () => {
    const xml = '<plist><array><true/><nope/></array></plist>'
    expect(() => parseXmlPlist(xml)).toThrow(expect.objectContaining({ offset: xml.indexOf('<nope/>') }))
  })

  it(`reads ${XML_PLIST_MAX_DEPTH} nested containers and refuses one more, without recursion`, () => {
    const nest = (n: number): string => '<array>'.repeat(n) + '</array>'.repeat(n)
    let v = decodePlist(Buffer.from(`<plist>${nest(XML_PLIST_MAX_DEPTH)}</plist>`))
    for (let i = 1; i < XML_PLIST_MAX_DEPTH; i++) v = (v as PlistValue[])[0]!
    expect(v).toEqual([])
    expect(() => parseXmlPlist(`<plist>${nest(XML_PLIST_MAX_DEPTH + 1)}</plist>`)).toThrow(/nested more than 128 deep/)
    // a million opening tags: refused at depth 129, never a stack overflow
    expect(() => parseXmlPlist(`<plist>${'<dict><key>k</key>'.repeat(1_000_000)}`)).toThrow(PlistSyntaxError)
  })

  it('every truncation of a real reply is refused, never a crash or a wrong value', () => {
    const whole = fixture('lockdown-getvalue-reply.xml').toString('utf8')
    const cut = whole.lastIndexOf('</plist>')
    for (let end = 0; end < cut; end += 7) {
      expect(() => decodePlist(Buffer.from(whole.slice(0, end))), `cut at ${end}`).toThrow(expect.objectContaining({ code: 'device-protocol' }))
    }
  })
})

describe('XML plist writer', () => {
  const value: PlistValue = {
    Text: 'a & b < c > d\r\n"quoted" \'single\' ’ 📷',
    Int: -42,
    Big: 2 ** 63,
    Real: 0.1,
    NegZero: -0,
    Nan: NaN,
    Inf: -Infinity,
    Yes: true,
    No: false,
    When: new Date('2026-12-02T18:30:00Z'),
    Blob: Buffer.from([0, 1, 2, 253, 254, 255]),
    Empty: { Dict: {}, Array: [], String: '', Data: Buffer.alloc(0) },
    '&key<>': [[['deep']]],
  }

  it('round-trips every type, both formats', () => {
    expect(decodePlist(encodeXmlPlist(value))).toEqual(value)
    expect(decodePlist(encodeBinaryPlist(value))).toEqual(value)
    expect(Object.is((decodePlist(encodeXmlPlist(value)) as { NegZero: number }).NegZero, -0)).toBe(true)
  })

  it('writes Apple\'s layout: declaration, DOCTYPE, tab-indented elements', () => {
    expect(encodeXmlPlist({ A: [1, 'x'], B: {} }).toString()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n' +
        '<dict>\n\t<key>A</key>\n\t<array>\n\t\t<integer>1</integer>\n\t\t<string>x</string>\n\t</array>\n\t<key>B</key>\n\t<dict/>\n</dict>\n</plist>\n',
    )
  })

  it('leaves out dict entries that are undefined or null, as the old writer did', () => {
    const sparse = { a: 1, b: undefined, c: null } as unknown as PlistValue
    expect(decodePlist(encodeXmlPlist(sparse))).toEqual({ a: 1 })
    expect(decodePlist(encodeBinaryPlist(sparse))).toEqual({ a: 1 })
  })
})
