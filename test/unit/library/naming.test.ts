import { describe, expect, it } from 'vitest'
import { familyMatcher, memberFileName, parseName, roleInGroup } from '../../../src/main/library/naming.js'

describe('parseName', () => {
  it.each([
    ['IMG_1234.HEIC', 'IMG_1234', 'original', 'image/heic'],
    ['IMG_1234.MOV', 'IMG_1234', 'motion', 'video/quicktime'],
    ['IMG_E1234.HEIC', 'IMG_1234', 'edited', 'image/heic'],
    ['IMG_E1234.MOV', 'IMG_1234', 'edited-motion', 'video/quicktime'],
    ['IMG_1234.AAE', 'IMG_1234', 'sidecar', 'application/xml'],
    ['IMG_O1234.AAE', 'IMG_1234', 'sidecar', 'application/xml'],
    ['img_e1234.jpg', 'img_1234', 'edited', 'image/jpeg'],
    ['IMG_1234.PNG', 'IMG_1234', 'original', 'image/png'],
    ['Screenshot 2024.png', 'Screenshot 2024', 'original', 'image/png'],
    ['IMG_12345.JPG', 'IMG_12345', 'original', 'image/jpeg'],
    ['../IMG_1234.HEIC', '_IMG_1234', 'original', 'image/heic'],
    ['README', 'README', 'original', 'application/octet-stream'],
  ])('%s → stem %s, role %s, %s', (name, stem, role, mime) => {
    expect(parseName(name)).toMatchObject({ baseStem: stem, role, mime })
  })

  it('calls a video alone in its group an original, not a motion part', () => {
    expect(roleInGroup(parseName('IMG_0002.MOV'), false)).toBe('original')
    expect(roleInGroup(parseName('IMG_0002.MOV'), true)).toBe('motion')
    expect(roleInGroup(parseName('IMG_E0002.MOV'), false)).toBe('edited-motion')
  })
})

describe('memberFileName', () => {
  it('gives every member of a group the same suffix', () => {
    const names = ['IMG_1234.HEIC', 'IMG_1234.MOV', 'IMG_E1234.HEIC', 'IMG_1234.AAE', 'IMG_O1234.AAE'].map((n) => memberFileName(parseName(n), 'IMG_1234', 1))
    expect(names).toEqual(['IMG_1234-1.HEIC', 'IMG_1234-1.MOV', 'IMG_E1234-1.HEIC', 'IMG_1234-1.AAE', 'IMG_O1234-1.AAE'])
    expect(memberFileName(parseName('IMG_E1234.HEIC'), 'IMG_1234', 0)).toBe('IMG_E1234.HEIC')
    expect(memberFileName(parseName('holiday.jpg'), 'holiday', 2)).toBe('holiday-2.jpg')
  })
})

describe('familyMatcher', () => {
  it('matches every member name of a (stem, suffix) family, case-insensitively, and nothing else', () => {
    const m0 = familyMatcher('IMG_1234', 0)
    expect(['IMG_1234.HEIC', 'img_e1234.jpg', 'IMG_O1234.AAE', 'IMG_1234'].every(m0)).toBe(true)
    expect(['IMG_1234-1.HEIC', 'IMG_12345.HEIC', 'IMG_1235.HEIC', 'XIMG_1234.HEIC'].some(m0)).toBe(false)
    const m1 = familyMatcher('IMG_1234', 1)
    expect(m1('IMG_E1234-1.HEIC')).toBe(true)
    expect(m1('IMG_1234.HEIC')).toBe(false)
    expect(familyMatcher('a.b(c)', 0)('a.b(c).jpg')).toBe(true)
  })
})
