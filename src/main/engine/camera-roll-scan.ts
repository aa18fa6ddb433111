/**
 * Lists a phone's camera roll (/DCIM/<folder>/<file>) fast enough for 50,000 items.
 *
 * The fast no-op re-check: every folder is listed (one pipelined request each), but the files of a
 * folder are stat'ed only when its signature — the sorted entry names plus the folder's own mtime —
 * differs from the last scan. Why that is safe: iOS never rewrites a DCIM original in place (an edit
 * is a new IMG_E… file plus an .AAE sidecar), so a file's size and dates change only if the file is
 * replaced, which removes and adds a directory entry and so changes the folder's mtime; a new or
 * deleted file changes the listing itself. A file we could not read (iCloud-only, or refused) is
 * retried on the next connection from the catalog, whatever the signature; a file whose stat was
 * refused keeps its row, and its folder is stat'ed again next time.
 */
import { CradleError } from '../../shared/errors.js'
import type { FolderScan } from '../library/scan-plan.js'
import { folderSignature } from '../library/scan-plan.js'
import type { SourceFile } from '../library/source.js'
import type { PhoneFiles } from './phone-port.js'

export const DCIM = '/DCIM'
/** Marks a stored folder signature whose listing had refused stats (never equal to a real one). */
const INCOMPLETE = ':incomplete'

/** What the scan asks of the library's catalog of earlier listings. */
export interface FolderListingStore {
  changedFolders(udid: string, folders: readonly { folder: string; signature: string }[]): string[]
}

export interface CameraRollScan {
  folders: FolderScan[]
  /** Listed files whose stat the phone refused: the path and the error (with its AFC status). */
  refused: { path: string; error: CradleError }[]
  /** Files stat'ed this time (0 on a no-op re-check). */
  statted: number
  /** Folders whose stored listing was reused. */
  reused: number
}

const hidden = (name: string): boolean => name.startsWith('.')

export async function scanCameraRoll(files: PhoneFiles, udid: string, store: FolderListingStore, signal: AbortSignal): Promise<CameraRollScan> {
  const top = (await files.listDir(DCIM, signal)).filter((n) => !hidden(n))
  const topPaths = top.map((n) => `${DCIM}/${n}`)
  const topStats = await files.statMany(topPaths, signal)
  // A folder whose stat is refused cannot be told from a file: the scan stops rather than take
  // its files for deleted.
  const refusedFolder = topStats.find((s) => s instanceof CradleError)
  if (refusedFolder) throw refusedFolder
  const folders = topPaths.flatMap((p, i) => {
    const s = topStats[i]
    return s && !(s instanceof CradleError) && s.type === 'dir' ? [{ folder: p, mtimeNs: s.mtimeNs }] : []
  })

  // Every listing at once: the AFC client pipelines them over one connection.
  const listings = await Promise.all(
    folders.map(async ({ folder, mtimeNs }) => {
      const names = (await files.listDir(folder, signal)).filter((n) => !hidden(n))
      return { folder, names, signature: folderSignature(names, mtimeNs) }
    }),
  )
  const changed = new Set(store.changedFolders(udid, listings))
  let statted = 0
  const refused: CameraRollScan['refused'] = []
  const scans = await Promise.all(
    listings.map(async ({ folder, names, signature }): Promise<FolderScan> => {
      if (!changed.has(folder)) return { folder, signature }
      const paths = names.map((n) => `${folder}/${n}`)
      const stats = await files.statMany(paths, signal)
      statted += paths.length
      const found: SourceFile[] = []
      const unstatted: string[] = []
      stats.forEach((s, i) => {
        if (s instanceof CradleError) {
          unstatted.push(paths[i]!)
          refused.push({ path: paths[i]!, error: s })
        } else if (s?.type === 'file') found.push({ path: paths[i]!, size: s.size, mtimeNs: s.mtimeNs, birthtimeNs: s.birthtimeNs })
      })
      // A signature no listing can have: the next scan stats this folder again, refused files too.
      if (unstatted.length > 0) return { folder, signature: `${signature}${INCOMPLETE}`, files: found, unstatted }
      return { folder, signature, files: found }
    }),
  )
  return { folders: scans, refused, statted, reused: scans.length - changed.size }
}
