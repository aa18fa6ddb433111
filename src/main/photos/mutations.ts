/**
 * Rendered edits Photos keeps outside DCIM. When an asset is adjusted (ZHASADJUSTMENTS), iOS
 * leaves the original alone and writes the edit beside a mirror of its path:
 * /PhotoData/Mutations/<ZDIRECTORY>/<stem>/Adjustments/FullSizeRender.<jpg|heic|mov> and
 * Adjustments.plist (the edit recipe, the same keys as a DCIM .AAE). The render can be missing
 * although the database says adjusted (not rendered yet): then only the original is backed up.
 *
 * Each file is filed as an edit of its original under the Mutations twin of the original's folder,
 * so it joins the original's group and counts as the same photo (library/naming.ts familyFolder):
 * for a camera-style original the DCIM-era names (FullSizeRender.jpg of IMG_0001.HEIC →
 * IMG_E0001.JPG, Adjustments.plist → IMG_0001.AAE), for any other ('Screenshot 2024-05-01.PNG',
 * 'photo.jpeg' from CPLAssets) '<stem>_edited.<EXT>' and '<stem>.AAE' (README: Rendered edits).
 */
import { CradleError } from '../../shared/errors.js'
import { MUTATIONS_ROOT, namedEditFileName, parseName, phoneFileName } from '../library/naming.js'
import { folderSignature, type FolderScan } from '../library/scan-plan.js'
import type { SourceFile } from '../library/source.js'
import type { PhoneFiles } from '../engine/phone-port.js'
import type { PhotoFileRole } from './catalog-photo-store.js'
import type { PhoneAsset } from './library-model.js'

export const ADJUSTMENTS_PLIST = 'Adjustments.plist'
const RENDER = 'FullSizeRender'

const folderOf = (p: string): string => p.slice(0, p.lastIndexOf('/'))
const nameOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1)

/** The name the library files an original under: its DCIM name, or for CPLAssets its original name. */
export function originalName(a: Pick<PhoneAsset, 'phonePath' | 'originalFileName'>): string {
  return a.phonePath.startsWith('/DCIM/') ? nameOf(a.phonePath) : a.originalFileName
}

/** The files an adjusted asset may have under its Adjustments folder (iOS writes lower-case extensions). */
export function editCandidates(a: Pick<PhoneAsset, 'kind' | 'livePhoto' | 'adjustmentsDir'>): string[] {
  if (!a.adjustmentsDir) return []
  const renders = a.kind === 'video' ? ['mov'] : a.livePhoto ? ['heic', 'jpg', 'mov'] : ['heic', 'jpg']
  return [...renders.map((ext) => `${a.adjustmentsDir}/${RENDER}.${ext}`), `${a.adjustmentsDir}/${ADJUSTMENTS_PLIST}`]
}

/**
 * The library name of an edit file of the original named `original`: the render as IMG_E<n>.<EXT>
 * and the recipe as IMG_<n>.AAE for a camera-style name, else '<stem>_edited.<EXT>' and
 * '<stem>.AAE' (the stem as the original's group has it, so all three share it); null for an
 * original that is itself an edit or an .AAE, or a file that is neither render nor recipe.
 */
export function editFileName(original: string, editPath: string): string | null {
  const parsed = parseName(phoneFileName(original))
  if ((parsed.role !== 'original' && parsed.role !== 'motion') || (parsed.dcf && parsed.dcf.marker !== '')) return null
  const file = nameOf(editPath)
  const m = /^FullSizeRender\.([A-Za-z0-9]+)$/.exec(file)
  if (file !== ADJUSTMENTS_PLIST && !m) return null
  const { dcf, baseStem } = parsed
  if (file === ADJUSTMENTS_PLIST) return `${baseStem}.AAE`
  const ext = `.${m![1]!.toUpperCase()}`
  return dcf ? `${dcf.prefix}E${dcf.number}${ext}` : namedEditFileName(baseStem, ext)
}

/** The catalog role of an edit file. */
export const editRole = (editPath: string): Extract<PhotoFileRole, 'edited' | 'sidecar'> => (nameOf(editPath) === ADJUSTMENTS_PLIST ? 'sidecar' : 'edited')

/** The catalog folder an edit file is recorded under: the Mutations twin of its original's folder. */
export const editFolder = (originalPhonePath: string): string => `${MUTATIONS_ROOT}${folderOf(originalPhonePath)}`

export interface EditFile {
  /** AFC path under /PhotoData/Mutations. */
  path: string
  /** The library name (IMG_E0001.JPG, IMG_0001.AAE). */
  name: string
  /** The original's AFC path: the edit is recorded under its folder's Mutations twin. */
  originalPath: string
}

export interface StattedEdits {
  /** One folder scan per original folder that has edits (listed from the database, stat'ed every time). */
  folders: FolderScan[]
  /** The edit files found, by path. */
  found: Set<string>
  /** Paths whose stat the phone refused. */
  refused: { path: string; error: CradleError }[]
}

/** Stats edit files (a few pipelined requests) and makes their folder scans; a missing one is simply absent. */
export async function statEdits(files: PhoneFiles, edits: readonly EditFile[], signal: AbortSignal): Promise<StattedEdits> {
  const stats = edits.length === 0 ? [] : await files.statMany(edits.map((e) => e.path), signal)
  const byFolder = new Map<string, { files: SourceFile[]; unstatted: string[] }>()
  const found = new Set<string>()
  const refused: StattedEdits['refused'] = []
  edits.forEach((e, i) => {
    const s = stats[i]
    const folder = editFolder(e.originalPath)
    if (s instanceof CradleError) {
      refused.push({ path: e.path, error: s })
      const entry = byFolder.get(folder) ?? { files: [], unstatted: [] }
      byFolder.set(folder, entry)
      entry.unstatted.push(e.path)
    } else if (s?.type === 'file') {
      found.add(e.path)
      const entry = byFolder.get(folder) ?? { files: [], unstatted: [] }
      byFolder.set(folder, entry)
      entry.files.push({ path: e.path, size: s.size, mtimeNs: s.mtimeNs, birthtimeNs: s.birthtimeNs, name: e.name })
    }
  })
  const folders = [...byFolder].map(([folder, e]): FolderScan => ({
    folder,
    // Stat'ed every time, never reused: the signature only has to differ from a ReadDir's.
    signature: folderSignature([...e.files.map((f) => f.path), ...e.unstatted], -1n),
    files: e.files,
    ...(e.unstatted.length > 0 ? { unstatted: e.unstatted } : {}),
  }))
  return { folders, found, refused }
}
