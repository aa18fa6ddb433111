/**
 * Capture date of stills (HEIC, JPEG, PNG, TIFF/DNG) via exifr.
 *
 * Why exifr (7.x): maintained, pure JS with no native build, reads HEIC/JPEG/PNG/TIFF from a
 * file path by reading only the header chunks (not the whole photo), returns raw strings with
 * `reviveValues: false` so we apply OffsetTimeOriginal ourselves instead of it guessing a zone.
 * It does not read QuickTime/MP4, hence quicktime-date.ts. exiftool (Perl) is more complete but
 * is a separate program per call; exifreader/exif-parser miss HEIC or PNG.
 */
import fsp from 'node:fs/promises'
import exifr from 'exifr'
import { parseExifDate, parseIsoDate, type CaptureDate } from './capture-date.js'

/** Smaller than any real JPEG/HEIC/PNG header with metadata. */
const MIN_IMAGE_BYTES = 64

const OPTIONS: Exclude<Parameters<typeof exifr.parse>[1], boolean | unknown[] | undefined> = {
  reviveValues: false,
  translateValues: false,
  translateKeys: true,
  mergeOutput: true,
  tiff: true,
  exif: true,
  xmp: true,
  ifd1: false,
  gps: false,
  interop: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  // A hostile file cannot make exifr read more than this from disk.
  chunkLimit: 8,
}

type Tags = Record<string, unknown>

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  // XMP values with a language come as { lang, value }.
  if (v && typeof v === 'object' && 'value' in v && typeof (v as { value: unknown }).value === 'string') return (v as { value: string }).value
  return undefined
}

/** Picks the best date from exifr's merged tags: EXIF original, then digitized, then XMP. */
export function dateFromTags(tags: Tags): CaptureDate | null {
  return (
    parseExifDate(tags.DateTimeOriginal, tags.OffsetTimeOriginal ?? tags.OffsetTime) ??
    parseExifDate(tags.CreateDate ?? tags.DateTimeDigitized, tags.OffsetTimeDigitized ?? tags.OffsetTime) ??
    parseIsoDate(str(tags.DateTimeOriginal), 'xmp') ??
    parseIsoDate(str(tags.DateCreated), 'xmp') ??
    parseIsoDate(str(tags.CreateDate), 'xmp')
  )
}

/** Reads the capture date of a still; null when absent or unreadable (never throws). */
export async function readExifDate(file: string): Promise<CaptureDate | null> {
  try {
    // exifr leaves its file handle open when it gives up on a file too small to be an image
    // (Node then warns "closing file descriptor on garbage collection"): such files have no date.
    if ((await fsp.stat(file)).size < MIN_IMAGE_BYTES) return null
    const tags = (await exifr.parse(file, OPTIONS)) as Tags | undefined
    return tags ? dateFromTags(tags) : null
  } catch {
    return null
  }
}
