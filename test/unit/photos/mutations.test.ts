/**
 * Rendered edits under PhotoData/Mutations (photos/mutations.ts, library/naming.ts familyFolder):
 * which files are looked for, the DCIM-era names they are filed under, and the family they join.
 */
import { describe, expect, it } from 'vitest'
import { familyFolder, familyFolders, parseName } from '../../../src/main/library/naming.js'
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

  it('names nothing for an original without a camera-style name, or a file that is neither', () => {
    expect(editFileName('Holiday.jpg', `${ADJ}/FullSizeRender.jpg`)).toBeNull()
    expect(editFileName('IMG_E0042.HEIC', `${ADJ}/FullSizeRender.heic`)).toBeNull()
    expect(editFileName('IMG_0042.HEIC', `${ADJ}/Something.else`)).toBeNull()
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
