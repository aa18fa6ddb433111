/**
 * The scan's second half: the phone's Photos library. It is read (photos/photo-library-reader.ts),
 * recorded in the catalog (albums, favorites, hidden, trashed, iCloud-only per asset, and which
 * phone file belongs to which asset), and the originals it keeps outside DCIM — downloaded from
 * iCloud into PhotoData/CPLAssets — become folders to import, each file filed under the photo's
 * original name. A library Cradle cannot use changes nothing: DCIM is backed up as before and one
 * plain log line says why (the device card says it too, from the catalog).
 */
import { CradleError } from '../../shared/errors.js'
import type { Library } from '../library/library.js'
import { folderSignature, type FolderScan } from '../library/scan-plan.js'
import type { SourceFile } from '../library/source.js'
import type { Logger } from '../logging/logger.js'
import { parseName, phoneFileName } from '../library/naming.js'
import { lastReadSignature, LISTED_PATHS, recordAvailableLibrary, recordedEdits, recordedOutsideDcim, recordUnavailableLibrary } from '../photos/catalog-photo-store.js'
import { attributeFiles } from '../photos/file-attribution.js'
import { unavailableNote, type PhoneAsset, type PhotoLibraryRead } from '../photos/library-model.js'
import { editCandidates, editFileName, editRole, originalName, statEdits, type EditFile } from '../photos/mutations.js'
import { PHOTOS_DB_FILES, readPhotoLibrary } from '../photos/photo-library-reader.js'
import type { PhoneFiles } from './phone-port.js'

export interface PhotoLibraryScanDeps {
  udid: string
  files: PhoneFiles
  library: Library
  now: () => number
  log: Logger
  readPhotoLibrary?: (files: PhoneFiles, signal: AbortSignal) => Promise<PhotoLibraryRead>
}

export interface PhotoLibraryScan {
  /** Folders of originals outside DCIM (PhotoData/CPLAssets/group…), with their files. */
  folders: FolderScan[]
  statted: number
  available: boolean
}

const CPL = '/PhotoData/CPLAssets/'
const folderOf = (p: string): string => p.slice(0, p.lastIndexOf('/'))

export async function photoLibraryScan(deps: PhotoLibraryScanDeps, dcim: readonly FolderScan[], signal: AbortSignal): Promise<PhotoLibraryScan> {
  const { udid, library, log } = deps
  // The fast no-op re-check: the same three files as at the last read that was used → the catalog
  // already holds what they say; only the originals outside DCIM are stat'ed again.
  const signature = await librarySignature(deps.files, signal)
  if (signature !== null && signature === lastReadSignature(library.db, udid)) {
    const outside = await outsideDcim(deps, recordedOutsideDcim(library.db, udid), signal)
    const edits = await statEdits(deps.files, recordedEdits(library.db, udid).flatMap((e) => {
      const name = editFileName(originalName(e), e.path)
      return name ? [{ path: e.path, name, originalPath: e.phonePath }] : []
    }), signal)
    logRefused(deps, edits.refused)
    log.info('the Photos library has not changed since it was last read', { udid, outsideDcim: outside.statted, edits: edits.found.size })
    return { folders: [...outside.folders, ...edits.folders], statted: outside.statted + edits.found.size, available: true }
  }
  const read = await (deps.readPhotoLibrary ?? ((files, s) => readPhotoLibrary(files, { signal: s })))(deps.files, signal)
  if (!read.available) {
    recordUnavailableLibrary(library.db, udid, read.code, read.reason, deps.now())
    log.info(unavailableNote(read.reason), { udid, code: read.code })
    return { folders: [], statted: 0, available: false }
  }
  const { assets, shape } = read.model
  const { folders, statted } = await outsideDcim(deps, assets.filter((a) => a.phonePath.startsWith(CPL) && !a.iCloudOnly), signal)

  const listed: string[] = []
  for (const f of dcim) {
    if (f.files) listed.push(...f.files.map((x) => x.path))
    else listed.push(...library.storedFiles(udid, f.folder).map((x) => x.path))
    listed.push(...(f.unstatted ?? []))
  }
  for (const f of folders) listed.push(...(f.files ?? []).map((x) => x.path), ...(f.unstatted ?? []))
  const attribution = attributeFiles(assets, listed)
  const { unknown, missing } = attribution
  // Rendered edits under PhotoData/Mutations, recorded as files of their asset (so Recently
  // Deleted leaves them out too) and imported into their original's group.
  const edits = await editsOf(deps, assets, listed, signal)
  const records = attribution.records.map((r) => {
    const own = edits.byAsset.get(r.uuid)
    return own ? { ...r, files: [...r.files, ...own] } : r
  })
  // The signature was taken before the copy: if Photos wrote in between, the next run reads again.
  recordAvailableLibrary(library.db, udid, records, shape, deps.now(), signature)

  log.info('read the Photos library', {
    udid, assets: assets.length, assetTable: shape.assetTable, joinTable: shape.joinTable,
    outsideDcim: statted, iCloudOnly: assets.filter((a) => a.iCloudOnly && !a.trashed).length, recentlyDeleted: assets.filter((a) => a.trashed).length,
  })
  // What does not add up is said, not ignored (the device card and `status --json` list it too).
  if (unknown.length > 0) log.warn('files in DCIM that the Photos library does not know', { udid, count: unknown.length, paths: unknown.slice(0, LISTED_PATHS) })
  if (missing.length > 0) log.warn('photos the Photos library lists that the phone did not show', { udid, count: missing.length, paths: missing.slice(0, LISTED_PATHS) })
  return { folders: [...folders, ...edits.folders], statted: statted + edits.statted, available: true }
}

