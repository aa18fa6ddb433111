import { describe, expect, it } from 'vitest'
import { backupAvailability, cardDevices, destinationStatus, historyLine, historyRow, knownPhones, progressView, queueFilters, statusLine } from '../../../src/renderer/store/selectors.js'
import { toWireError } from '../../../src/shared/error-text.js'
import type { DeviceView } from '../../../src/shared/state.js'
import { buildAppState, buildDestination, buildDevice, buildHistoryEntry, buildProgress, buildSafety, T0 } from '../../fakes/app-state-builder.js'

describe('Back up now', () => {
  const state = (device: Parameters<typeof buildDevice>[0], over: Parameters<typeof buildAppState>[0] = {}) => buildAppState({ devices: [buildDevice(device)], ...over })

  it('is enabled for a trusted phone that is ready, done, or waiting on a policy', () => {
    for (const phase of ['ready', 'done', 'error'] as const) {
      expect(backupAvailability(state({ phase }), true), phase).toEqual({ enabled: true, reason: null, onCard: null, heldBack: null })
    }
    // Held back by power or battery: enabled, and the press asks "Back up anyway?" for that phone.
    for (const phase of ['waiting-power', 'waiting-battery'] as const) {
      expect(backupAvailability(state({ udid: 'u1', phase }), true), phase).toEqual({ enabled: true, reason: null, onCard: null, heldBack: 'u1' })
    }
  })

  it('says why not, in the words of ui.md', () => {
    expect(backupAvailability(null, false)).toEqual({ enabled: false, reason: 'Not connected to Cradle yet.', onCard: null, heldBack: null })
    expect(backupAvailability(state({}), false).enabled).toBe(false)
    expect(backupAvailability(buildAppState({ devices: [] }), true).reason).toBe('Connect your iPhone with a cable.')
    expect(backupAvailability(state({ connected: false, phase: 'disconnected' }), true).reason).toBe('Connect your iPhone with a cable.')
    // The card says it already: onCard names the phone whose instruction the button points at.
    expect(backupAvailability(state({ udid: 'u1', phase: 'needs-unlock', trust: 'locked' }), true)).toEqual({ enabled: false, reason: 'Unlock your iPhone to continue.', onCard: 'u1', heldBack: null })
    expect(backupAvailability(state({ phase: 'needs-trust', trust: 'pending' }), true).reason).toBe('Tap Trust on your iPhone, then enter its passcode.')
    expect(backupAvailability(state({ phase: 'trust-denied', trust: 'denied' }), true).reason).toBe("Anna's iPhone said Don't Trust. Unplug it and plug it in again to be asked again.")
    expect(backupAvailability(state({ phase: 'importing' }), true).reason).toBe("Backing up Anna's iPhone now.")
    expect(backupAvailability(state({ phase: 'connecting' }), true).reason).toBe("Connecting to Anna's iPhone…")
    expect(backupAvailability(state({ phase: 'ready', connection: 'network' }), true).reason).toBe('Connect your iPhone with a USB cable to back it up.')
    expect(backupAvailability(state({ phase: 'ready' }, { paused: true }), true).reason).toBe('Paused. Press Resume all to continue.')
  })

  it('gives the usbmuxd install hint when the mux is missing', () => {
    const s = state({}, { muxAvailable: false, problems: [toWireError('usbmuxd-missing', {}, 'linux')] })
    expect(backupAvailability(s, true)).toEqual({ enabled: false, reason: 'The iPhone connection service is not installed. Install the usbmuxd package (sudo apt install usbmuxd).', onCard: null, heldBack: null })
  })

  it('is enabled when any phone can start, even if another is busy', () => {
    const s = buildAppState({ devices: [buildDevice({ phase: 'importing' }), buildDevice({ udid: 'b', name: 'Ben', phase: 'ready' })] })
    expect(backupAvailability(s, true).enabled).toBe(true)
  })
})

describe('progress', () => {
  it('formats items, bytes, speed and time left', () => {
    expect(progressView(buildProgress())).toEqual({
      itemsDone: 1204, itemsTotal: 3511, bytesPercent: 42,
      itemsText: '1,204 of 3,511', bytesText: '4.2 GB of 9.8 GB', speedText: '31 MB/s', timeLeftText: 'about 4 min left', currentFile: 'IMG_4471.HEIC',
    })
  })

  it('says nothing about speed or time before there is data', () => {
    const v = progressView(buildProgress({ bytesPerSecond: 0, secondsLeft: null, bytesTotal: 0, bytesDone: 0 }))
    expect([v.speedText, v.timeLeftText, v.bytesPercent]).toEqual([null, null, 0])
  })
})

