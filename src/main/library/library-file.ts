/**
 * A queue item's file in the library, as something to open or stream: the catalog's relative
 * path resolved against the library root with every link followed, and refused unless the real
 * file is a regular file inside the real root. The catalog's path is ours, but the folder is the
 * user's (and a disk can be swapped): a link in it may point anywhere, so the check is on the
 * resolved path, not the written one.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import type { LibraryFile } from '../../shared/contract.js'
import { CradleError } from '../../shared/errors.js'
import { isInside } from '../folders/inside.js'
import { errnoOf } from './library-fs.js'

/**
 * What the window is told a file is. Anything not listed is application/octet-stream (with
 * nosniff it is downloaded, never shown as a page): no type that can run script is ever named.
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.heic': 'image/heic',
  '.heif': 'image/heif',
  '.dng': 'image/x-adobe-dng',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.mov': 'video/quicktime',
  '.mp4': 'video/mp4',
  '.m4v': 'video/x-m4v',
  // An edit's recipe (a plist in XML): shown as text, never parsed as XML by the browser.
  '.aae': 'text/plain; charset=utf-8',
}

export function contentTypeOf(fileName: string): string {
  return CONTENT_TYPES[path.extname(fileName).toLowerCase()] ?? 'application/octet-stream'
}

function notInLibrary(detail: string, libraryPath: string): CradleError {
  return new CradleError('not-in-library', detail, { context: { path: libraryPath } })
}

/**
 * The library file at `libraryPath` (relative to `root`). Throws not-in-library when the path
 * would leave the library (written or through a link), is not a regular file, or is gone.
 */
export async function resolveLibraryFile(root: string, libraryPath: string): Promise<LibraryFile> {
  if (path.isAbsolute(libraryPath) || libraryPath.includes('\0') || libraryPath.split(/[\\/]/).includes('..')) {
    throw notInLibrary('the catalog path leaves the library', libraryPath)
  }
  let realRoot: string
  let real: string
  try {
    realRoot = await fs.realpath(path.resolve(root))
    real = await fs.realpath(path.resolve(root, libraryPath))
  } catch (error) {
    const code = errnoOf(error)
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') throw notInLibrary(`${libraryPath}: ${code}`, libraryPath)
    throw error
  }
  if (real === realRoot || !isInside(realRoot, real)) throw notInLibrary(`${libraryPath} leads out of the library (${real})`, libraryPath)
  const stat = await fs.stat(real)
  if (!stat.isFile()) throw notInLibrary(`${libraryPath} is not a file`, libraryPath)
  return { path: real, contentType: contentTypeOf(real), size: stat.size }
}
