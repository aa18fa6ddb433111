import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { MAX_NAME_BYTES, sanitizeExt, sanitizeFileName } from '../../../src/main/library/sanitize.js'

// What a hostile or broken phone could send as a file name.
const HOSTILE = [
  '..', '.', '...', '../../../etc/passwd', '..\\..\\Windows\\win.ini', '/absolute.JPG', 'C:\\x.JPG', 'C:x.JPG',
  'a/b.JPG', 'nul\u0000byte.JPG', 'tab\tnew\nline.JPG', '\u0001\u001f\u007f\u009f.JPG', 'CON', 'con.JPG', 'Lpt1.heic',
  'COM¹.JPG', 'aux.tar.gz', 'trailing dot.', 'trailing space ', ' leading', '.hidden', '.JPG', '', '   ', '\u202eGPJ.exe',
  'zero\u200bwidth.JPG', 'a:b*c?d"e<f>g|h.JPG', 'e\u0301.JPG', 'x'.repeat(1000), `${'漢'.repeat(200)}.HEIC`,
  `name.${'e'.repeat(40)}`, 'name.J/PG', 'name.JP\u0000G',
  // Windows drops trailing spaces and dots before the first dot: still its device names.
  'NUL .a.jpg', 'nul .jpg', 'CON  .JPG', 'aux. .jpg', 'COM1 .heic', 'lpt¹ . .png', 'PRN\t.jpg',
]

describe('sanitizeFileName', () => {
  it.each(HOSTILE)('makes %j one safe path component', (name) => {
    const safe = sanitizeFileName(name)
    expect(safe.length).toBeGreaterThan(0)
    expect(safe).not.toMatch(/[/\\:*?"<>|\u0000-\u001f\u007f-\u009f\u200b\u202e]/)
    expect(safe).not.toMatch(/^[.\s]|[.\s]$/)
    expect(safe).not.toMatch(/^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])[\s.]*(\..*)?$/i)
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(MAX_NAME_BYTES)
    expect(safe.normalize('NFC')).toBe(safe)
    const root = '/library/2024/2024-01'
    expect(path.dirname(path.resolve(root, safe))).toBe(root)
  })

  it('leaves ordinary iPhone names alone', () => {
    for (const n of ['IMG_0001.HEIC', 'IMG_E0001.JPG', 'IMG_O1234.AAE', 'Photo 2024-01-02 (1).png']) expect(sanitizeFileName(n)).toBe(n)
  })

  it('normalises to NFC, so the same name from two phones is the same name', () => {
    expect(sanitizeFileName('Cafe\u0301.JPG')).toBe('Caf\u00e9.JPG')
  })

  it('keeps the extension when shortening an overlong name', () => {
    const safe = sanitizeFileName(`${'a'.repeat(400)}.HEIC`)
    expect(safe.endsWith('.HEIC')).toBe(true)
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(MAX_NAME_BYTES)
  })

  it('never splits a multi-byte character when shortening', () => {
    const safe = sanitizeFileName(`${'😀'.repeat(100)}.JPG`)
    expect(safe).not.toContain('\ufffd')
    expect(Buffer.from(safe).toString()).toBe(safe)
  })

  it('refuses odd extensions rather than trusting them', () => {
    expect(sanitizeExt('.HEIC')).toBe('.HEIC')
    expect(sanitizeExt('.J/PG')).toBe('')
    expect(sanitizeExt(`.${'x'.repeat(20)}`)).toBe('')
    expect(sanitizeFileName('evil.J/PG')).toBe('evil.J_PG')
  })
})
