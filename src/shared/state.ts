/**
 * The state snapshot the engine publishes (at most 10 times a second) and every UI reads:
 * the window (IPC or HTTP/SSE), the tray, notifications and `cradle status`.
 * Plain data only, so it survives structured clone and JSON unchanged.
 */
import type { DestinationConfigs } from './destination-config.js'
import type { WireError } from './errors.js'
import type { Settings } from './settings.js'

/** Where a phone is in its session; the UI words for each live in the renderer. */
export type SessionPhase =
  | 'connecting' // mux connect, lockdown handshake
  | 'needs-unlock' // Pair said PasswordProtected
  | 'needs-trust' // Pair said PairingDialogResponsePending
  | 'trust-denied' // UserDeniedPairing: nothing until replug
  | 'waiting-power' // policy: phone not on external power
  | 'waiting-battery' // policy: phone below the minimum battery level
  | 'ready' // trusted, waiting for a trigger (auto-run off)
  | 'scanning' // walking /DCIM
  | 'importing'
  | 'paused'
  | 'done' // this connection's backup finished
  | 'error' // see DeviceView.problem
  | 'disconnected' // known phone, not attached now

export type TrustState = 'unknown' | 'paired' | 'locked' | 'pending' | 'denied' | 'failed'

export interface BatteryView {
  /** Percent, 0..100. */
  level: number
  charging: boolean
  /** The phone reports external power (ExternalConnected). */
  externalPower: boolean
}

/** Progress of one import run; derived values (percent) are computed by the reader. */
export interface ImportProgress {
  itemsDone: number
  itemsTotal: number
  bytesDone: number
  bytesTotal: number
  currentFile: string | null
  bytesPerSecond: number
  /** null while there is not enough data to say. */
  secondsLeft: number | null
  startedAt: number
}

export interface DeviceView {
  udid: string
  name: string
  /** Marketing name, e.g. "iPhone 13"; falls back to productType. */
  model: string
  productType: string
  iosVersion: string
  connected: boolean
  connection: 'usb' | 'network' | null
  battery: BatteryView | null
  trust: TrustState
  phase: SessionPhase
  /** Items listed in the phone's camera roll at the last scan (null before the first scan). */
  itemsOnPhone: number | null
  /** Of those, how many are already safe in the library. */
  itemsSafe: number | null
  /** Listed but unreadable (iCloud "Optimize iPhone Storage"). */
  itemsNotOnPhone: number
  /** Listed, but the phone refused to give them with another AFC status ("couldn't read"); retried on a later connection. */
  itemsUnreadable: number
  /** Files of photos the user put in Recently Deleted that are not in the library (not counted in itemsOnPhone, not copied by default). */
  itemsInRecentlyDeleted: number
  /** Photos and videos the phone's Photos library says are only in iCloud (no original on the phone). */
  itemsInICloudOnly: number
  /**
   * The same counts as the Photos app counts them, in photos and videos (a Live Photo's still and
   * video, an edit's render and .AAE are one): the one live count the card, the header and the
   * progress bar show. null before the first scan.
   */
  photos: PhotoCounts | null
  /** What the phone's own Photos library said at its last read (null: never read). */
  photoLibrary: PhotoLibraryView | null
  lastBackupAt: number | null
  /** The last "Back up now" for this phone found nothing new to copy (cleared when the next run starts). */
  nothingNew: boolean
  progress: ImportProgress | null
  problem: WireError | null
}

/** A phone's photos and videos (not files): on it, safe in the library, and what the phone could not give. */
export interface PhotoCounts {
  onPhone: number
  safe: number
  /** The phone could not give one of its files: only in iCloud (Optimize iPhone Storage). */
  inICloudOnly: number
  /** The phone refused one of its files with another status ("couldn't read"). */
  unreadable: number
  /** In Recently Deleted and not in the library (not counted in onPhone). */
  inRecentlyDeleted: number
}

/**
 * The completeness answer from the phone's Photos library: "All 12,431 photos and videos are safe ·
 * 2 are only in iCloud · 37 in Recently Deleted not copied", and what does not add up.
 */
export interface PhotoLibraryView {
  /** False: the library could not be used; DCIM was backed up as before and `note` says why. */
  available: boolean
  /** "Albums and favorites are unavailable for this iPhone: <reason>" (null when available). */
  note: string | null
  /** Photos and videos (assets, not files) on the phone, not in Recently Deleted, with an original there. */
  photosOnPhone: number
  videosOnPhone: number
  /** Of those, whose original is in the library. */
  photosSafe: number
  videosSafe: number
  /** Assets only in iCloud, and assets in Recently Deleted whose original is not in the library. */
  inICloudOnly: number
  inRecentlyDeletedNotCopied: number
  /** DCIM files the database does not know, and originals the database lists that the phone did not show (first few, and how many). */
  unknownFiles: string[]
  unknownFileCount: number
  missingFiles: string[]
  missingFileCount: number
}

