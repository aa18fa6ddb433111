/**
 * Rendered edits under PhotoData/Mutations (photos/mutations.ts, library/naming.ts familyFolder):
 * which files are looked for, the DCIM-era names they are filed under, and the family they join.
 */
import { describe, expect, it } from 'vitest'
import { familyFolder, familyFolders, familyMatcher, memberFileName, parseName, phoneFileName } from '../../../src/main/library/naming.js'
import { editCandidates, editFileName, editFolder, editRole, originalName } from '../../../src/main/photos/mutations.js'

const ADJ = '/PhotoData/Mutations/DCIM/100APPLE/IMG_0042/Adjustments'

describe('rendered edits', () => {
  it('looks for the renders the asset kind can have, and the recipe', () => {
    expect(editCandidates({ kind: 'photo', livePhoto: false, adjustmentsDir: ADJ })).toEqual([`${ADJ}/FullSizeRender.heic`, `${ADJ}/FullSizeRender.jpg`, `${ADJ}/Adjustments.plist`])
    expect(editCandidates({ kind: 'photo', livePhoto: true, adjustmentsDir: ADJ })).toContain(`${ADJ}/FullSizeRender.mov`)
    expect(editCandidates({ kind: 'video', livePhoto: false, adjustmentsDir: ADJ })).toEqual([`${ADJ}/FullSizeRender.mov`, `${ADJ}/Adjustments.plist`])
    expect(editCandidates({ kind: 'photo', livePhoto: false, adjustmentsDir: null })).toEqual([])
  })

  it('files a render as IMG_E<n> and the recipe as IMG_<n>.AAE, in the original\'s family', () => {
    expect(editFileName('IMG_0042.HEIC', `${ADJ}/FullSizeRender.heic`)).toBe('IMG_E0042.HEIC')
    expect(editFileName('IMG_0042.JPG', `${ADJ}/FullSizeRender.jpg`)).toBe('IMG_E0042.JPG')
    expect(editFileName('IMG_0042.MOV', `${ADJ}/FullSizeRender.mov`)).toBe('IMG_E0042.MOV')
    expect(editFileName('IMG_0042.HEIC', `${ADJ}/Adjustments.plist`)).toBe('IMG_0042.AAE')
    expect(parseName('IMG_E0042.HEIC')).toMatchObject({ baseStem: 'IMG_0042', role: 'edited' })
    expect(parseName('IMG_0042.AAE')).toMatchObject({ baseStem: 'IMG_0042', role: 'sidecar' })
    expect([editRole(`${ADJ}/FullSizeRender.heic`), editRole(`${ADJ}/Adjustments.plist`)]).toEqual(['edited', 'sidecar'])
  })

  it('files the edit of an original without a camera-style name as <stem>_edited and <stem>.AAE, in its family', () => {
    const CPL = '/PhotoData/Mutations/PhotoData/CPLAssets/group338/ABC/Adjustments'
    expect(editFileName('photo.jpeg', `${CPL}/FullSizeRender.jpg`)).toBe('photo_edited.JPG')
    expect(editFileName('photo.jpeg', `${CPL}/Adjustments.plist`)).toBe('photo.AAE')
    expect(editFileName('Screenshot 2024-05-01.PNG', `${CPL}/FullSizeRender.heic`)).toBe('Screenshot 2024-05-01_edited.HEIC')
    expect(editFileName('clip.MOV', `${CPL}/FullSizeRender.mov`)).toBe('clip_edited.MOV')
    // A DSC_ name is camera-style (DCF): its edit is named as iOS names DCIM edits.
    expect(editFileName('DSC_0042.JPG', `${CPL}/FullSizeRender.jpg`)).toBe('DSC_E0042.JPG')
    // The stem as the group has it (sanitised), so all three share it.
    expect(editFileName('a:b.jpeg', `${CPL}/FullSizeRender.jpg`)).toBe('a_b_edited.JPG')
    for (const [name, role] of [['photo_edited.JPG', 'edited'], ['photo.AAE', 'sidecar'], ['clip_edited.MOV', 'edited-motion'], ['a_b_edited.JPG', 'edited']] as const) {
      expect(parseName(name), name).toMatchObject({ baseStem: name.startsWith('a_b') ? 'a_b' : name.startsWith('clip') ? 'clip' : 'photo', role })
    }
    expect(parseName('photo.jpeg')).toMatchObject({ baseStem: 'photo', role: 'original' })
    // In the library: the pair keeps the stem and the group's suffix, and the family covers the render.
    expect(memberFileName(parseName('photo_edited.JPG'), 'photo', 0)).toBe('photo_edited.JPG')
    expect(memberFileName(parseName('photo_edited.JPG'), 'photo', 2)).toBe('photo-2_edited.JPG')
    expect(memberFileName(parseName('photo.AAE'), 'photo', 2)).toBe('photo-2.AAE')
    expect(familyMatcher('photo', 0)('photo_edited.JPG')).toBe(true)
    expect(familyMatcher('photo', 1)('photo-1_edited.jpg')).toBe(true)
    expect(familyMatcher('photo', 0)('photo-1_edited.jpg')).toBe(false)
  })

  it('a phone file that is named like such an edit stays a photo of its own, under the same library name', () => {
    // An osxphotos export imported into Photos: 'photo_edited.jpeg' is an original, not photo.jpeg's edit.
    const recorded = phoneFileName('photo_edited.jpeg')
    expect(recorded).toBe('photo:edited.jpeg')
    expect(parseName(recorded)).toMatchObject({ baseStem: 'photo_edited', role: 'original' })
    expect(memberFileName(parseName(recorded), parseName(recorded).baseStem, 0)).toBe('photo_edited.jpeg')
    // Its own edit, in its own family.
    expect(editFileName('photo_edited.jpeg', `${ADJ}/FullSizeRender.jpg`)).toBe('photo_edited_edited.JPG')
    expect(parseName('photo_edited_edited.JPG').baseStem).toBe('photo_edited')
    expect(editFileName('photo_edited.jpeg', `${ADJ}/Adjustments.plist`)).toBe('photo_edited.AAE')
    // Every other name is recorded as it is.
    for (const n of ['IMG_0042.HEIC', 'IMG_E0042.HEIC', 'photo.jpeg', 'photo.AAE', 'photo_edited', 'Edited.jpg']) expect(phoneFileName(n)).toBe(n)
  })

  it('names nothing for an original that is itself an edit or a recipe, or a file that is neither', () => {
    expect(editFileName('IMG_E0042.HEIC', `${ADJ}/FullSizeRender.heic`)).toBeNull()
    expect(editFileName('IMG_O0042.HEIC', `${ADJ}/FullSizeRender.heic`)).toBeNull()
    expect(editFileName('IMG_0042.AAE', `${ADJ}/FullSizeRender.heic`)).toBeNull()
    expect(editFileName('IMG_0042.HEIC', `${ADJ}/Something.else`)).toBeNull()
    expect(editFileName('photo.jpeg', `${ADJ}/Something.else`)).toBeNull()
  })

  it('records edits under the Mutations twin of the original folder, which maps back to it', () => {
    expect(editFolder('/DCIM/100APPLE/IMG_0042.HEIC')).toBe('/PhotoData/Mutations/DCIM/100APPLE')
    expect(familyFolder('/PhotoData/Mutations/DCIM/100APPLE')).toBe('/DCIM/100APPLE')
    expect(familyFolder('/PhotoData/Mutations/PhotoData/CPLAssets/group338')).toBe('/PhotoData/CPLAssets/group338')
    expect(familyFolder('/DCIM/100APPLE')).toBe('/DCIM/100APPLE')
    expect(familyFolders('/DCIM/100APPLE')).toEqual(['/DCIM/100APPLE', '/PhotoData/Mutations/DCIM/100APPLE'])
    expect(originalName({ phonePath: '/PhotoData/CPLAssets/group338/ABC.JPG', originalFileName: 'IMG_7421.JPG' })).toBe('IMG_7421.JPG')
    expect(originalName({ phonePath: '/DCIM/100APPLE/IMG_0042.HEIC', originalFileName: 'IMG_0042.HEIC' })).toBe('IMG_0042.HEIC')
  })
})
