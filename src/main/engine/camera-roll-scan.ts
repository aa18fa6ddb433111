/**
 * Lists a phone's camera roll (/DCIM/<folder>/<file>) fast enough for 50,000 items.
 *
 * The fast no-op re-check: every folder is listed (one pipelined request each), but the files of a
 * folder are stat'ed only when its signature — the sorted entry names plus the folder's own mtime —
 * differs from the last scan. Why that is safe: iOS never rewrites a DCIM original in place (an edit
 * is a new IMG_E… file plus an .AAE sidecar), so a file's size and dates change only if the file is
 * replaced, which removes and adds a directory entry and so changes the folder's mtime; a new or
 * deleted file changes the listing itself. A file we could not read (iCloud-only) is retried on the
 * next connection from the catalog, whatever the signature.
 */
import type { FolderScan } from '../library/scan-plan.js'
import { folderSignature } from '../library/scan-plan.js'
import type { SourceFile } from '../library/source.js'
import type { PhoneFiles } from './phone-port.js'

export const DCIM = '/DCIM'

/** What the scan asks of the library's catalog of earlier listings. */
export interface FolderListingStore {
  changedFolders(udid: string, folders: readonly { folder: string; signature: string }[]): string[]
}

export interface CameraRollScan {
  folders: FolderScan[]
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
  const folders = topPaths.flatMap((p, i) => (topStats[i]?.type === 'dir' ? [{ folder: p, mtimeNs: topStats[i]!.mtimeNs }] : []))

  // Every listing at once: the AFC client pipelines them over one connection.
  const listings = await Promise.all(
    folders.map(async ({ folder, mtimeNs }) => {
      const names = (await files.listDir(folder, signal)).filter((n) => !hidden(n))
      return { folder, names, signature: folderSignature(names, mtimeNs) }
    }),
  )
  const changed = new Set(store.changedFolders(udid, listings))
  let statted = 0
  const scans = await Promise.all(
    listings.map(async ({ folder, names, signature }): Promise<FolderScan> => {
      if (!changed.has(folder)) return { folder, signature }
      const paths = names.map((n) => `${folder}/${n}`)
      const stats = await files.statMany(paths, signal)
      statted += paths.length
      const found: SourceFile[] = []
      stats.forEach((s, i) => {
        if (s?.type === 'file') found.push({ path: paths[i]!, size: s.size, mtimeNs: s.mtimeNs, birthtimeNs: s.birthtimeNs })
      })
      return { folder, signature, files: found }
    }),
  )
  return { folders: scans, statted, reused: scans.length - changed.size }
}