export type DestinationKind = 'folder' | 's3' | 'webdav' | 'immich' | 'google-photos'

export type DestinationStatus =
  | 'ready' // nothing to do
  | 'uploading'
  | 'waiting' // backing off, waiting for AC power, or paused by quota
  | 'needs-sign-in'
  | 'error' // stopped: a permanent error the user must fix (see problem)
  | 'paused'

export interface UploadCounts {
  done: number
  pending: number
  failed: number
}

export interface DestinationView {
  id: string
  name: string
  kind: DestinationKind
  /** Where it goes, for display: a URL without credentials, a bucket, a folder. */
  target: string
  /** Its settings as entered (never a secret): what the edit form starts from. */
  config: DestinationConfigs[DestinationKind]
  status: DestinationStatus
  counts: UploadCounts
  bytesPerSecond: number
  secondsLeft: number | null
  /** Why it waits: "Retrying in 30 s", "Waiting for AC power", "Daily limit; resumes at 09:00". */
  waitingReason: string | null
  /** Why files failed to upload, the commonest reason in words ("Immich did not accept a file"), when some did. */
  failedReason: string | null
  problem: WireError | null
  /** Google Photos: requests used today of the daily budget. */
  quota: { used: number; limit: number; resetsAt: number } | null
  /** Space there as last measured (null: not measured yet). */
  space: DestinationSpace | null
}

/**
 * Space on a destination as its service reports it: a disk's free and total (a folder's volume,
 * a WebDAV server's RFC 4331 quota, Immich's server disk) or an account's quota (Immich's user
 * quota). `none` where the service reports nothing, with `note` saying so ("S3 doesn't report space").
 */
export interface DestinationSpace {
  measure: 'disk' | 'quota' | 'none'
  freeBytes: number | null
  totalBytes: number | null
  usedBytes: number | null
  note: string | null
  /** Little left (under 1 GB or 2 %): shown in amber before uploads start failing. */
  low: boolean
  /** When it was measured (epoch ms). */
  checkedAt: number
}

export type ImportState = 'pending' | 'importing' | 'done' | 'duplicate' | 'not-on-phone' | 'failed'
export type UploadState = 'pending' | 'uploading' | 'done' | 'failed' | 'skipped'

/** One file of a queue row (a photo's still, its Live Photo video, its edit, its .AAE): shown when the row is opened. */
export interface QueueFileView {
  id: string
  fileName: string
  size: number
  importState: ImportState
  /** 0..100 while importing. */
  importPercent: number | null
  error: WireError | null
  /** Library-relative path once imported. */
  libraryPath: string | null
  uploads: { destinationId: string; state: UploadState; error: WireError | null }[]
}

/**
 * One row of the queue: a photo or video as the Photos app counts it (from a phone or the inbox),
 * that is its family of files — a Live Photo's still and video, an edit's render and .AAE — with
 * the family's state: failed if any file failed, waiting while any file waits, not on the phone
 * while a file is only in iCloud, in the library when every file is.
 */
export interface QueueItemView {
  /** The row's main file (the still, else the first file): its thumbnail is the row's. */
  id: string
  /** The main file's name. */
  fileName: string
  /** Live Photo, or edited (a rendered edit or an .AAE): the family is more than one picture. */
  groupKind: 'single' | 'live' | 'edited'
  /** Every file of the family together. */
  size: number
  sourceName: string
  importState: ImportState
  /** 0..100 while importing. */
  importPercent: number | null
  /** Per destination, the family's state there (failed if any file failed, waiting while any waits). */
  uploads: { destinationId: string; state: UploadState; error: WireError | null }[]
  /** Why a file of the family failed, or is only in iCloud. */
  error: WireError | null
  /** The family's files, main file first. */
  files: QueueFileView[]
  capturedAt: number | null
  /** Library-relative path once imported. */
  libraryPath: string | null
  /** A cheap thumbnail may exist (an imported JPEG or PNG, or the phone's own kept for a HEIC or video): the window asks HTTP.thumbnail(id). */
  thumbnail: boolean
  /**
   * The library side of the safety ledger once imported: what the last check of the file found
   * (null damage = its bytes matched) and when. null before the import.
   */
  libraryCopy: { damage: 'corrupt' | 'missing' | null; verifiedAt: number | null } | null
  /** The phone's Photos library says it is a favorite (false when it was not read). */
  favorite: boolean
  /** Titles of the phone's albums that hold it ([] when none, or the library was not read). */
  albums: string[]
}

