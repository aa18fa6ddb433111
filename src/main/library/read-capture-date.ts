/**
 * Picks the capture-date reader by file type and falls back to the source's birth time, then its
 * modification time, then the import time. A reader that hangs on a hostile file is cut off.
 */
import { fromInstant, nsToMs, type CaptureDate } from './capture-date.js'
import { readExifDate } from './exif-date.js'
import { isVideoExt } from './naming.js'
import { readQuickTimeDate } from './quicktime-date.js'

const READ_TIMEOUT_MS = 10_000
const STILL_EXT = new Set(['.heic', '.heif', '.jpg', '.jpeg', '.png', '.tif', '.tiff', '.dng', '.webp', '.avif'])

function withTimeout<T>(p: Promise<T | null>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms)
  })
  return Promise.race([p.catch(() => null), timeout]).finally(() => clearTimeout(timer))
}

/** Reads what the file says; null when it says nothing usable. */
export async function readEmbeddedDate(file: string, ext: string): Promise<CaptureDate | null> {
  const e = ext.toLowerCase()
  if (isVideoExt(e)) return withTimeout(readQuickTimeDate(file), READ_TIMEOUT_MS)
  if (STILL_EXT.has(e)) return withTimeout(readExifDate(file), READ_TIMEOUT_MS)
  return null
}

/** The date a file is filed under: embedded date, else birth time, else mtime, else `now`. */
export async function captureDateOf(
  file: string,
  ext: string,
  times: { birthtimeNs: bigint; mtimeNs: bigint },
  now: number,
): Promise<CaptureDate> {
  const embedded = await readEmbeddedDate(file, ext)
  if (embedded) return embedded
  return (
    (times.birthtimeNs > 0n ? fromInstant(nsToMs(times.birthtimeNs), 'birthtime') : null) ??
    (times.mtimeNs > 0n ? fromInstant(nsToMs(times.mtimeNs), 'mtime') : null) ??
    fromInstant(now, 'import-time')!
  )
}
