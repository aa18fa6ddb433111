/**
 * Finds the JPEG thumbnail a camera embeds in a JPEG's EXIF block (IFD1: JPEGInterchangeFormat
 * 0x0201 + JPEGInterchangeFormatLength 0x0202). iPhones in "Most Compatible" mode write one of
 * 160×120, so the window gets a picture from the first 64 KiB of the file without decoding the
 * photo. Pure: bytes in, a slice (or null) out; every offset is checked against the bytes given,
 * so a hostile or truncated file only ever yields null.
 *
 * Why not exifr's thumbnail(): it opens the file itself (and on HEIC leaves the handle open); here
 * the caller reads a bounded head once and nothing else touches the disk.
 */

/** An APP1 segment is at most 64 KiB, and EXIF must be the first or second segment. */
export const EXIF_HEAD_BYTES = 128 * 1024

const SOI = 0xd8
const APP1 = 0xe1
const SOS = 0xda
const EOI = 0xd9
const TAG_THUMBNAIL_OFFSET = 0x0201
const TAG_THUMBNAIL_LENGTH = 0x0202
const MAX_SEGMENTS = 32

/** The embedded thumbnail (a complete JPEG) inside `head`, or null when there is none or it is damaged. */
export function findExifThumbnail(head: Uint8Array): Uint8Array | null {
  const tiff = exifTiffBlock(head)
  return tiff === null ? null : thumbnailInTiff(tiff)
}

/** The TIFF structure of the first APP1 "Exif\0\0" segment, before the first scan. */
function exifTiffBlock(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return null
  let at = 2
  for (let segment = 0; segment < MAX_SEGMENTS && at + 4 <= bytes.length; segment++) {
    if (bytes[at] !== 0xff) return null
    const marker = bytes[at + 1]!
    if (marker === 0xff) { at += 1; continue } // fill byte
    if (marker === SOS || marker === EOI) return null
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!
    if (length < 2) return null
    const body = at + 4
    const end = at + 2 + length
    if (marker === APP1 && end <= bytes.length && length >= 8 && isExifHeader(bytes, body)) return bytes.subarray(body + 6, end)
    at = end
  }
  return null
}

function isExifHeader(bytes: Uint8Array, at: number): boolean {
  // "Exif\0\0"
  return bytes[at] === 0x45 && bytes[at + 1] === 0x78 && bytes[at + 2] === 0x69 && bytes[at + 3] === 0x66 && bytes[at + 4] === 0 && bytes[at + 5] === 0
}

function thumbnailInTiff(tiff: Uint8Array): Uint8Array | null {
  if (tiff.length < 8) return null
  const little = tiff[0] === 0x49 && tiff[1] === 0x49
  const big = tiff[0] === 0x4d && tiff[1] === 0x4d
  if (!little && !big) return null
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength)
  const u16 = (at: number): number => view.getUint16(at, little)
  const u32 = (at: number): number => view.getUint32(at, little)
  if (u16(2) !== 42) return null

  const ifd0 = u32(4)
  const ifd1 = nextIfd(ifd0)
  if (ifd1 === null || ifd1 === 0 || ifd1 === ifd0) return null
  const count = entryCount(ifd1)
  if (count === null) return null
  let offset: number | null = null
  let length: number | null = null
  for (let i = 0; i < count; i++) {
    const entry = ifd1 + 2 + i * 12
    const tag = u16(entry)
    if (tag === TAG_THUMBNAIL_OFFSET) offset = longValue(entry)
    else if (tag === TAG_THUMBNAIL_LENGTH) length = longValue(entry)
  }
  if (offset === null || length === null || length < 4 || offset + length > tiff.length) return null
  const jpeg = tiff.subarray(offset, offset + length)
  return jpeg[0] === 0xff && jpeg[1] === SOI ? jpeg : null

  function entryCount(ifd: number): number | null {
    if (ifd < 8 || ifd + 2 > tiff.length) return null
    const n = u16(ifd)
    return ifd + 2 + n * 12 + 4 <= tiff.length ? n : null
  }
  function nextIfd(ifd: number): number | null {
    const n = entryCount(ifd)
    return n === null ? null : u32(ifd + 2 + n * 12)
  }
  /** SHORT (3) or LONG (4), one value, stored in the entry itself. */
  function longValue(entry: number): number | null {
    const type = u16(entry + 2)
    if (u32(entry + 4) !== 1) return null
    if (type === 4) return u32(entry + 8)
    if (type === 3) return u16(entry + 8)
    return null
  }
}
