import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseExifDate, parseIsoDate, parseOffset } from '../../../src/main/library/capture-date.js'
import { dateFromMoov, QT_EPOCH_OFFSET_S, readQuickTimeDate } from '../../../src/main/library/quicktime-date.js'
import { captureDateOf, readEmbeddedDate } from '../../../src/main/library/read-capture-date.js'
import { renderLayout } from '../../../src/main/library/layout.js'

const FIX = path.resolve(import.meta.dirname, '../../fixtures/library')
let tmp: string
beforeAll(() => {
  process.env.TZ = 'UTC'
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-date-'))
})
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

const box = (type: string, ...body: Buffer[]): Buffer => {
  const b = Buffer.concat(body)
  const h = Buffer.alloc(8)
  h.writeUInt32BE(8 + b.length)
  h.write(type, 4, 'latin1')
  return Buffer.concat([h, b])
}
const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b }

describe('date parsing', () => {
  it('reads offsets in the forms cameras write', () => {
    expect(parseOffset('+09:00')).toBe(540)
    expect(parseOffset('-0500')).toBe(-300)
    expect(parseOffset('Z')).toBe(0)
    expect(parseOffset('+25:00')).toBeNull()
    expect(parseOffset('nonsense')).toBeNull()
  })

  it('uses the offset for the instant and the wall clock for the folder', () => {
    expect(parseExifDate('2023:08:01 01:30:00', '+09:00')).toEqual({ epochMs: Date.parse('2023-07-31T16:30:00Z'), offsetMinutes: 540, wall: { year: 2023, month: 8, day: 1 }, source: 'exif' })
    expect(parseIsoDate('2022-12-31T23:59:31-0500', 'quicktime-keys')?.epochMs).toBe(Date.parse('2023-01-01T04:59:31Z'))
  })

  it.each(['0000:00:00 00:00:00', '    :  :     :  :  ', '2023:02:30 10:00:00', '2023:13:01 10:00:00', '1969:12:31 23:00:00', '', 'garbage'])('refuses the broken date %j', (v) => {
    expect(parseExifDate(v, null)).toBeNull()
  })
})

describe('readers on real files (test/fixtures/library)', () => {
  it.each([
    ['photo.jpg', '.JPG', '2023-07-31T16:30:00.000Z', 540, 'exif'],
    ['photo.heic', '.HEIC', '2023-01-01T04:59:30.000Z', -300, 'exif'],
    ['nooffset.jpg', '.JPG', '2021-06-15T08:00:00.000Z', null, 'exif'],
    ['screenshot.png', '.PNG', '2024-02-29T09:11:12.000Z', 60, 'xmp'],
    ['live.mov', '.MOV', '2023-01-01T04:59:31.000Z', -300, 'quicktime-keys'],
    ['plain.mov', '.MOV', '2020-03-01T00:30:00.000Z', null, 'quicktime-mvhd'],
  ])('%s', async (name, ext, iso, offset, source) => {
    const d = await readEmbeddedDate(path.join(FIX, name), ext)
    expect(d && { iso: new Date(d.epochMs).toISOString(), offset: d.offsetMinutes, source: d.source }).toEqual({ iso, offset, source })
  })

  it('files photo.jpg in August though it was still July in UTC', async () => {
    const d = await readEmbeddedDate(path.join(FIX, 'photo.jpg'), '.JPG')
    expect(renderLayout('{YYYY}/{YYYY}-{MM}', d!.wall)).toBe('2023/2023-08')
    expect(renderLayout('{YYYY}/{MM}/{DD}', d!.wall)).toBe('2023/08/01')
  })

  it('falls back to birth time, then mtime, then the import time', async () => {
    const file = path.join(FIX, 'nodate.jpg')
    const birth = BigInt(Date.parse('2018-01-02T03:04:05Z')) * 1_000_000n
    expect(await captureDateOf(file, '.JPG', { birthtimeNs: birth, mtimeNs: 0n }, 0)).toMatchObject({ source: 'birthtime', wall: { year: 2018, month: 1, day: 2 } })
    expect(await captureDateOf(file, '.JPG', { birthtimeNs: 0n, mtimeNs: birth }, 0)).toMatchObject({ source: 'mtime' })
    expect(await captureDateOf(file, '.JPG', { birthtimeNs: 0n, mtimeNs: 0n }, Date.parse('2025-05-05T00:00:00Z'))).toMatchObject({ source: 'import-time', wall: { year: 2025, month: 5, day: 5 } })
  })
})

