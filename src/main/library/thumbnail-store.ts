/**
 * Thumbnails the phone made itself (issue 15): the small JPEG Photos keeps of every asset, copied
 * once during the import for files the window cannot show cheaply (HEIC, video), and kept in the
 * library's hidden `.cradle-thumbnails/<sha256 of the file>.jpg` (by content, so a duplicate from
 * another phone shares it and a catalog rebuild keeps it). Only a JPEG no bigger than
 * STORED_THUMBNAIL_MAX_BYTES is stored; a write is atomic (temp file, rename), so a reader sees a
 * whole picture or none. Losing the folder loses nothing but pictures.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { ThumbnailImage } from '../../shared/contract.js'
import { looksLike } from './thumbnails.js'
import { replaceAtomically } from '../folders/atomic-write.js'

export const THUMBNAILS_DIR = '.cradle-thumbnails'
/** iOS's grid thumbnails are tens of KiB; anything far bigger is not one. */
export const STORED_THUMBNAIL_MAX_BYTES = 512 * 1024

const SHA256 = /^[0-9a-f]{64}$/

function fileOf(root: string, sha256: string): string | null {
  return SHA256.test(sha256) ? path.join(root, THUMBNAILS_DIR, `${sha256}.jpg`) : null
}

const isJpeg = (bytes: Uint8Array): boolean => looksLike(bytes, 'image/jpeg')

/** Whether a stored thumbnail exists for the file with this hash (a stat; the queue asks per page). */
export function hasStoredThumbnail(root: string, sha256: string): boolean {
  const file = fileOf(root, sha256)
  return file !== null && fs.existsSync(file)
}

/** Stores a thumbnail; false when the bytes are not a small JPEG (nothing written then). */
export async function storeThumbnail(root: string, sha256: string, bytes: Buffer): Promise<boolean> {
  const file = fileOf(root, sha256)
  if (!file || bytes.length > STORED_THUMBNAIL_MAX_BYTES || !isJpeg(bytes)) return false
  await fs.promises.mkdir(path.dirname(file), { recursive: true })
  // A thumbnail is a cache of the phone's: one lost in a crash is copied again.
  await replaceAtomically(file, bytes, { durable: false })
  return true
}

/** The stored thumbnail of the file with this hash, or null. */
export async function readStoredThumbnail(root: string, sha256: string): Promise<ThumbnailImage | null> {
  const file = fileOf(root, sha256)
  if (!file) return null
  try {
    const bytes = await fs.promises.readFile(file)
    return isJpeg(bytes) ? { contentType: 'image/jpeg', bytes } : null
  } catch {
    return null
  }
}