describe('status line', () => {
  const now = T0 + 1000
  it('answers "is everything safe?" first', () => {
    expect(statusLine(buildAppState({ devices: [buildDevice({ lastBackupAt: T0 })] }), true, now)).toMatch(/^All 12,430 photos and videos are safe · last backup today \d\d?:\d\d( [AP]M)?$/)
    expect(statusLine(buildAppState({ library: { ...buildAppState().library, assetCount: 0 }, devices: [] }), true, now)).toBe('No photos or videos in the library yet')
  })

  it('never says all are safe while some are only in iCloud or not in the library yet', () => {
    const icloud = buildSafety({ items: 210, onlyInICloud: 29, places: [{ id: 'library', name: 'Library', safe: 181, of: 181, verifiedAt: T0 }] })
    expect(statusLine(buildAppState({ safety: icloud, devices: [] }), true, now)).toBe('181 of 210 photos and videos are safe · 29 in iCloud only')
    const waiting = buildSafety({ items: 210, places: [{ id: 'library', name: 'Library', safe: 200, of: 210, verifiedAt: T0 }] })
    expect(statusLine(buildAppState({ safety: waiting, devices: [] }), true, now)).toBe('200 of 210 photos and videos are safe')
  })

  it('names what the phone needs, instead of the library\'s state', () => {
    const cases: [DeviceView['phase'], string][] = [
      ['needs-unlock', "Anna's iPhone is locked"],
      ['needs-trust', "Waiting for Trust on Anna's iPhone"],
      ['trust-denied', "Anna's iPhone said Don't Trust"],
      ['waiting-power', "Anna's iPhone is not charging"],
    ]
    for (const [phase, line] of cases) {
      expect(statusLine(buildAppState({ devices: [buildDevice({ phase })], library: { path: '/p', assetCount: 0, bytes: 0, freeBytes: 1, available: true } }), true)).toBe(line)
    }
  })

  it('shows the run, a problem, uploads or pause', () => {
    const importing = buildAppState({ devices: [buildDevice({ phase: 'importing', progress: buildProgress() })] })
    // The phone's live count in photos and videos (the card's own figure), not the run's files.
    expect(statusLine(importing, true)).toBe("Backing up Anna's iPhone · 2,307 of 3,511 photos and videos safe · about 4 min left")
    const problem = buildAppState({ problems: [toWireError('disk-full', { freeBytes: 0, totalBytes: 512e9 })] })
    expect(statusLine(problem, true)).toBe('The library disk is full (0 bytes free of 512 GB) — Nothing was lost; backup resumes when there is space.')
    const uploading = buildAppState({ destinations: [buildDestination({ status: 'uploading', counts: { done: 1, pending: 230, failed: 0 } })] })
    expect(statusLine(uploading, true)).toBe('Uploading 230 photos and videos to Immich')
    // Pause all counts what it holds back: the uploads waiting, not the import queue.
    const paused = buildAppState({ paused: true, destinations: [buildDestination({ counts: { done: 0, pending: 210, failed: 0 } })], queue: { counts: { all: 400, pending: 0, failed: 0, notOnPhone: 0, done: 400, importPending: 0, importFailed: 0 }, revision: 1 } })
    expect(statusLine(paused, true)).toBe('Paused — 210 uploads waiting')
    expect(statusLine(null, false)).toBe('Connecting to Cradle…')
  })
})

describe('devices shown', () => {
  it('cards for attached and interrupted phones; others are "known phones"', () => {
    const attached = buildDevice({ udid: 'a' })
    const interrupted = buildDevice({ udid: 'b', connected: false, phase: 'disconnected', problem: toWireError('device-unplugged') })
    const known = buildDevice({ udid: 'c', connected: false, phase: 'disconnected' })
    expect(cardDevices([attached, interrupted, known]).map((d) => d.udid)).toEqual(['a', 'b'])
    expect(knownPhones([attached, interrupted, known]).map((d) => d.udid)).toEqual(['c'])
  })
})

describe('queue filters', () => {
  it('are All / Waiting N / Failed N / In iCloud only N', () => {
    expect(queueFilters({ all: 50, pending: 5, failed: 3, notOnPhone: 41, done: 1, importPending: 5, importFailed: 3 }).map((c) => `${c.label}${c.count === null ? '' : ` ${c.count}`}`))
      .toEqual(['All', 'Waiting 5', 'Failed 3', 'In iCloud only 41'])
  })

  it('Waiting and Failed count uploads too, and say per destination what they are', () => {
    const destinations = [
      buildDestination({ counts: { done: 0, pending: 0, failed: 210 }, status: 'ready' }),
      buildDestination({ id: 'nas', name: 'NAS', kind: 'folder', counts: { done: 200, pending: 40, failed: 3 }, status: 'uploading' }),
    ]
    const chips = queueFilters({ all: 230, pending: 52, failed: 213, notOnPhone: 0, done: 218, importPending: 12, importFailed: 3 }, destinations)
    expect(chips.find((c) => c.filter === 'pending')).toEqual({ filter: 'pending', label: 'Waiting', count: 52, detail: '12 to import · 40 waiting for NAS' })
    expect(chips.find((c) => c.filter === 'failed')).toEqual({ filter: 'failed', label: 'Failed', count: 213, detail: "3 couldn't be imported · 210 not uploaded to Immich · 3 not uploaded to NAS" })
    expect(queueFilters({ all: 1, pending: 0, failed: 0, notOnPhone: 0, done: 1, importPending: 0, importFailed: 0 }, [buildDestination()]).every((c) => c.detail === null)).toBe(true)
  })
})

