/**
 * The sidecar text for a library file: rendered over the library's own sidecar when there is one,
 * so what digiKam or Lightroom added there travels to the destinations too.
 */
import fs from 'node:fs'
import { errnoOf } from '../library/library-fs.js'
import { resolveInside } from '../library/placement.js'
import type { PhotoMetadata } from './photo-metadata.js'
import { sidecarPathFor } from './sidecar-writer.js'
import { renderXmp } from './xmp-sidecar.js'

export async function librarySidecarText(root: string, libraryPath: string, meta: PhotoMetadata): Promise<string> {
  let existing: string | undefined
  try {
    existing = await fs.promises.readFile(resolveInside(root, sidecarPathFor(libraryPath)), 'utf8')
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error
  }
  return renderXmp(meta, existing)
}