describe('QuickTime box reader', () => {
  it('prefers Apple’s creationdate key over mvhd', () => {
    const mvhd = box('mvhd', u32(0), u32(QT_EPOCH_OFFSET_S + 1_000_000_000), Buffer.alloc(80))
    // keys: version/flags, count, then entries of [size u32]['mdta'][key]; the date is entry 2.
    const entry = (k: string): Buffer => Buffer.concat([u32(8 + Buffer.byteLength(k)), Buffer.from('mdta'), Buffer.from(k)])
    const keys = box('keys', u32(0), u32(2), entry('com.apple.quicktime.make'), entry('com.apple.quicktime.creationdate'))
    const data = box('data', u32(1), u32(0), Buffer.from('2019-08-11T16:42:14-0700'))
    const ilstItem = Buffer.concat([u32(8 + data.length), u32(2), data])
    const meta = box('meta', box('hdlr', Buffer.alloc(25)), keys, box('ilst', ilstItem))
    expect(dateFromMoov(Buffer.concat([mvhd, meta]))).toMatchObject({ epochMs: Date.parse('2019-08-11T23:42:14Z'), offsetMinutes: -420, source: 'quicktime-keys' })
    expect(dateFromMoov(mvhd)).toMatchObject({ epochMs: 1_000_000_000_000, source: 'quicktime-mvhd' })
  })

  const hostile: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['random bytes', crypto.randomBytes(4096)],
    ['a box claiming 4 GB', Buffer.concat([u32(0xffffffff), Buffer.from('moov'), Buffer.alloc(64)])],
    ['a 64-bit size past the end', Buffer.concat([u32(1), Buffer.from('moov'), Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), Buffer.alloc(16)])],
    ['zero-size boxes', Buffer.alloc(4096)],
    ['size smaller than its header', Buffer.concat([u32(3), Buffer.from('ftyp'), Buffer.alloc(32)])],
    ['deeply nested moov', (() => { let b = box('mvhd', Buffer.alloc(4)); for (let i = 0; i < 200; i++) b = box('trak', b); return box('moov', b) })()],
    ['keys with a lying count', box('moov', box('meta', box('hdlr', Buffer.alloc(25)), box('keys', u32(0), u32(0xffffffff), u32(0xffff)), box('ilst')))],
    ['truncated live.mov', fs.readFileSync(path.join(FIX, 'live.mov')).subarray(0, 900)],
    ['many top-level boxes', Buffer.concat(Array.from({ length: 5000 }, () => box('free')))],
  ]
  it.each(hostile)('survives %s (null, no throw, no hang)', async (name, bytes) => {
    const file = path.join(tmp, `${name.replace(/\W/g, '_')}.MOV`)
    fs.writeFileSync(file, bytes)
    // A hang fails by the test's timeout; how long these take is a bench figure (bench/codecs.bench.ts).
    const d = await readQuickTimeDate(file)
    expect(d === null || d.source.startsWith('quicktime')).toBe(true)
    // The still readers get the same garbage.
    for (const ext of ['.HEIC', '.JPG', '.PNG']) {
      const still = path.join(tmp, `${name.replace(/\W/g, '_')}${ext}`)
      fs.writeFileSync(still, bytes)
      await expect(readEmbeddedDate(still, ext)).resolves.toBeNull()
    }
  })

  it('reads a truncated JPEG and HEIC without throwing', async () => {
    for (const [n, ext] of [['photo.jpg', '.JPG'], ['photo.heic', '.HEIC']] as const) {
      const file = path.join(tmp, `trunc-${n}`)
      fs.writeFileSync(file, fs.readFileSync(path.join(FIX, n)).subarray(0, 60))
      const d = await readEmbeddedDate(file, ext)
      expect(d === null || typeof d.epochMs === 'number').toBe(true)
    }
  })
})
