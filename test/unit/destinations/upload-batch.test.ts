import { describe, expect, it } from 'vitest'
import { UploadBatches } from '../../../src/main/destinations/upload-batch.js'

const full = { code: 'destination-full' as const, context: {} }

describe('a destination batch for History', () => {
  it('counts photos and videos, not files: a Live Photo (still + video) is one; a photo with a failed file is not uploaded', () => {
    const b = new UploadBatches()
    b.begin('d1', 'Immich')
    b.record('d1', { groupId: 1, bytes: 100, error: null })
    b.record('d1', { groupId: 1, bytes: 50, error: null })
    b.record('d1', { groupId: 2, bytes: 10, error: null })
    b.record('d1', { groupId: 3, bytes: 10, error: null })
    b.record('d1', { groupId: 3, bytes: 0, error: { code: 'destination-conflict', context: {} } })
    expect(b.settle('d1', null)).toEqual({
      destinationId: 'd1', destinationName: 'Immich', files: 4, photos: 2, bytes: 170, failedFiles: 1, notUploaded: 1,
      error: { code: 'destination-conflict', context: {} },
    })
    // Settled: the next settle has nothing to say until another file is taken up.
    expect(b.settle('d1', null)).toBeNull()
  })

  it('says nothing for a batch that uploaded nothing and left nothing behind', () => {
    const b = new UploadBatches()
    expect(b.settle('d1', null)).toBeNull()
    b.begin('d1', 'NAS')
    expect(b.settle('d1', null)).toBeNull()
  })

  it('a stop leaves the waiting photos not uploaded with its reason, said once while nothing changes', () => {
    const b = new UploadBatches()
    b.begin('d1', 'NAS')
    expect(b.settle('d1', { error: full, waitingPhotos: () => 12 })).toMatchObject({ photos: 0, notUploaded: 12, error: full })
    // The re-check 15 minutes later finds it still full: no second identical line.
    b.begin('d1', 'NAS')
    expect(b.settle('d1', { error: full, waitingPhotos: () => 12 })).toBeNull()
    b.begin('d1', 'NAS')
    b.record('d1', { groupId: 7, bytes: 1, error: null })
    expect(b.settle('d1', { error: full, waitingPhotos: () => 11 })).toMatchObject({ photos: 1, notUploaded: 11 })
    b.begin('d1', 'NAS')
    expect(b.settle('d1', { error: full, waitingPhotos: () => 11 })).toMatchObject({ photos: 0, notUploaded: 11 })
  })
})
