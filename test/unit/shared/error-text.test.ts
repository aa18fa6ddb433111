import { describe, expect, it } from 'vitest'
import { describeError } from '../../../src/shared/error-text.js'
import { ERROR_CODES } from '../../../src/shared/errors.js'
import { formatBytes, formatTimeLeft, formatWhen } from '../../../src/shared/format.js'

describe('error text', () => {
  it('has a sentence for every code', () => {
    for (const code of ERROR_CODES) expect(describeError(code).title.length).toBeGreaterThan(3)
  })

  it('gives the install hint for the OS', () => {
    expect(describeError('usbmuxd-missing', {}, 'linux').action).toContain('sudo apt install usbmuxd')
    expect(describeError('usbmuxd-missing', {}, 'win32').action).toContain('Apple Devices')
  })

  it('says how full the disk is', () => {
    expect(describeError('disk-full', { freeBytes: 0, totalBytes: 512e9 }).title).toBe('The library disk is full (0 bytes free of 512 GB)')
  })

  it('starts every title with a capital, also when it starts with "your iPhone"; a name keeps its spelling', () => {
    expect(describeError('pairing-denied').title).toBe("Your iPhone said Don't Trust")
    expect(describeError('device-unplugged', { deviceName: 'iPhone' }).title).toBe('iPhone was unplugged')
    for (const code of ERROR_CODES) expect(describeError(code).title).not.toMatch(/^[a-z]+\b/)
  })

  it('tells an unplug, a lost connection and quitting apart', () => {
    expect(describeError('device-unplugged', { deviceName: 'iPhone' })).toEqual({ title: 'iPhone was unplugged', action: 'Plug it in again; the backup continues where it stopped.' })
    expect(describeError('device-connection-lost', { deviceName: 'iPhone' })).toEqual({ title: 'The connection to iPhone was lost', action: 'Cradle reconnects by itself; the backup continues where it stopped.' })
    expect(describeError('aborted', { quit: true }).title).toBe('Stopped when Cradle quit')
    expect(describeError('aborted').title).toBe('Stopped')
  })

  it('a folder destination that does not exist says so, not "can\'t reach"', () => {
    expect(describeError('destination-unreachable', { destinationName: 'Another folder', missingFolder: '/mnt/photos' })).toEqual({
      title: "The folder /mnt/photos doesn't exist",
      action: 'Create it, or connect the drive it is on. Cradle tries again by itself.',
    })
  })

  it('uses the words of ui.md for Trust', () => {
    expect(describeError('pairing-pending').action).toBe('Tap Trust on your iPhone, then enter its passcode.')
    expect(describeError('device-locked').action).toBe('Unlock your iPhone to continue.')
  })
})

describe('formatting', () => {
  it('says times as people do', () => {
    expect(formatTimeLeft(243)).toBe('about 4 min left')
    expect(formatTimeLeft(20)).toBe('less than a minute left')
    expect(formatTimeLeft(4800)).toBe('about 1 h 20 min left')
    expect(formatTimeLeft(null)).toBeNull()
  })

  it('gives clock times without a leading zero', () => {
    const now = new Date(2026, 0, 1, 12, 0).getTime()
    expect(formatWhen(new Date(2026, 0, 1, 4, 15).getTime(), now, 'en-US')).toBe('today 4:15 AM')
    expect(formatWhen(new Date(2026, 0, 1, 4, 15).getTime(), now, 'en-GB')).toBe('today 04:15') // 24-hour clocks keep it
  })

  it('uses decimal units', () => {
    expect(formatBytes(4_200_000_000, 'en-US')).toBe('4.2 GB')
    expect(formatBytes(999, 'en-US')).toBe('999 bytes')
  })
})
