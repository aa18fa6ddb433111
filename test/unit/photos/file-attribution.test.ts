import { describe, expect, it } from 'vitest'
import { attributeFiles } from '../../../src/main/photos/file-attribution.js'
import type { PhoneAsset } from '../../../src/main/photos/library-model.js'

const asset = (o: Partial<PhoneAsset> & Pick<PhoneAsset, 'uuid' | 'phonePath'>): PhoneAsset => ({
  originalFileName: o.phonePath.slice(o.phonePath.lastIndexOf('/') + 1), kind: 'photo', livePhoto: false, motionPath: null, adjustmentsDir: null,
  capturedAt: null, offsetMinutes: null, favorite: false, hidden: false, trashed: false, iCloudOnly: false, albums: [], albumRefs: [], ...o,
})

describe('attributeFiles', () => {
  it('gives a photo its Live Photo video, rendered edit and .AAE, and lists what does not add up', () => {
    const assets = [
      asset({ uuid: 'L', phonePath: '/DCIM/100APPLE/IMG_0001.HEIC', livePhoto: true, motionPath: '/DCIM/100APPLE/IMG_0001.MOV' }),
      asset({ uuid: 'V', phonePath: '/DCIM/100APPLE/IMG_0002.MOV', kind: 'video' }),
      asset({ uuid: 'C', phonePath: '/PhotoData/CPLAssets/group7/ABC.JPG', originalFileName: 'IMG_7421.JPG' }),
      asset({ uuid: 'G', phonePath: '/PhotoData/CPLAssets/group8/DEF.HEIC', iCloudOnly: true }),
      asset({ uuid: 'M', phonePath: '/DCIM/101APPLE/IMG_0100.JPG' }),
    ]
    const listed = [
      '/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/100APPLE/IMG_0001.MOV', '/DCIM/100APPLE/IMG_E0001.HEIC', '/DCIM/100APPLE/IMG_E0001.MOV',
      '/DCIM/100APPLE/IMG_0001.AAE', '/DCIM/100APPLE/IMG_0002.MOV', '/DCIM/100APPLE/Photo 2024-05-01 (1).JPG', '/PhotoData/CPLAssets/group7/ABC.JPG',
    ]
    const r = attributeFiles(assets, listed)
    expect(r.records.find((x) => x.uuid === 'L')!.files).toEqual([
      { path: '/DCIM/100APPLE/IMG_0001.HEIC', role: 'original' }, { path: '/DCIM/100APPLE/IMG_0001.MOV', role: 'motion' },
      { path: '/DCIM/100APPLE/IMG_E0001.HEIC', role: 'edited' }, { path: '/DCIM/100APPLE/IMG_E0001.MOV', role: 'edited' },
      { path: '/DCIM/100APPLE/IMG_0001.AAE', role: 'sidecar' },
    ])
    expect(r.records.find((x) => x.uuid === 'C')).toMatchObject({ originalFileName: 'IMG_7421.JPG', files: [{ path: '/PhotoData/CPLAssets/group7/ABC.JPG', role: 'original' }] })
    expect(r.unknown).toEqual(['/DCIM/100APPLE/Photo 2024-05-01 (1).JPG'])
    // The iCloud-only asset has no file by design; the other one is missing.
    expect(r.missing).toEqual(['/DCIM/101APPLE/IMG_0100.JPG'])
  })
})