describe('the header when copies are missing', () => {
  const now = T0 + 1000
  const failing = buildDestination({ counts: { done: 0, pending: 0, failed: 210 }, failedReason: 'Immich did not accept a file' })
  const stopped = buildDestination({ id: 'nas', name: 'NAS', kind: 'folder', status: 'error', counts: { done: 0, pending: 230, failed: 0 }, problem: toWireError('destination-config', { destinationName: 'NAS' }) })

  it('names every destination some copies are missing from, not only the first problem', () => {
    const state = buildAppState({ destinations: [failing, stopped], problems: [stopped.problem!], devices: [buildDevice({ lastBackupAt: T0 })] })
    expect(statusLine(state, true, now)).toBe('2 destinations missing copies: Immich, NAS')
  })

  it('one destination: its problem, or how many did not go up', () => {
    expect(statusLine(buildAppState({ destinations: [failing], devices: [] }), true, now)).toBe('Immich is missing copies — 210 not uploaded')
    const config = toWireError('destination-config', { destinationName: 'NAS' })
    expect(statusLine(buildAppState({ destinations: [buildDestination(), stopped], problems: [stopped.problem!], devices: [] }), true, now)).toBe(`${config.message} — ${config.action}`)
  })

  it('a phone or library problem still comes first; uploads in progress are not missing copies', () => {
    const disk = toWireError('disk-full', { freeBytes: 0, totalBytes: 512e9 })
    expect(statusLine(buildAppState({ destinations: [failing], problems: [disk] }), true, now)).toBe(`${disk.message} — ${disk.action}`)
    const uploading = buildDestination({ status: 'uploading', counts: { done: 10, pending: 200, failed: 0 } })
    expect(statusLine(buildAppState({ destinations: [uploading] }), true, now)).toBe('Uploading 200 photos and videos to Immich')
  })
})

describe('destinations', () => {
  it('names the state and, when it waits or fails, the reason', () => {
    expect(destinationStatus(buildDestination())).toMatchObject({ label: 'Ready · 12,200 uploaded', tone: 'ok' })
    expect(destinationStatus(buildDestination({ status: 'uploading', counts: { done: 1_200, pending: 230, failed: 2 }, secondsLeft: 120 })))
      .toEqual({ label: 'Uploading 1,200 of 1,432 · 2 failed', detail: 'about 2 min left', tone: 'busy' })
    expect(destinationStatus(buildDestination({ status: 'waiting', waitingReason: 'Waiting for AC power' })).detail).toBe('Waiting for AC power')
    expect(destinationStatus(buildDestination({ status: 'waiting', waitingReason: 'Retrying in 30 s', problem: toWireError('destination-unreachable', { destinationName: 'Immich' }) })).detail)
      .toBe("Can't reach Immich. Cradle retries by itself when the network is back. Retrying in 30 s.")
    expect(destinationStatus(buildDestination({ status: 'error', problem: toWireError('destination-too-large', { destinationName: 'Immich' }) })))
      .toEqual({ label: 'Stopped', detail: "Immich refused a file as too large. Raise the server's upload size limit (for example nginx client_max_body_size), then retry.", tone: 'error' })
    expect(destinationStatus(buildDestination({ name: 'Google Photos', status: 'needs-sign-in' })).detail).toBe('Sign in to Google Photos to upload.')
  })

  it('is never "Ready" when files failed to upload: the count and the reason instead', () => {
    const failed = buildDestination({ counts: { done: 0, pending: 0, failed: 210 }, failedReason: 'Immich did not accept a file' })
    expect(destinationStatus(failed)).toEqual({ label: '210 not uploaded', detail: 'Immich did not accept a file', tone: 'error' })
    const some = buildDestination({ status: 'waiting', counts: { done: 12, pending: 3, failed: 2 }, failedReason: 'NAS is full', waitingReason: 'Retrying soon' })
    expect(destinationStatus(some)).toEqual({ label: '2 not uploaded · 12 uploaded', detail: 'NAS is full · Retrying soon', tone: 'error' })
  })
})

