/**
 * A queue row is a photo: it shows a place ✓ only when every file of it is there. A Live Photo whose
 * video is imported and uploaded while its still is still importing is neither "Library ✓" nor
 * "Backup disk ✓" (issue 15).
 */
import { describe, expect, it } from 'vitest'
import { combineUploadStates, type AssetUploadState } from '../../../src/main/destinations/upload-status.js'
import { itemPlaces, itemPlacesLine } from '../../../src/shared/safety-text.js'
import { buildQueueItem } from '../../fakes/app-state-builder.js'

const done = (destinationId: string): AssetUploadState => ({ destinationId, state: 'done', error: null })
const names = new Map([['disk', 'Backup disk'], ['immich', 'Immich']])

describe('a photo’s places', () => {
  it('a file not in the library yet keeps every destination of the photo waiting', () => {
    expect(combineUploadStates([[done('disk'), done('immich')], null])).toEqual([
      { destinationId: 'disk', state: 'pending', error: null },
      { destinationId: 'immich', state: 'pending', error: null },
    ])
    // A failure stays a failure; with every file in the library, done is done.
    const failed: AssetUploadState = { destinationId: 'disk', state: 'failed', error: null }
    expect(combineUploadStates([[failed], null])).toEqual([failed])
    expect(combineUploadStates([[done('disk')], [done('disk')]])).toEqual([done('disk')])
  })

  it('a Live Photo whose still is importing shows neither Library ✓ nor a destination ✓', () => {
    const uploads = combineUploadStates([null, [done('disk')]])
    const item = buildQueueItem(0, { importState: 'importing', uploads })
    expect(itemPlacesLine(itemPlaces(item, names))).toBe('Library … · Backup disk …')
    expect(itemPlaces(item, names)[0]!.words).toBe('not all in the library yet')

    const whole = buildQueueItem(0, { importState: 'done', uploads: combineUploadStates([[done('disk')], [done('disk')]]) })
    expect(itemPlacesLine(itemPlaces(whole, names))).toBe('Library ✓ · Backup disk ✓')
    const failedImport = buildQueueItem(0, { importState: 'failed', uploads: combineUploadStates([null, [done('disk')]]) })
    expect(itemPlacesLine(itemPlaces(failedImport, names))).toBe('Library ✗ · Backup disk …')
  })
})
