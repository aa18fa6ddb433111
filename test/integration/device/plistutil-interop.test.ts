/**
 * Our plist codec against libplist's (Debian libplist-utils `plistutil`, the library usbmuxd and
 * libimobiledevice use): each side reads what the other writes, XML and binary, on the device
 * fixtures and on values at the edges of every type. plistutil missing fails the test (CI installs
 * it with scripts/install-system-deps.sh); it is never skipped.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodePlist, encodeBinaryPlist, encodeXmlPlist, isBinaryPlist, type PlistValue } from '../../../src/main/device/plist/plist-codec.js'

const FIXTURES = path.join(import.meta.dirname, '../../fixtures/device')
const xmlFixtures = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.xml'))

/** Converts with plistutil through stdin/stdout. */
function plistutil(input: Buffer, format: 'bin' | 'xml'): Buffer {
  return execFileSync('plistutil', ['-f', format], { input, maxBuffer: 64 << 20 })
}

beforeAll(() => {
  try {
    execFileSync('plistutil', ['--version'], { stdio: 'pipe' })
  } catch (error) {
    throw new Error(`plistutil is missing: install libplist-utils (scripts/install-system-deps.sh) — ${(error as Error).message}`)
  }
})

const edges: PlistValue = {
  Names: ['Anna’s iPhone', 'a & b < c > d "e" \'f\'', '📷 ünïcödé', '', ' spaced\tout\n'],
  Integers: [0, 1, -1, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -(2 ** 53), -(2 ** 63), 2 ** 63, 2 ** 64 - 2048],
  Reals: [0.1, -2.5, 1e21, 5e-324, 1.7976931348623157e308, NaN, Infinity, -Infinity],
  Flags: [true, false],
  Dates: [new Date('2001-01-01T00:00:00Z'), new Date('1970-01-01T00:00:00Z'), new Date('2026-12-02T18:30:00Z'), new Date('1904-05-06T07:08:09Z')],
  Data: [Buffer.alloc(0), Buffer.from([0]), Buffer.alloc(1000, 0xa5)],
  Nested: { Empty: {}, List: [], Deep: [[[{ 'k&<>': [1, 'x'] }]]] },
  Many: Array.from({ length: 300 }, (_, i) => ({ n: i, s: `item ${i}` })),
}

describe('plist codec ⇄ libplist (plistutil)', () => {
  it.each(xmlFixtures)('%s: libplist\'s binary form reads as our XML reading does', (name) => {
    const xml = fs.readFileSync(path.join(FIXTURES, name))
    const binary = plistutil(xml, 'bin')
    expect(isBinaryPlist(binary)).toBe(true)
    const ours = decodePlist(xml)
    expect(decodePlist(binary)).toEqual(ours)
    // and libplist's own XML rewrite of it too
    expect(decodePlist(plistutil(binary, 'xml'))).toEqual(ours)
  })

  it('libplist reads the XML we write, every type at its edges', () => {
    expect(decodePlist(plistutil(encodeXmlPlist(edges), 'bin'))).toEqual(edges)
    expect(decodePlist(plistutil(encodeXmlPlist(edges), 'xml'))).toEqual(edges)
  })

  it('libplist reads the binary we write, every type at its edges', () => {
    expect(decodePlist(plistutil(encodeBinaryPlist(edges), 'xml'))).toEqual(edges)
    expect(decodePlist(plistutil(encodeBinaryPlist(edges), 'bin'))).toEqual(edges)
  })
})
