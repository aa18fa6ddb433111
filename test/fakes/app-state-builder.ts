/**
 * Builders for realistic AppState snapshots (devices, destinations, queue rows, history) for the
 * renderer's unit tests and the scripted engine. Plain data, no Node imports: it loads under jsdom,
 * Node and the web typecheck alike.
 */
import { defaultSettings } from '../../src/shared/settings.js'
import type {
  AppState,
  DestinationView,
  DeviceView,
  HistoryEntry,
  ImportProgress,
  QueueItemView,
  SafetySummary,
  SafetyView,
} from '../../src/shared/state.js'

export const T0 = Date.UTC(2025, 2, 12, 8, 14, 0)

export function buildDevice(over: Partial<DeviceView> = {}): DeviceView {
  return {
    udid: '00008110-000A1B2C3D4E5F60',
    name: "Anna's iPhone",
    model: 'iPhone 15',
    productType: 'iPhone15,4',
    iosVersion: '17.5',
    connected: true,
    connection: 'usb',
    battery: { level: 57, charging: true, externalPower: true },
    trust: 'paired',
    phase: 'ready',
    itemsOnPhone: 3511,
    itemsSafe: 2307,
    itemsNotOnPhone: 0,
    itemsUnreadable: 0,
    itemsInRecentlyDeleted: 0,
    itemsInICloudOnly: 0,
    photos: { onPhone: 3511, safe: 2307, inICloudOnly: 0, unreadable: 0, inRecentlyDeleted: 0 },
    photoLibrary: null,
    lastBackupAt: T0 - 86_400_000,
    nothingNew: false,
    progress: null,
    problem: null,
    ...over,
  }
}

export function buildProgress(over: Partial<ImportProgress> = {}): ImportProgress {
  return {
    itemsDone: 1204,
    itemsTotal: 3511,
    bytesDone: 4_200_000_000,
    bytesTotal: 9_800_000_000,
    currentFile: 'IMG_4471.HEIC',
    bytesPerSecond: 31_000_000,
    secondsLeft: 240,
    startedAt: T0,
    ...over,
  }
}

export function buildDestination(over: Partial<DestinationView> = {}): DestinationView {
  return {
    id: 'immich-1',
    name: 'Immich',
    kind: 'immich',
    target: 'photos.home.lan',
    config: { url: 'https://photos.home.lan' },
    status: 'ready',
    counts: { done: 12_200, pending: 0, failed: 0 },
    bytesPerSecond: 0,
    secondsLeft: null,
    waitingReason: null,
    failedReason: null,
    problem: null,
    quota: null,
    space: null,
    ...over,
  }
}

const NAMES = ['IMG_', 'IMG_E', 'IMG_']

/** A deterministic queue row for index `i` (names wrap like a camera roll: IMG_0001…IMG_9999). */
export function buildQueueItem(i: number, over: Partial<QueueItemView> = {}): QueueItemView {
  const number = String((i % 9999) + 1).padStart(4, '0')
  const live = i % 5 === 0
  const prefix = NAMES[i % 3]!
  const item: Omit<QueueItemView, 'files'> & { files?: QueueItemView['files'] } = {
    id: `item-${i}`,
    fileName: `${prefix}${number}.${i % 7 === 3 ? 'MOV' : 'HEIC'}`,
    groupKind: live ? 'live' : prefix === 'IMG_E' ? 'edited' : 'single',
    size: 1_500_000 + ((i * 7919) % 4_000_000),
    sourceName: "Anna's iPhone",
    importState: 'done',
    importPercent: null,
    uploads: [{ destinationId: 'immich-1', state: 'done', error: null }],
    error: null,
    capturedAt: T0 - i * 60_000,
    libraryPath: `2025/2025-03/${prefix}${number}.HEIC`,
    thumbnail: false,
    libraryCopy: { damage: null, verifiedAt: T0 },
    favorite: false,
    albums: [],
    ...over,
  }
  // A row is a photo; unless told, its one file is the row itself.
  const { id, fileName, size, importState, importPercent, error, libraryPath, uploads } = item
  return { ...item, files: item.files ?? [{ id, fileName, size, importState, importPercent, error, libraryPath, uploads }] }
}

export function buildHistoryEntry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: 'h-1',
    at: T0,
    kind: 'import',
    sourceName: "Anna's iPhone",
    udid: '00008110-000A1B2C3D4E5F60',
    imported: 41,
    photosImported: 41,
    photosNotBackedUp: 0,
    photosAlreadySafe: 3470,
    photosInICloudOnly: 0,
    alreadyHad: 3470,
    unavailable: 0,
    unreadable: 0,
    failed: 0,
    bytes: 180_000_000,
    durationMs: 95_000,
    error: null,
    ...over,
  }
}

/** "12,430 photos · safe in 2 places" for Anna's iPhone and in total (library + Immich). */
export function buildSafety(over: Partial<SafetySummary> = {}): SafetyView {
  const summary: SafetySummary = {
    items: 12_430,
    onlyInICloud: 0,
    safeIn: 2,
    places: [
      { id: 'library', name: 'Library', safe: 12_430, of: 12_430, verifiedAt: T0 },
      { id: 'immich-1', name: 'Immich', safe: 12_430, of: 12_430, verifiedAt: null },
    ],
    ...over,
  }
  return { total: summary, phones: [{ udid: '00008110-000A1B2C3D4E5F60', name: "Anna's iPhone", ...summary }] }
}

export function buildAppState(over: Partial<AppState> = {}): AppState {
  return {
    seq: 1,
    paused: false,
    muxAvailable: true,
    devices: [buildDevice()],
    destinations: [buildDestination()],
    queue: { counts: { all: 0, pending: 0, failed: 0, notOnPhone: 0, done: 0, importPending: 0, importFailed: 0 }, revision: 1 },
    library: { path: '/home/anna/Pictures/Cradle', assetCount: 12_430, bytes: 61_000_000_000, freeBytes: 400_000_000_000, available: true },
    history: [buildHistoryEntry()],
    problems: [],
    settings: defaultSettings('/home/anna/Pictures/Cradle'),
    onAcPower: true,
    safety: buildSafety(),
    scrub: { progress: null, last: { finishedAt: T0, checked: 12_430, corrupt: 0, missing: 0 }, waiting: null, nextAt: T0 + 30 * 86_400_000, damaged: 0 },
    ...over,
  }
}
