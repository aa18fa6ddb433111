/**
 * How a device file name maps to a group (Live Photo, edits, sidecars) and to its library name.
 *
 * iPhone names (protocol.md §5): IMG_1234.HEIC + IMG_1234.MOV (Live Photo), IMG_E1234.HEIC/.MOV
 * (rendered edit), IMG_1234.AAE and IMG_O1234.AAE (adjustment sidecars). All of these share the
 * base stem IMG_1234 and stay one group in one library folder with one suffix.
 */
import { sanitizeExt, sanitizeStem, splitExt } from './sanitize.js'

export type AssetRole = 'original' | 'motion' | 'edited' | 'edited-motion' | 'sidecar'

/** A DCF-style name: 4 characters (here 'IMG_' and friends), optional E/O marker, 4 digits. */
const DCF = /^([A-Za-z][A-Za-z0-9]{2}_)([EeOo]?)(\d{4})$/

const VIDEO_EXT = new Set(['.mov', '.mp4', '.m4v', '.3gp'])
const MIME: Record<string, string> = {
  '.heic': 'image/heic', '.heif': 'image/heif', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
  '.png': 'image/png', '.gif': 'image/gif', '.webp': 'image/webp', '.dng': 'image/x-adobe-dng',
  '.tif': 'image/tiff', '.tiff': 'image/tiff', '.mov': 'video/quicktime', '.mp4': 'video/mp4',
  '.m4v': 'video/x-m4v', '.3gp': 'video/3gpp', '.aae': 'application/xml',
}

export interface ParsedName {
  /** Base stem shared by the group, sanitised: 'IMG_1234' for IMG_E1234.HEIC too. */
  baseStem: string
  /** For DCF names: prefix, marker and number, so members can be renamed with a suffix. */
  dcf: { prefix: string; marker: '' | 'E' | 'O'; number: string } | null
  /** Sanitised extension with its dot, original case ('.HEIC'), or ''. */
  ext: string
  role: AssetRole
  mime: string
}

export function mimeFor(ext: string): string {
  return MIME[ext.toLowerCase()] ?? 'application/octet-stream'
}

export function isVideoExt(ext: string): boolean {
  return VIDEO_EXT.has(ext.toLowerCase())
}

/** Parses a device file name (untrusted) into its group stem, role and mime. */
export function parseName(name: string): ParsedName {
  const { stem: rawStem, ext: rawExt } = splitExt(name.normalize('NFC'))
  const ext = sanitizeExt(rawExt)
  const stem = sanitizeStem(ext ? rawStem : name.normalize('NFC'))
  const lower = ext.toLowerCase()
  const video = isVideoExt(lower)
  const m = DCF.exec(stem)
  const marker = (m?.[2] ?? '').toUpperCase() as '' | 'E' | 'O'
  const dcf = m ? { prefix: m[1]!, marker, number: m[3]! } : null
  let role: AssetRole
  if (lower === '.aae') role = 'sidecar'
  else if (marker === 'E') role = video ? 'edited-motion' : 'edited'
  else role = video ? 'motion' : 'original'
  return { baseStem: dcf ? `${dcf.prefix}${dcf.number}` : stem, dcf, ext, role, mime: mimeFor(ext) }
}

/** Role refinement once the whole group is known: a video alone in its group is an 'original'. */
export function roleInGroup(parsed: ParsedName, groupHasStill: boolean): AssetRole {
  if (parsed.role === 'motion' && !groupHasStill) return 'original'
  return parsed.role
}

/** The library file name of a member: 'IMG_E1234' + '-1' + '.HEIC'. */
export function memberFileName(parsed: ParsedName, groupStem: string, suffix: number): string {
  const tail = suffix > 0 ? `-${suffix}` : ''
  const d = DCF.exec(groupStem)
  if (parsed.dcf && d) return `${d[1]}${parsed.dcf.marker}${d[3]}${tail}${parsed.ext}`
  return `${groupStem}${tail}${parsed.ext}`
}

/**
 * A test for "this existing library file belongs to the group family (stem, suffix)", used to
 * pick a suffix no other file in the folder shares. Case-insensitive: macOS and exFAT are.
 */
export function familyMatcher(groupStem: string, suffix: number): (fileName: string) => boolean {
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const tail = suffix > 0 ? `-${suffix}` : ''
  const d = DCF.exec(groupStem)
  const head = d ? `${esc(d[1]!)}[EO]?${esc(d[3]!)}` : esc(groupStem)
  const re = new RegExp(`^${head}${esc(tail)}(\\.[^.]*)?$`, 'iu')
  return (fileName) => re.test(fileName.normalize('NFC'))
}

/** Import order inside a group: the still first (it dates the group), then video, edits, sidecars. */
export const ROLE_ORDER: Record<AssetRole, number> = { original: 0, motion: 1, edited: 2, 'edited-motion': 3, sidecar: 4 }

/**
 * Where Photos keeps rendered edits: below this folder, the original's own path without its
 * extension (/PhotoData/Mutations/DCIM/100APPLE/IMG_0001/Adjustments/FullSizeRender.jpg). The
 * catalog records such a file under the Mutations twin of the original's folder
 * (/PhotoData/Mutations/DCIM/100APPLE), named as a DCIM-era edit (IMG_E0001.JPG), so it shares
 * the original's base stem; familyFolder maps that folder back, and the file joins the group.
 */
export const MUTATIONS_ROOT = '/PhotoData/Mutations'

/** The folder a family is known by: an edit's Mutations folder → its original's folder. */
export function familyFolder(folder: string): string {
  return folder.startsWith(`${MUTATIONS_ROOT}/`) ? folder.slice(MUTATIONS_ROOT.length) : folder
}

/** Both folders a family's files may be recorded under: the original's and its Mutations twin. */
export function familyFolders(folder: string): [string, string] {
  const own = familyFolder(folder)
  return [own, `${MUTATIONS_ROOT}${own}`]
}

/** familyFolder in SQL, for a folder column. */
export const familyFolderSql = (column: string): string =>
  `(CASE WHEN substr(${column}, 1, ${MUTATIONS_ROOT.length + 1}) = '${MUTATIONS_ROOT}/' THEN substr(${column}, ${MUTATIONS_ROOT.length + 1}) ELSE ${column} END)`