const familyOf = (p: string, name: string): string => `${folderOf(p)}/${parseName(phoneFileName(name)).baseStem}`

/**
 * The rendered edits of adjusted assets (photos/mutations.ts). An asset whose edit DCIM already
 * shows (IMG_E…, older iOS) keeps that one; a DCIM .AAE stands for Adjustments.plist. A render
 * the database promises but the phone has not written yet is logged, and the original goes on alone.
 */
async function editsOf(deps: PhotoLibraryScanDeps, assets: readonly PhoneAsset[], listed: readonly string[], signal: AbortSignal): Promise<{ folders: FolderScan[]; statted: number; byAsset: Map<string, { path: string; role: 'edited' | 'sidecar' }[]> }> {
  const dcimRenders = new Set<string>()
  const dcimRecipes = new Set<string>()
  for (const p of listed) {
    if (!p.startsWith('/DCIM/')) continue
    const role = parseName(phoneFileName(p.slice(p.lastIndexOf('/') + 1))).role
    if (role === 'edited' || role === 'edited-motion') dcimRenders.add(familyOf(p, p.slice(p.lastIndexOf('/') + 1)))
    if (role === 'sidecar') dcimRecipes.add(familyOf(p, p.slice(p.lastIndexOf('/') + 1)))
  }
  const wanted: (EditFile & { uuid: string })[] = []
  const adjusted: PhoneAsset[] = []
  let unnamed = 0
  for (const a of assets) {
    if (!a.adjustmentsDir || a.iCloudOnly) continue
    const family = familyOf(a.phonePath, originalName(a))
    if (dcimRenders.has(family)) continue
    const candidates = editCandidates(a).filter((p) => !(dcimRecipes.has(family) && p.endsWith('/Adjustments.plist')))
    const named = candidates.flatMap((p) => {
      const name = editFileName(originalName(a), p)
      return name ? [{ path: p, name, originalPath: a.phonePath, uuid: a.uuid }] : []
    })
    if (named.length === 0) {
      unnamed++
      continue
    }
    adjusted.push(a)
    wanted.push(...named)
  }
  const statted = await statEdits(deps.files, wanted, signal)
  logRefused(deps, statted.refused)
  const byAsset = new Map<string, { path: string; role: 'edited' | 'sidecar' }[]>()
  for (const e of wanted) {
    if (!statted.found.has(e.path)) continue
    byAsset.set(e.uuid, [...(byAsset.get(e.uuid) ?? []), { path: e.path, role: editRole(e.path) }])
  }
  const unrendered = adjusted.filter((a) => !(byAsset.get(a.uuid) ?? []).some((f) => f.role === 'edited') && !statted.refused.some((r) => r.path.startsWith(`${a.adjustmentsDir}/`)))
  if (unrendered.length > 0) {
    deps.log.info('edited photos whose edit the phone has not rendered yet: their originals are backed up alone', {
      udid: deps.udid, count: unrendered.length, paths: unrendered.slice(0, LISTED_PATHS).map((a) => a.phonePath),
    })
  }
  // Only an original the database names as an edit or a recipe itself (IMG_E0001.HEIC, x.AAE) has no name for its edit.
  if (unnamed > 0) deps.log.info('edits whose original has no name to file them beside are not backed up', { udid: deps.udid, count: unnamed })
  return { folders: statted.folders, statted: wanted.length, byAsset }
}

function logRefused(deps: PhotoLibraryScanDeps, refused: readonly { path: string; error: CradleError }[]): void {
  for (const r of refused) deps.log.warn('could not read the file\'s info', { udid: deps.udid, path: r.path, code: r.error.code, detail: r.error.message })
}

/** Sizes and mtimes of Photos.sqlite, -wal and -shm; null when the phone does not show them. */
async function librarySignature(files: PhoneFiles, signal: AbortSignal): Promise<string | null> {
  const stats = await files.statMany(PHOTOS_DB_FILES, signal)
  if (stats[0] === null || stats.some((s) => s instanceof CradleError)) return null
  return JSON.stringify(stats.map((s) => (s === null || s instanceof CradleError ? null : [s.size, s.mtimeNs.toString()])))
}

/** Stats the originals outside DCIM and makes one folder scan per CPLAssets group, filed under original names. */
async function outsideDcim(deps: PhotoLibraryScanDeps, outside: readonly { phonePath: string; originalFileName: string }[], signal: AbortSignal): Promise<{ folders: FolderScan[]; statted: number }> {
  const stats = await deps.files.statMany(outside.map((a) => a.phonePath), signal)
  const byFolder = new Map<string, { files: SourceFile[]; unstatted: string[]; names: string[] }>()
  outside.forEach((a, i) => {
    const folder = folderOf(a.phonePath)
    const entry = byFolder.get(folder) ?? { files: [], unstatted: [], names: [] }
    byFolder.set(folder, entry)
    const s = stats[i]
    if (s instanceof CradleError) {
      entry.unstatted.push(a.phonePath)
      deps.log.warn('could not read the file\'s info', { udid: deps.udid, path: a.phonePath, code: s.code, detail: s.message })
    } else if (s?.type === 'file') {
      entry.files.push({ path: a.phonePath, size: s.size, mtimeNs: s.mtimeNs, birthtimeNs: s.birthtimeNs, name: a.originalFileName })
      entry.names.push(a.phonePath)
    }
  })
  const folders = [...byFolder].map(([folder, e]): FolderScan => ({
    folder,
    // Listed from the database, not by ReadDir: stat'ed every time (a few files), never reused.
    signature: folderSignature(e.names),
    files: e.files,
    ...(e.unstatted.length > 0 ? { unstatted: e.unstatted } : {}),
  }))
  return { folders, statted: outside.length }
}