describe('history', () => {
  it('says what a run did', () => {
    const now = T0 + 1000
    expect(historyLine(buildHistoryEntry({ photosInICloudOnly: 41, photosNotBackedUp: 2 }), now)).toMatch(/^today \d\d?:\d\d( [AP]M)? — 41 new from Anna's iPhone · 3,470 already safe · 41 in iCloud only · 2 not backed up · 180 MB$/)
  })

  it('counts photos and videos, not files: a Live Photo (2 files) is one', () => {
    const now = T0 + 1000
    const live = buildHistoryEntry({ imported: 10, photosImported: 5, alreadyHad: 8, photosAlreadySafe: 4, unavailable: 6, photosInICloudOnly: 3, unreadable: 2, failed: 2, photosNotBackedUp: 2, bytes: 0 })
    expect(historyLine(live, now)).toMatch(/— 5 new from Anna's iPhone · 4 already safe · 3 in iCloud only · 2 not backed up$/)
  })

  it('records what went to a destination, and what did not with the reason', () => {
    const now = T0 + 1000
    const upload = { kind: 'upload' as const, udid: null, alreadyHad: 0, photosAlreadySafe: 0, bytes: 0 }
    const done = buildHistoryEntry({ ...upload, id: 'u2', sourceName: 'Immich', imported: 230, photosImported: 210 })
    expect(historyLine(done, now)).toMatch(/— Uploaded 210 photos and videos to Immich$/)
    const full = buildHistoryEntry({ ...upload, id: 'u1', at: T0 - 60_000, sourceName: 'NAS', imported: 0, photosImported: 0, failed: 14, photosNotBackedUp: 12, error: toWireError('destination-full', { destinationName: 'NAS' }) })
    expect(historyLine(full, now)).toMatch(/— 12 not uploaded to NAS: NAS is full$/)
    const some = buildHistoryEntry({ ...upload, sourceName: 'NAS', photosImported: 3, photosNotBackedUp: 1, error: toWireError('destination-full', { destinationName: 'NAS' }) })
    expect(historyLine(some, now)).toMatch(/— Uploaded 3 photos and videos to NAS · 1 not uploaded: NAS is full$/)
    // Red while it is the latest word on that destination, grey once a later batch got everything there.
    expect(historyRow(full, [full], now)).toMatchObject({ tone: 'now', error: { message: 'Free space there (or raise its quota). Cradle tries again by itself every 15 minutes.', action: null } })
    expect(historyRow(full, [done, full], now).tone).toBe('now')
    const later = buildHistoryEntry({ ...upload, id: 'u3', sourceName: 'NAS', photosImported: 12 })
    expect(historyRow(full, [later, done, full], now).tone).toBe('past')
    expect(historyRow(done, [done], now)).toMatchObject({ tone: 'normal', error: null })
  })

  it('an error dealt with by a later run is past: grey, past tense, no instruction; nothing new is quiet', () => {
    const now = T0 + 1000
    const unplugged = buildHistoryEntry({ id: '1', at: T0 - 120_000, imported: 12, photosImported: 12, error: toWireError('device-unplugged', { deviceName: "Anna's iPhone" }) })
    const resumed = buildHistoryEntry({ id: '2', at: T0 - 60_000 })
    const nothing = buildHistoryEntry({ id: '3', at: T0, imported: 0, alreadyHad: 3_470, unavailable: 0, unreadable: 0, failed: 0, bytes: 0 })
    const history = [nothing, resumed, unplugged]
    const past = historyRow(unplugged, history, now)
    expect(past).toMatchObject({ tone: 'past', error: null })
    expect(past.text).toMatch(/— Unplugged · 12 new from Anna's iPhone · resumed today \d\d?:\d\d/)
    // The cable stayed in: the connection was lost, not unplugged.
    const dropped = buildHistoryEntry({ id: '0', at: T0 - 180_000, photosImported: 0, error: toWireError('device-connection-lost', { deviceName: "Anna's iPhone" }) })
    expect(historyRow(dropped, [...history, dropped], now).text).toMatch(/— Interrupted \(connection lost\) · Anna's iPhone · resumed today \d\d?:\d\d/)
    expect(historyRow(dropped, [dropped], now)).toMatchObject({ tone: 'now', error: { message: "The connection to Anna's iPhone was lost", action: 'Cradle reconnects by itself; the backup continues where it stopped.' } })
    // Still the latest word on that phone: red, with what to do.
    expect(historyRow(unplugged, [unplugged], now)).toMatchObject({ tone: 'now', error: { message: "Anna's iPhone was unplugged", action: 'Plug it in again; the backup continues where it stopped.' } })
    expect(historyRow(nothing, history, now)).toMatchObject({ tone: 'quiet', error: null })
    expect(historyRow(nothing, history, now).text).toMatch(/— Nothing new from Anna's iPhone$/)
    expect(historyRow(resumed, history, now).tone).toBe('normal')
  })
})
