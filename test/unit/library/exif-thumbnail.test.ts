import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { findExifThumbnail } from '../../../src/main/library/exif-thumbnail.js'
import { Rng } from '../../../src/sim/roll/rng.js'

const MEDIA = path.resolve(import.meta.dirname, '../../fixtures/media')
const read = (name: string): Buffer => fs.readFileSync(path.join(MEDIA, name))

/** A JPEG whose APP1 holds a TIFF with IFD0 (one entry) → IFD1 (the two thumbnail tags). */
function jpegWithThumbnail(thumb: Buffer, opts: { little?: boolean; lengthDelta?: number; offsetType?: 3 | 4 } = {}): Buffer {
  const little = opts.little ?? false
  const tiff = Buffer.alloc(8 + 2 + 12 + 4 + 2 + 24 + 4 + thumb.length)
  const u16 = (at: number, v: number): void => void (little ? tiff.writeUInt16LE(v, at) : tiff.writeUInt16BE(v, at))
  const u32 = (at: number, v: number): void => void (little ? tiff.writeUInt32LE(v, at) : tiff.writeUInt32BE(v, at))
  tiff.write(little ? 'II' : 'MM', 0, 'latin1')
  u16(2, 42)
  u32(4, 8) // IFD0 at 8
  u16(8, 1) // one entry: Orientation = 1
  u16(10, 0x0112); u16(12, 3); u32(14, 1); u16(18, 1)
  const ifd1 = 8 + 2 + 12 + 4
  u32(8 + 2 + 12, ifd1)
  u16(ifd1, 2)
  const dataAt = ifd1 + 2 + 24 + 4
  const offsetType = opts.offsetType ?? 4
  u16(ifd1 + 2, 0x0201); u16(ifd1 + 4, offsetType); u32(ifd1 + 6, 1)
  if (offsetType === 4) u32(ifd1 + 10, dataAt)
  else u16(ifd1 + 10, dataAt)
  u16(ifd1 + 14, 0x0202); u16(ifd1 + 16, 4); u32(ifd1 + 18, 1); u32(ifd1 + 22, thumb.length + (opts.lengthDelta ?? 0))
  u32(ifd1 + 26, 0) // no IFD2
  thumb.copy(tiff, dataAt)
  const app1Body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (app1Body.length + 2) >> 8, (app1Body.length + 2) & 0xff]), app1Body])
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app1, Buffer.from([0xff, 0xda, 0, 2, 0xff, 0xd9])])
}

const TINY_JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xd9, 1, 2, 3, 4])

describe('findExifThumbnail', () => {
  it('finds the thumbnail exiftool embedded in the camera-roll JPEG templates', () => {
    for (const name of ['photo0.jpg', 'photo1.jpg', 'photo2.jpg', 'photo3.jpg']) {
      const file = read(name)
      const thumb = findExifThumbnail(file)
      expect(thumb, name).not.toBeNull()
      // A complete JPEG of its own, much smaller than the photo, taken from inside the file.
      expect([...thumb!.subarray(0, 2)]).toEqual([0xff, 0xd8])
      expect([...thumb!.subarray(-2)]).toEqual([0xff, 0xd9])
      expect(thumb!.length).toBeLessThan(file.length)
      expect(file.indexOf(Buffer.from(thumb!))).toBeGreaterThan(0)
    }
  })

  it('reads big- and little-endian TIFF and SHORT or LONG offsets', () => {
    expect(Buffer.from(findExifThumbnail(jpegWithThumbnail(TINY_JPEG))!)).toEqual(TINY_JPEG)
    expect(Buffer.from(findExifThumbnail(jpegWithThumbnail(TINY_JPEG, { little: true }))!)).toEqual(TINY_JPEG)
    expect(Buffer.from(findExifThumbnail(jpegWithThumbnail(TINY_JPEG, { offsetType: 3 }))!)).toEqual(TINY_JPEG)
  })

  it('answers null for files without one: HEIC, PNG, a JPEG with EXIF but no IFD1, not a JPEG', () => {
    expect(findExifThumbnail(read('photo0.heic'))).toBeNull()
    expect(findExifThumbnail(read('screenshot.png'))).toBeNull()
    expect(findExifThumbnail(fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/library/photo.jpg')))).toBeNull()
    expect(findExifThumbnail(new Uint8Array(0))).toBeNull()
  })

  it('answers null when the thumbnail is not a JPEG or runs past the block', () => {
    expect(findExifThumbnail(jpegWithThumbnail(Buffer.from('not a jpeg at all')))).toBeNull()
    expect(findExifThumbnail(jpegWithThumbnail(TINY_JPEG, { lengthDelta: 1 }))).toBeNull()
    expect(findExifThumbnail(jpegWithThumbnail(TINY_JPEG, { lengthDelta: 0x7fff_0000 }))).toBeNull()
  })

  it('answers null, never throws, for a truncated head (the reader only gives it the first bytes)', () => {
    const file = read('photo0.jpg')
    const whole = findExifThumbnail(file)!
    const end = file.indexOf(Buffer.from(whole)) + whole.length
    for (let n = 0; n < end; n += 7) expect(findExifThumbnail(file.subarray(0, n))).toBeNull()
    expect(findExifThumbnail(file.subarray(0, end + 64))).not.toBeNull()
  })

  it('survives 5,000 seeded corruptions of a real file without throwing', () => {
    const file = read('photo1.jpg')
    const rng = new Rng(20261125)
    const random = (): number => rng.nextU32() / 2 ** 32
    for (let i = 0; i < 5000; i++) {
      const bytes = Buffer.from(file.subarray(0, 1 + Math.floor(random() * file.length)))
      for (let k = 0; k < 1 + Math.floor(random() * 8); k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256)
      const thumb = findExifThumbnail(bytes)
      if (thumb !== null) expect(thumb[0]).toBe(0xff)
    }
  })
})
