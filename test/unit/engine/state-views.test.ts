import { describe, expect, it } from 'vitest'
import { collectProblems, disconnectedPhoneView, type ProblemSources } from '../../../src/main/engine/state-views.js'
import { toWireError } from '../../../src/shared/error-text.js'
import { CradleError } from '../../../src/shared/errors.js'
import type { DestinationView } from '../../../src/shared/state.js'

const phone = { udid: 'U1', name: "Anna's iPhone", productType: 'iPhone14,5', iosVersion: '17.5', lastBackupAt: 1000 }
const counts = { itemsOnPhone: 10, itemsSafe: 7, itemsNotOnPhone: 1, itemsUnreadable: 2, itemsInRecentlyDeleted: 0, itemsInICloudOnly: 0,
  photos: { onPhone: 9, safe: 6, inICloudOnly: 1, unreadable: 2, inRecentlyDeleted: 0 } }

const base: ProblemSources = { platform: 'linux', mux: null, library: null, libraryRoot: '/lib', devices: [], destinations: [], settings: null, secretsWeakness: undefined }

describe('state views', () => {
  it('shows a known phone that is away with its model, counts and last backup', () => {
    expect(disconnectedPhoneView(phone, counts, undefined)).toMatchObject({
      name: "Anna's iPhone", model: 'iPhone 13', connected: false, phase: 'disconnected', itemsSafe: 7, lastBackupAt: 1000, progress: null, problem: null,
    })
  })

  it('keeps where an interrupted backup stopped and why', () => {
    const problem = toWireError('device-unplugged', { deviceName: "Anna's iPhone" })
    const progress = { itemsDone: 3, itemsTotal: 9, bytesDone: 1, bytesTotal: 3, currentFile: null, bytesPerSecond: 0, secondsLeft: null, startedAt: 0 }
    const view = disconnectedPhoneView(phone, counts, { progress, problem })
    expect(view.problem?.message).toBe("Anna's iPhone was unplugged")
    expect(collectProblems({ ...base, devices: [view] })).toEqual([problem])
  })

  it('orders problems: usbmuxd, library, phones, stopped destinations, settings', () => {
    const phoneProblem = toWireError('pairing-pending')
    const dest = { problem: toWireError('destination-auth', { destinationName: 'Immich' }), status: 'error' } as DestinationView
    const waiting = { problem: null, status: 'waiting' } as DestinationView
    const problems = collectProblems({
      ...base,
      mux: new CradleError('usbmuxd-missing'),
      library: new CradleError('disk-full', 'ENOSPC', { context: { freeBytes: 0, totalBytes: 1e12 } }),
      devices: [{ ...disconnectedPhoneView(phone, counts, undefined), connected: true, problem: phoneProblem }],
      destinations: [dest, waiting],
      settings: new CradleError('settings-invalid', 'x', { context: { key: 'layout' } }),
    })
    expect(problems.map((p) => p.code)).toEqual(['usbmuxd-missing', 'disk-full', 'pairing-pending', 'destination-auth', 'settings-invalid'])
    expect(problems[0]!.action).toBe('Install the usbmuxd package (sudo apt install usbmuxd).')
  })
})
