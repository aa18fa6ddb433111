import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { crc32 } from 'node:zlib'
import exifr from 'exifr'
import { describe, expect, it } from 'vitest'
import { TEMPLATE_BASE64 } from '../../../src/sim/roll/template-bytes.js'
import { stamp, template, templates } from '../../../src/sim/roll/templates.js'

const MEDIA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/media')
const ID = Buffer.from('00112233445566778899aabbccddeeff', 'hex')
// 2023-07-31T16:30:05Z at +09:00 is 2023-08-01 01:30:05 local.
const S = { utcMs: Date.parse('2023-07-31T16:30:05Z'), offsetMinutes: 540, id: ID }

describe('media templates', () => {
  it('embeds exactly the committed files of test/fixtures/media', () => {
    const files = readdirSync(MEDIA).filter((n) => /\.(heic|jpg|png|mov)$/.test(n)).sort()
    expect(Object.keys(TEMPLATE_BASE64).sort()).toEqual(files)
    for (const f of files) expect(Buffer.from(TEMPLATE_BASE64[f]!, 'base64').equals(readFileSync(path.join(MEDIA, f))), f).toBe(true)
    expect(files.reduce((s, f) => s + readFileSync(path.join(MEDIA, f)).length, 0)).toBeLessThan(80_000)
  })

  it('stamps JPEG and HEIC EXIF date, offset and unique id without changing the length', async () => {
    for (const name of ['photo0.jpg', 'photo3.heic']) {
      const t = template(name)
      const out = stamp(t, S)
      expect(out.length).toBe(t.bytes.length)
      const tags = await exifr.parse(out, { pick: ['DateTimeOriginal', 'CreateDate', 'OffsetTimeOriginal', 'OffsetTime', 'ImageUniqueID'], reviveValues: false })
      expect(tags).toMatchObject({ DateTimeOriginal: '2023:08:01 01:30:05', CreateDate: '2023:08:01 01:30:05', OffsetTimeOriginal: '+09:00', OffsetTime: '+09:00', ImageUniqueID: '00112233445566778899AABBCCDDEEFF' })
    }
  })

  it('writes negative and quarter-hour offsets', async () => {
    const out = stamp(template('photo1.jpg'), { ...S, offsetMinutes: -210 })
    const tags = await exifr.parse(out, { pick: ['DateTimeOriginal', 'OffsetTimeOriginal'], reviveValues: false })
    expect(tags).toEqual({ DateTimeOriginal: '2023:07:31 13:00:05', OffsetTimeOriginal: '-03:30' })
  })

  it('stamps the PNG screenshot XMP and recomputes the chunk CRC', () => {
    const out = stamp(template('screenshot.png'), S)
    expect(out.toString('latin1')).toContain('2023-08-01T01:30:05+09:00')
    expect(out.toString('latin1')).toContain('00112233445566778899AABBCCDDEEFF')
    let at = 8
    while (at < out.length) {
      const len = out.readUInt32BE(at)
      expect(out.readUInt32BE(at + 8 + len), out.toString('latin1', at + 4, at + 8)).toBe(crc32(out.subarray(at + 4, at + 8 + len)))
      at += 12 + len
    }
  })

  it('stamps the MOV mvhd/tkhd/mdhd times, the Apple creation date and content identifier', () => {
    const t = template('video.mov')
    const out = stamp(t, S)
    const text = out.toString('latin1')
    expect(text).toContain('2023-08-01T01:30:05+0900')
    expect(text).toContain('2023-07-31T16:30:05Z')
    expect(text).toContain('00112233-4455-6677-8899-AABBCCDDEEFF')
    const qt = Date.parse('2023-07-31T16:30:05Z') / 1000 + 2_082_844_800
    for (const box of ['mvhd', 'tkhd', 'mdhd']) {
      const at = out.indexOf(box, 0, 'latin1')
      expect(out[at + 4], `${box} version`).toBe(0)
      expect(out.readUInt32BE(at + 8), `${box} creation`).toBe(qt)
      expect(out.readUInt32BE(at + 12), `${box} modification`).toBe(qt)
    }
    expect(t.sites.filter((s) => s.kind === 'qtTime32')).toHaveLength(6)
  })

  it('finds an id marker in every template', () => {
    for (const t of templates().values()) expect(t.sites.some((s) => s.kind === 'id32' || s.kind === 'uuid'), t.name).toBe(true)
  })
})
