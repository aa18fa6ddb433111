/**
 * Device-supplied names are untrusted (design.md § Security). A sanitised name is a single path
 * component that is valid on Linux, macOS and Windows and cannot climb out of its folder.
 */

/** Longest name we write, in UTF-8 bytes: below the 255-byte limit of ext4/APFS/NTFS, with room for '-123'. */
export const MAX_NAME_BYTES = 180
const MAX_EXT_CHARS = 12

// Windows reserves these device names with any extension (learn.microsoft.com "Naming Files").
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i
// Path separators, characters Windows forbids, and C0/C1 controls (NUL included).
const FORBIDDEN = /[/\\:*?"<>|\u0000-\u001f\u007f-\u009f]/g
// Bidi overrides and zero-width characters make a name display differently from what it is.
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g

function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s
  let out = ''
  let bytes = 0
  for (const ch of s) {
    const n = Buffer.byteLength(ch)
    if (bytes + n > maxBytes) break
    out += ch
    bytes += n
  }
  return out
}

function cleanPart(s: string): string {
  return s.normalize('NFC').replace(FORBIDDEN, '_').replace(INVISIBLE, '')
}

/** Splits 'IMG_0001.HEIC' into stem and extension (with dot); a leading dot is not an extension. */
export function splitExt(name: string): { stem: string; ext: string } {
  const i = name.lastIndexOf('.')
  if (i <= 0 || i === name.length - 1) return { stem: name, ext: '' }
  return { stem: name.slice(0, i), ext: name.slice(i) }
}

/** A safe extension: '.' plus up to 12 letters/digits, or '' when the device sent something odd. */
export function sanitizeExt(ext: string): string {
  const body = ext.replace(/^\./, '').normalize('NFC')
  if (body === '' || body.length > MAX_EXT_CHARS || !/^[\p{L}\p{N}]+$/u.test(body)) return ''
  return `.${body}`
}

/** A safe stem: no separators or controls, no leading/trailing dots or spaces, not a Windows device name. */
export function sanitizeStem(stem: string, maxBytes = MAX_NAME_BYTES - MAX_EXT_CHARS - 1): string {
  let s = cleanPart(stem)
  s = s.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '')
  if (s === '') s = 'file'
  // Windows drops trailing spaces and dots before it compares: "NUL .a" and "con  .x" are devices too.
  const base = (s.split('.')[0] ?? '').replace(/[\s.]+$/, '')
  if (WINDOWS_RESERVED.test(s) || WINDOWS_RESERVED.test(base)) s = `_${s}`
  s = truncateUtf8(s, maxBytes).replace(/[.\s]+$/, '')
  return s === '' ? 'file' : s
}

/** A whole safe file name from a device name (stem + extension). */
export function sanitizeFileName(name: string): string {
  const { stem, ext } = splitExt(name.normalize('NFC'))
  const safeExt = sanitizeExt(ext)
  // An extension we refuse stays part of the stem (sanitised), so no information is silently lost.
  return sanitizeStem(safeExt ? stem : name) + safeExt
}