export type QueueFilter = 'all' | 'pending' | 'failed' | 'not-on-phone' | 'done'

export interface QueueCounts {
  all: number
  /** Photos and videos (queue rows) with a file waiting to be imported, or imported and waiting to go up to some destination. */
  pending: number
  /** Photos and videos with a file that could not be imported, or did not go up to some destination. */
  failed: number
  /** Photos and videos with a file only in iCloud (and none failed or waiting). */
  notOnPhone: number
  /** Photos and videos whose every file is in the library (imported, or already there). */
  done: number
  /** Of `pending`: a file waiting to be imported (and none failed). */
  importPending: number
  /** Of `failed`: a file could not be imported. */
  importFailed: number
}

/** The queue in the snapshot is a summary; rows are fetched a window at a time (listQueue). */
export interface QueueSummary {
  counts: QueueCounts
  /** Bumped whenever any row changes: a reader refetches its visible window. */
  revision: number
}

export interface HistoryEntry {
  id: string
  at: number
  kind: 'import' | 'upload'
  /** Phone name, "Inbox" or destination name. */
  sourceName: string
  udid: string | null
  /** Files (new assets for an upload) — the JSON summary of `backup --once` counts these. */
  imported: number
  /**
   * An import's photos and videos, as the Photos app counts (a Live Photo's still and video, an
   * edit's render and .AAE are one): those the run brought in whole, and those with a file that
   * could not be backed up. The notices and the window's words use these. Entries recorded before
   * they existed carry the file counts.
   */
  photosImported: number
  photosNotBackedUp: number
  /**
   * The same for what an import found already safe, and what is only in iCloud (the file counts
   * in older entries). An upload's entry: uploaded / not uploaded are photosImported and
   * photosNotBackedUp, and its error is the reason the others did not get there.
   */
  photosAlreadySafe: number
  photosInICloudOnly: number
  alreadyHad: number
  /** In iCloud only (the phone could not give them, likely Optimize iPhone Storage). */
  unavailable: number
  /** The phone refused them with another AFC status ("couldn't read"). */
  unreadable: number
  failed: number
  bytes: number
  durationMs: number
  /** Set when the run ended on an error; the words say what to do. */
  error: WireError | null
}

export interface LibraryView {
  path: string
  assetCount: number
  bytes: number
  /** null when the folder is missing (e.g. an unplugged external drive). */
  freeBytes: number | null
  available: boolean
}

/** One place a photo can be safe: the library ('library') or a destination (its id). */
export interface SafetyPlace {
  id: string
  name: string
  /** Items safe there: in the library with no damage found; uploaded to a destination. */
  safe: number
  /** Items it should hold (roles a destination does not take are left out). */
  of: number
  /** The oldest last-check time among the items safe there (null: never checked). */
  verifiedAt: number | null
}

/** "12,431 photos · safe in 3 places · 2 only in iCloud", with the places behind it. */
export interface SafetySummary {
  items: number
  /** Listed on the phone but only in iCloud (Optimize iPhone Storage): not anywhere yet. */
  onlyInICloud: number
  /** Places that hold every item they should. */
  safeIn: number
  /** The library first, then each destination. */
  places: SafetyPlace[]
}

/** The safety ledger: in total and per phone. */
export interface SafetyView {
  total: SafetySummary
  phones: (SafetySummary & { udid: string; name: string })[]
}

/** The background integrity scrub: re-reads library files against their checksums. */
export interface ScrubView {
  /** Running now (null when not). */
  progress: { checked: number; total: number; bytesDone: number; bytesTotal: number } | null
  /** The last finished pass (null before the first). */
  last: { finishedAt: number; checked: number; corrupt: number; missing: number } | null
  /** Why a due pass waits: 'power' = this computer is on battery; 'library' = the library is not there. */
  waiting: 'power' | 'library' | null
  /** When the next pass is due (null: the scrub is off). */
  nextAt: number | null
  /** Library files found damaged and not yet restored. */
  damaged: number
}

export interface AppState {
  /** Increases with every snapshot; a reader drops older ones. */
  seq: number
  paused: boolean
  /** True while usbmuxd cannot be reached; see problems for the install hint. */
  muxAvailable: boolean
  devices: DeviceView[]
  destinations: DestinationView[]
  queue: QueueSummary
  library: LibraryView
  history: HistoryEntry[]
  /** Things that need the user now, most important first. */
  problems: WireError[]
  settings: Settings
  /** Whether this computer is on AC power (null when unknown). */
  onAcPower: boolean | null
  /** Where the photos are safe, in total and per phone. */
  safety: SafetyView
  scrub: ScrubView
}
