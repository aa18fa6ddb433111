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

/**
 * The rendered edit of an original without a DCF name ('photo.jpeg' → 'photo_edited.JPG', the
 * name osxphotos gives edited exports). Only Cradle gives it (photos/mutations.ts): a phone file
 * that happens to be named so is recorded under phoneFileName's escaped name, so it never joins
 * another photo's group.
 */
const EDITED_MARK = '_edited'
const NAMED_EDIT = /^(.+)_edited$/

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
  // Read on the raw stem, so a phone name escaped by phoneFileName ('photo:edited') never matches.
  const named = !dcf && ext && lower !== '.aae' ? NAMED_EDIT.exec(rawStem.normalize('NFC')) : null
  let role: AssetRole
  if (lower === '.aae') role = 'sidecar'
  else if (marker === 'E' || named) role = video ? 'edited-motion' : 'edited'
  else role = video ? 'motion' : 'original'
  const baseStem = dcf ? `${dcf.prefix}${dcf.number}` : named ? sanitizeStem(named[1]!) : stem
  return { baseStem, dcf, ext, role, mime: mimeFor(ext) }
}

/** Whether a name is one Cradle gives the rendered edit of an original without a DCF name. */
const isNamedEdit = (name: string): boolean => {
  const p = parseName(name)
  return p.dcf === null && (p.role === 'edited' || p.role === 'edited-motion')
}

/**
 * The name a file from the phone (or the inbox) is recorded under: its own, except that a name
 * Cradle would read as a rendered edit ('photo_edited.jpeg', an osxphotos export imported into
 * Photos) has that underscore written ':' — the library name is the same (':' is sanitised to '_'),
 * but the file stays a photo of its own instead of joining 'photo.jpeg'.
 */
export function phoneFileName(name: string): string {
  // Checked for every file a listing records: the full parse only for names that could match.
  if (!name.includes(EDITED_MARK) || !isNamedEdit(name)) return name
  const n = name.normalize('NFC')
  const i = n.lastIndexOf(EDITED_MARK)
  return `${n.slice(0, i)}:${n.slice(i + 1)}`
}

/** The library/device name of the render of an original whose stem has no DCF name: '<stem>_edited.<EXT>'. */
export const namedEditFileName = (baseStem: string, ext: string): string => `${baseStem}${EDITED_MARK}${ext}`

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
  if (!parsed.dcf && (parsed.role === 'edited' || parsed.role === 'edited-motion')) return `${groupStem}${tail}${EDITED_MARK}${parsed.ext}`
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
  // A family without a DCF name has its render as '<stem><tail>_edited.<ext>'.
  const edited = d ? '' : `(${esc(EDITED_MARK)})?`
  const re = new RegExp(`^${head}${esc(tail)}${edited}(\\.[^.]*)?$`, 'iu')
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
