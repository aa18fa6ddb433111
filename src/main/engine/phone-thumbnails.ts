/**
 * Copies the phone's own thumbnail of a Photos asset into the library's thumbnail store, once, right
 * after a file of it that the window cannot picture cheaply (HEIC, video) was imported. Photos keeps
 * small JPEGs under /PhotoData/Thumbnails/V2/<ZDIRECTORY>/<ZFILENAME>/; 5005.JPG is the one the
 * sources name (photos/README.md), and another <number>.JPG there (the highest) stands in for it.
 * A few requests at most, and nothing here ever fails an import: a missing or odd thumbnail only
 * means the row shows its kind, as before.
 */
import { Writable } from 'node:stream'
import { CradleError } from '../../shared/errors.js'
import type { Library } from '../library/library.js'
import { STORED_THUMBNAIL_MAX_BYTES } from '../library/thumbnail-store.js'
import type { Logger } from '../logging/logger.js'
import type { PhoneFiles } from './phone-port.js'

export const PHONE_THUMBNAILS_ROOT = '/PhotoData/Thumbnails/V2'
export const PREFERRED_THUMBNAIL = '5005.JPG'

export interface PhoneThumbnailDeps {
  udid: string
  files: PhoneFiles
  library: Library
  log: Logger
}

/** The folder of an asset's thumbnails: its original's AFC path below the thumbnails root. */
export const thumbnailFolder = (phonePath: string): string => `${PHONE_THUMBNAILS_ROOT}${phonePath}`

/** Best effort: true when a thumbnail was stored. */
export async function copyPhoneThumbnail(deps: PhoneThumbnailDeps, deviceFileId: number, signal: AbortSignal): Promise<boolean> {
  try {
    const wanted = deps.library.phoneThumbnailWanted(deviceFileId)
    if (!wanted) return false
    const folder = thumbnailFolder(wanted.phonePath)
    const file = await pick(deps.files, folder, signal)
    if (!file) {
      deps.log.debug('the phone keeps no thumbnail for this photo', { udid: deps.udid, folder })
      return false
    }
    const bytes = await fetchSmall(deps.files, file.path, file.size, signal)
    const stored = await deps.library.storeThumbnail(wanted.sha256, bytes)
    if (!stored) deps.log.debug('the phone\'s thumbnail is not a small JPEG; not kept', { udid: deps.udid, path: file.path })
    return stored
  } catch (error) {
    deps.log.debug('could not copy the phone\'s thumbnail', { udid: deps.udid, deviceFileId, error })
    return false
  }
}

async function pick(files: PhoneFiles, folder: string, signal: AbortSignal): Promise<{ path: string; size: number } | null> {
  const preferred = `${folder}/${PREFERRED_THUMBNAIL}`
  const [s] = await files.statMany([preferred], signal)
  if (s && !(s instanceof CradleError) && s.type === 'file') return { path: preferred, size: s.size }
  const names = await files.listDir(folder, signal).catch(() => [])
  const numbered = names.filter((n) => /^\d+\.jpe?g$/i.test(n)).sort((a, b) => parseInt(b, 10) - parseInt(a, 10))
  if (numbered.length === 0) return null
  const other = `${folder}/${numbered[0]!}`
  const [o] = await files.statMany([other], signal)
  return o && !(o instanceof CradleError) && o.type === 'file' ? { path: other, size: o.size } : null
}

async function fetchSmall(files: PhoneFiles, path: string, size: number, signal: AbortSignal): Promise<Buffer> {
  if (size <= 0 || size > STORED_THUMBNAIL_MAX_BYTES) return Buffer.alloc(0)
  const chunks: Buffer[] = []
  let total = 0
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      total += chunk.length
      if (total > STORED_THUMBNAIL_MAX_BYTES) return done(new Error('thumbnail larger than it said'))
      chunks.push(chunk)
      done()
    },
  })
  await files.download(path, sink, { offset: 0, signal, size })
  return Buffer.concat(chunks)
}
