/**
 * Writes the XMP sidecars beside library files (`2024/2024-05/IMG_0003.HEIC.xmp`). Called after an
 * import and after the phone's metadata was read again: a sidecar is rewritten only when its text
 * changes (an album or the favorite changed), replaced atomically (temp file opened `wx`, fsynced,
 * renamed over the old one), so a crash leaves the old or the new sidecar, never half of one. A
 * sidecar Cradle cannot read (another tool wrote something broken) is moved under
 * `.cradle-damaged/` first, never overwritten. A failure here never fails the backup: the photo is
 * safe without its sidecar, and the next sync tries again.
 */
import fs from 'node:fs'
import type { CradleError } from '../../shared/errors.js'
import { errnoOf, mapFsError } from '../library/library-fs.js'
import { resolveInside } from '../library/placement.js'
import { replaceAtomically } from '../folders/atomic-write.js'
import { moveAside } from '../library/scrub.js'
import { createLogger, type Logger } from '../logging/logger.js'
import type { PhotoMetadata } from './photo-metadata.js'
import { renderXmpUpdate, sidecarNameFor } from './xmp-sidecar.js'

export interface SidecarItem {
  /** The library file the sidecar describes, relative to the root with '/' separators. */
  libraryPath: string
  meta: PhotoMetadata
}

export interface SidecarSyncReport {
  written: number
  unchanged: number
  /** Unreadable sidecars moved aside before a fresh one took their name (paths under the root). */
  setAside: string[]
  failed: { libraryPath: string; error: CradleError }[]
}

export interface SidecarOptions {
  now?: () => number
  log?: Logger
}

/** The sidecar's library path for a library file's path. */
export function sidecarPathFor(libraryPath: string): string {
  const slash = libraryPath.lastIndexOf('/')
  return `${libraryPath.slice(0, slash + 1)}${sidecarNameFor(libraryPath.slice(slash + 1))}`
}

async function readIfThere(file: string): Promise<string | undefined> {
  try {
    return await fs.promises.readFile(file, 'utf8')
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined
    throw error
  }
}

/** Writes or updates one sidecar; 'unchanged' when it already says exactly this. */
export async function writeSidecar(root: string, item: SidecarItem, opts: SidecarOptions = {}): Promise<{ outcome: 'written' | 'unchanged'; setAside?: string }> {
  const file = resolveInside(root, item.libraryPath)
  // A sidecar without its photo would describe nothing (and look like a stray file).
  await fs.promises.stat(file)
  const rel = sidecarPathFor(item.libraryPath)
  const target = resolveInside(root, rel)
  const existing = await readIfThere(target)
  const update = renderXmpUpdate(item.meta, existing)
  if (existing === update.text) return { outcome: 'unchanged' }
  let setAside: string | undefined
  if (update.unreadable && existing !== undefined) {
    setAside = moveAside(root, rel, (opts.now ?? Date.now)())
    opts.log?.warn('sidecar could not be read; kept aside and written afresh', { path: rel, aside: setAside, reason: update.reason })
  }
  await replaceAtomically(target, update.text, { durable: true })
  return { outcome: 'written', setAside }
}

/** Brings every item's sidecar up to date; per-file failures are reported, never thrown. */
export async function syncSidecars(root: string, items: readonly SidecarItem[], opts: SidecarOptions = {}): Promise<SidecarSyncReport> {
  const log = opts.log ?? createLogger('photos/sidecars')
  const report: SidecarSyncReport = { written: 0, unchanged: 0, setAside: [], failed: [] }
  for (const item of items) {
    try {
      const r = await writeSidecar(root, item, { ...opts, log })
      if (r.outcome === 'written') report.written++
      else report.unchanged++
      if (r.setAside) report.setAside.push(r.setAside)
    } catch (error) {
      const err = await mapFsError(error, root, `writing the sidecar of ${item.libraryPath}`)
      report.failed.push({ libraryPath: item.libraryPath, error: err })
      log.warn('sidecar not written', { path: item.libraryPath, code: err.code, error: err.message })
      // Without the library folder no other sidecar can be written either.
      if (err.code === 'library-missing') break
    }
  }
  if (report.written > 0 || report.failed.length > 0) log.info('sidecars synced', { written: report.written, unchanged: report.unchanged, failed: report.failed.length })
  return report
}
