/**
 * AppState snapshots for the shell's tests: a healthy default (one phone, one destination, 12,430
 * photos safe, last backup today 08:14 local time) and small overrides per case.
 */
import { defaultSettings } from '../../../src/shared/settings.js'
import type { AppState, DestinationView, DeviceView, HistoryEntry } from '../../../src/shared/state.js'

/** Local times, so "today 08:14" holds in any time zone. */
export const NOW = new Date(2025, 2, 12, 12, 0, 0).getTime()
export const LAST_BACKUP = new Date(2025, 2, 12, 8, 14, 0).getTime()
export const LOCALE = 'en-GB'

export function device(over: Partial<DeviceView> = {}): DeviceView {
  return {
    udid: '00008110-000A1B2C3D4E5F60', name: "Anna's iPhone", model: 'iPhone 15', productType: 'iPhone15,4',
    iosVersion: '17.5', connected: true, connection: 'usb', battery: { level: 57, charging: true, externalPower: true },
    trust: 'paired', phase: 'ready', itemsOnPhone: 3511, itemsSafe: 2307, itemsNotOnPhone: 0, itemsUnreadable: 0,
    itemsInRecentlyDeleted: 0, itemsInICloudOnly: 0,
    photos: { onPhone: 3511, safe: 2307, inICloudOnly: 0, unreadable: 0, inRecentlyDeleted: 0 }, photoLibrary: null, lastBackupAt: LAST_BACKUP, nothingNew: false, progress: null, problem: null, ...over,
  }
}

export function destination(over: Partial<DestinationView> = {}): DestinationView {
  return {
    id: 'immich-1', name: 'Immich', kind: 'immich', target: 'photos.home.lan', config: { url: 'https://photos.home.lan' }, status: 'ready',
    counts: { done: 12_430, pending: 0, failed: 0 }, bytesPerSecond: 0, secondsLeft: null,
    waitingReason: null, failedReason: null, problem: null, quota: null, space: null, ...over,
  }
}

export function historyEntry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: 'h-1', at: LAST_BACKUP, kind: 'import', sourceName: "Anna's iPhone", udid: '00008110-000A1B2C3D4E5F60',
    imported: 41, photosImported: 41, photosNotBackedUp: 0, photosAlreadySafe: 3470, photosInICloudOnly: 0, alreadyHad: 3470, unavailable: 0, unreadable: 0, failed: 0, bytes: 200_000_000, durationMs: 60_000, error: null, ...over,
  }
}

export function appState(over: Partial<AppState> = {}): AppState {
  return {
    seq: 1, paused: false, muxAvailable: true, devices: [device()], destinations: [destination()],
    queue: { counts: { all: 12_430, pending: 0, failed: 0, notOnPhone: 0, done: 12_430, importPending: 0, importFailed: 0 }, revision: 1 },
    library: { path: '/home/anna/Pictures/Cradle', assetCount: 12_430, bytes: 80e9, freeBytes: 400e9, available: true },
    history: [], problems: [], settings: defaultSettings('/home/anna/Pictures/Cradle'), onAcPower: true,
    safety: { total: { items: 12_430, onlyInICloud: 0, safeIn: 1, places: [{ id: 'library', name: 'Library', safe: 12_430, of: 12_430, verifiedAt: null }] }, phones: [] },
    scrub: { progress: null, last: null, waiting: null, nextAt: null, damaged: 0 },
    ...over,
  }
}
