/** AFC status → error code: one file's status is that file's problem; only framing is the run's. */
import { describe, expect, it } from 'vitest'
import { afcErrorCode } from '../../../../src/main/device/afc/afc-errors.js'
import { AfcStatus } from '../../../../src/main/device/afc/status.js'

describe('afcErrorCode', () => {
  it('a file that cannot be read: iCloud-only for READ_ERROR, OBJECT_NOT_FOUND, IO_ERROR; "couldn\'t read" for every other status', () => {
    for (const s of [AfcStatus.READ_ERROR, AfcStatus.OBJECT_NOT_FOUND, AfcStatus.IO_ERROR]) expect(afcErrorCode(s, 'file')).toBe('file-not-on-device')
    for (const s of [AfcStatus.UNKNOWN_ERROR, AfcStatus.NO_RESOURCES, AfcStatus.INVALID_ARG, AfcStatus.PERM_DENIED, AfcStatus.OP_TIMEOUT, AfcStatus.OBJECT_BUSY, AfcStatus.INTERNAL_ERROR, 99]) {
      expect(afcErrorCode(s, 'file')).toBe('file-unreadable')
    }
  })

  it('PERM_DENIED is never "locked" (lockdown says that)', () => {
    expect(afcErrorCode(AfcStatus.PERM_DENIED, 'file')).not.toBe('device-locked')
    expect(afcErrorCode(AfcStatus.PERM_DENIED, 'lookup')).not.toBe('device-locked')
  })

  it('lookups: gone is not-found; other statuses are the path\'s problem; framing statuses are device-protocol', () => {
    expect(afcErrorCode(AfcStatus.OBJECT_NOT_FOUND, 'lookup')).toBe('not-found')
    expect(afcErrorCode(AfcStatus.READ_ERROR, 'lookup')).toBe('not-found')
    expect(afcErrorCode(AfcStatus.IO_ERROR, 'lookup')).toBe('file-unreadable')
    for (const action of ['file', 'lookup'] as const) {
      expect(afcErrorCode(AfcStatus.OP_HEADER_INVALID, action)).toBe('device-protocol')
      expect(afcErrorCode(AfcStatus.UNKNOWN_PACKET_TYPE, action)).toBe('device-protocol')
    }
  })
})
