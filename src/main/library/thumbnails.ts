/**
 * Thumbnails where they are cheap (issue 7): the EXIF thumbnail a JPEG carries, or a small JPEG or
 * PNG (a screenshot) whole, which the window scales. HEIC keeps its preview as an HEVC image that
 * Chromium cannot show and MOV has none without decoding, so those get no picture from the file:
 * nothing here decodes or resizes, and a request costs at most one 128 KiB read (or one small file).
 * For those the phone's own thumbnail, kept at import, stands in (thumbnail-store.ts).
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import type { ThumbnailImage } from '../../shared/contract.js'
import { resolveBelow } from '../folders/inside.js'
import { EXIF_HEAD_BYTES, findExifThumbnail } from './exif-thumbnail.js'

/** Files up to this size are shown whole when they carry no thumbnail of their own. */
export const SMALL_IMAGE_BYTES = 256 * 1024

const CONTENT_TYPES: Readonly<Record<string, ThumbnailImage['contentType']>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
}

/** A file is shown whole only if it is what its name says (not empty, not an HEIC named .JPG). */
const MAGIC: Readonly<Record<ThumbnailImage['contentType'], readonly number[]>> = {
  'image/jpeg': [0xff, 0xd8, 0xff],
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
}

/** Whether `bytes` begin as an image of this type does (its magic number). */
export function looksLike(bytes: Uint8Array, contentType: ThumbnailImage['contentType']): boolean {
  const magic = MAGIC[contentType]
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b)
}

/** Whether a library file may have a cheap thumbnail: the queue asks only for those. */
export function mayHaveThumbnail(libraryPath: string | null): boolean {
  return libraryPath !== null && path.extname(libraryPath).toLowerCase() in CONTENT_TYPES
}

/**
 * The thumbnail of `libraryPath` (relative to `root`), or null when there is no cheap one, the
 * file is gone or unreadable, or the path would leave the library.
 */
export async function readThumbnail(root: string, libraryPath: string): Promise<ThumbnailImage | null> {
  const contentType = CONTENT_TYPES[path.extname(libraryPath).toLowerCase()]
  if (!contentType) return null
  const file = resolveBelow(root, libraryPath)
  if (file === null) return null
  let handle: fs.FileHandle | undefined
  try {
    handle = await fs.open(file, 'r')
    const { size } = await handle.stat()
    // A small file is read whole (it may be shown whole); a big one only as far as its EXIF block.
    const head = Buffer.alloc(size <= SMALL_IMAGE_BYTES ? size : EXIF_HEAD_BYTES)
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    const bytes = head.subarray(0, bytesRead)
    if (contentType === 'image/jpeg') {
      const embedded = findExifThumbnail(bytes)
      if (embedded) return { contentType: 'image/jpeg', bytes: Buffer.from(embedded) }
    }
    const whole = size <= SMALL_IMAGE_BYTES && bytesRead === size && looksLike(bytes, contentType)
    return whole ? { contentType, bytes } : null
  } catch {
    return null
  } finally {
    await handle?.close()
  }
}
