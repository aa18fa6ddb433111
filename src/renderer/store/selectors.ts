/**
 * Derived values: plain functions over the store or the snapshot, unit-tested without React.
 * Those returning fresh objects are used with useShallow (flat objects) or computed from a stable
 * piece in render.
 */
import { describeError } from '../../shared/error-text.js'
import { uploadBatchText } from '../../shared/history-text.js'
import { formatBytes, formatCount, formatPercent, formatPhotos, formatSpeed, formatTimeLeft, formatWhen } from '../../shared/format.js'
import type { AppState, DestinationView, DeviceView, HistoryEntry, ImportProgress, QueueCounts, QueueFilter } from '../../shared/state.js'
import { CONNECT_PROMPT, phoneBlocker, plural, WAITING_FOR_POWER } from '../words.js'
import { queueKey, queueTotal } from './queue-window.js'
import type { Store } from './store-types.js'

const EMPTY_COUNTS: QueueCounts = { all: 0, pending: 0, failed: 0, notOnPhone: 0, done: 0, importPending: 0, importFailed: 0 }
const NO_DEVICES: DeviceView[] = []
const NO_DESTINATIONS: DestinationView[] = []

export const selectSnapshot = (s: Store) => s.snapshot
export const selectQueueCounts = (s: Store) => s.snapshot?.queue.counts ?? EMPTY_COUNTS
export const selectDevices = (s: Store) => s.snapshot?.devices ?? NO_DEVICES
export const selectDestinations = (s: Store) => s.snapshot?.destinations ?? NO_DESTINATIONS
export const selectDevice = (udid: string) => (s: Store) => s.snapshot?.devices.find((d) => d.udid === udid)
export const selectQueueKey = (s: Store) => queueKey(s.queueFilter, s.queueSearch)
export const selectQueueTotal = (s: Store) => queueTotal(s.queueWindow, selectQueueKey(s), s.snapshot?.queue.counts, s.queueFilter, s.queueSearch)

/** Phones that get a card: attached ones, and unplugged ones whose backup was interrupted. */
export function cardDevices(devices: readonly DeviceView[]): DeviceView[] {
  return devices.filter((d) => d.connected || d.problem !== null || d.progress !== null)
}

/** Known phones not attached now (shown under the empty state with their last backup). */
export function knownPhones(devices: readonly DeviceView[]): DeviceView[] {
  return devices.filter((d) => !d.connected && d.problem === null && d.progress === null)
}

export interface BackupAvailability {
  enabled: boolean
  /** Why not, in words the person can act on; null when enabled. */
  reason: string | null
  /** The phone whose card already shows `reason` as its instruction (said once, there), or null. */
  onCard: string | null
  /** Enabled, but the phone is held back by power or battery: the window asks "Back up anyway?". */
  heldBack: string | null
}

const STARTABLE = new Set<DeviceView['phase']>(['ready', 'done', 'error', 'waiting-power', 'waiting-battery'])

function blockedReason(d: DeviceView): string {
  if (d.connection === 'network') return 'Connect your iPhone with a USB cable to back it up.'
  switch (d.phase) {
    case 'importing':
    case 'scanning': return `Backing up ${d.name} now.`
    case 'paused': return 'Paused. Press Resume all to continue.'
    case 'connecting': return `Connecting to ${d.name}…`
    case 'needs-unlock': return describeError('device-locked').action!
    case 'needs-trust': return describeError('pairing-pending').action!
    case 'trust-denied': {
      const t = describeError('pairing-denied', { deviceName: d.name })
      return `${t.title}. ${t.action}`
    }
    case 'waiting-power': return WAITING_FOR_POWER
    default: return CONNECT_PROMPT
  }
}

/** "Back up now": enabled when it can start something, else the reason. */
export function backupAvailability(state: AppState | null, connected: boolean): BackupAvailability {
  if (!state || !connected) return { enabled: false, reason: 'Not connected to Cradle yet.', onCard: null, heldBack: null }
  if (!state.muxAvailable) {
    const problem = state.problems.find((p) => p.code === 'usbmuxd-missing' || p.code === 'usbmuxd-not-running')
    const text = problem ?? describeError('usbmuxd-not-running')
    const title = 'message' in text ? text.message : text.title
    return { enabled: false, reason: `${title}. ${text.action ?? ''}`.trim(), onCard: null, heldBack: null }
  }
  if (state.paused) {
    const card = state.devices.find((d) => d.connected && d.phase === 'paused')
    return { enabled: false, reason: 'Paused. Press Resume all to continue.', onCard: card?.udid ?? null, heldBack: null }
  }
  const attached = state.devices.filter((d) => d.connected)
  if (attached.length === 0) return { enabled: false, reason: 'Connect your iPhone with a cable.', onCard: null, heldBack: null }
  const startable = attached.filter((d) => d.connection === 'usb' && d.trust === 'paired' && STARTABLE.has(d.phase))
  if (startable.length > 0) {
    // Only when every phone it would start is held back does the press need a "Back up anyway?".
    const held = startable.every((d) => HELD_BACK.has(d.phase)) ? startable[0]!.udid : null
    return { enabled: true, reason: null, onCard: null, heldBack: held }
  }
  const blocking = attached.find((d) => d.phase === 'importing' || d.phase === 'scanning') ?? attached[0]!
  return { enabled: false, reason: blockedReason(blocking), onCard: ON_CARD.has(blocking.phase) && blocking.connection !== 'network' ? blocking.udid : null, heldBack: null }
}

/** Phases whose card shows the same instruction "Back up now" would give as its reason. */
const ON_CARD = new Set<DeviceView['phase']>(['needs-unlock', 'needs-trust', 'trust-denied'])
/** Phones the import conditions hold back (not charging, battery low): "Back up anyway?". */
const HELD_BACK = new Set<DeviceView['phase']>(['waiting-power', 'waiting-battery'])

export const selectBackupAvailability = (s: Store): BackupAvailability => backupAvailability(s.snapshot, s.connected)

export interface ProgressView {
  itemsDone: number
  itemsTotal: number
  bytesPercent: number
  itemsText: string
  bytesText: string
  speedText: string | null
  timeLeftText: string | null
  currentFile: string | null
}

/** Progress as shown: "1,204 of 3,511", "4.2 GB of 9.8 GB", "31 MB/s", "about 4 min left". */
export function progressView(p: ImportProgress): ProgressView {
  return {
    itemsDone: Math.min(p.itemsDone, p.itemsTotal),
    itemsTotal: p.itemsTotal,
    bytesPercent: formatPercent(p.bytesDone, p.bytesTotal),
    itemsText: `${formatCount(p.itemsDone)} of ${formatCount(p.itemsTotal)}`,
    bytesText: `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`,
    speedText: p.bytesPerSecond > 0 ? formatSpeed(p.bytesPerSecond) : null,
    timeLeftText: formatTimeLeft(p.secondsLeft),
    currentFile: p.currentFile,
  }
}

/** The headline, like the tray's first line: "is everything safe?" answered without reading further. */
export function statusLine(state: AppState | null, connected: boolean, now: number = Date.now()): string {
  if (!state) return connected ? 'Starting…' : 'Connecting to Cradle…'
  const importing = state.devices.find((d) => d.progress && (d.phase === 'importing' || d.phase === 'paused'))
  if (state.paused) return pausedLine(state)
  if (importing?.progress) {
    const left = formatTimeLeft(importing.progress.secondsLeft)
    // The card's own live count (photos and videos safe on this phone), never a second figure.
    const p = importing.photos
    const safe = p ? `${formatCount(Math.min(p.safe, p.onPhone))} of ${formatPhotos(p.onPhone)} safe` : `${formatCount(importing.progress.itemsDone)} of ${formatCount(importing.progress.itemsTotal)}`
    return [`Backing up ${importing.name}`, safe, left].filter(Boolean).join(' · ')
  }
  // What the phone needs comes before everything else: nothing is backed up until it is done.
  const blocker = state.devices.map((d) => phoneBlocker(d, state.settings)).find(Boolean)
  if (blocker) return blocker
  // The phone, the library, settings first; a destination's own problem is said with the others missing copies.
  const first = state.problems.find((p) => !p.code.startsWith('destination-'))
  if (first) return first.action ? `${first.message} — ${first.action}` : first.message
  const missingCopies = destinationsMissingCopies(state.destinations)
  if (missingCopies.length > 0) return missingCopiesLine(missingCopies)
  const destinationProblem = state.problems[0]
  if (destinationProblem) return destinationProblem.action ? `${destinationProblem.message} — ${destinationProblem.action}` : destinationProblem.message
  const uploading = state.destinations.find((d) => d.status === 'uploading' && d.counts.pending > 0)
  if (uploading) return `Uploading ${formatPhotos(uploading.counts.pending)} to ${uploading.name}`
  const last = Math.max(0, ...state.devices.map((d) => d.lastBackupAt ?? 0))
  // Photos in iCloud only are nowhere yet: "181 of 210 photos and videos are safe · 29 in iCloud only", not "All … are safe".
  const total = state.safety.total
  const library = total.places.find((p) => p.id === 'library')
  if (state.library.assetCount === 0 || !library) return 'No photos or videos in the library yet'
  const missing = library.of - library.safe
  const safe = total.onlyInICloud > 0 || missing > 0
    ? [`${formatCount(library.safe)} of ${formatPhotos(total.items)} are safe`, total.onlyInICloud > 0 ? `${formatCount(total.onlyInICloud)} in iCloud only` : null].filter(Boolean).join(' · ')
    : library.safe === 1 ? 'The 1 photo or video is safe' : `All ${formatPhotos(library.safe)} are safe`
  return last > 0 ? `${safe} · last backup ${formatWhen(last, now)}` : safe
}

/** "Paused — 210 uploads waiting · 12 photos and videos not copied from Anna's iPhone": what Pause all holds back. */
export function pausedLine(state: AppState): string {
  const uploads = state.destinations.reduce((n, d) => n + d.counts.pending, 0)
  const parts = uploads > 0 ? [`${plural(uploads, 'upload')} waiting`] : []
  for (const d of state.devices) {
    if (!d.progress || !d.connected) continue
    const left = d.photos ? d.photos.onPhone - d.photos.safe - d.photos.inICloudOnly : d.progress.itemsTotal - d.progress.itemsDone
    if (left > 0) parts.push(`${formatPhotos(left)} not copied from ${d.name}`)
  }
  return `Paused — ${parts.length > 0 ? parts.join(' · ') : 'nothing is waiting'}`
}

export interface FilterChip {
  filter: QueueFilter
  label: string
  count: number | null
  /** What the count is made of ("3 couldn't be imported · 210 not uploaded to Immich"); null when nothing. */
  detail: string | null
}

/**
 * The queue's filter buttons: All / Waiting N / Failed N / In iCloud only N. Waiting and Failed
 * count files whose import or any upload waits or failed, and say per destination what that is.
 */
export function queueFilters(counts: QueueCounts, destinations: readonly DestinationView[] = []): FilterChip[] {
  return [
    { filter: 'all', label: 'All', count: null, detail: null },
    { filter: 'pending', label: 'Waiting', count: counts.pending, detail: filterDetail('pending', counts, destinations) },
    { filter: 'failed', label: 'Failed', count: counts.failed, detail: filterDetail('failed', counts, destinations) },
    { filter: 'not-on-phone', label: 'In iCloud only', count: counts.notOnPhone, detail: null },
  ]
}

/** "12 to import · 40 waiting for Immich" / "3 couldn't be imported · 210 not uploaded to Immich". */
export function filterDetail(filter: 'pending' | 'failed', counts: QueueCounts, destinations: readonly DestinationView[]): string | null {
  const parts: string[] = []
  if (filter === 'pending') {
    if (counts.importPending > 0) parts.push(`${formatCount(counts.importPending)} to import`)
    for (const d of destinations) if (d.counts.pending > 0) parts.push(`${formatCount(d.counts.pending)} waiting for ${d.name}`)
  } else {
    if (counts.importFailed > 0) parts.push(`${formatCount(counts.importFailed)} couldn't be imported`)
    for (const d of destinations) if (d.counts.failed > 0) parts.push(`${formatCount(d.counts.failed)} not uploaded to ${d.name}`)
  }
  return parts.length > 0 ? parts.join(' · ') : null
}

/**
 * Destinations some copies are missing from: files that failed to go up, or that wait while the
 * destination is not uploading (stopped, signed out, waiting to retry). Uploads in progress are not
 * "missing".
 */
export function destinationsMissingCopies(destinations: readonly DestinationView[]): DestinationView[] {
  return destinations.filter((d) => d.counts.failed > 0 || (d.counts.pending > 0 && (d.status === 'error' || d.status === 'needs-sign-in' || d.status === 'waiting')))
}

/** "2 destinations missing copies: Immich, NAS"; one: its problem, or "Immich is missing copies — 210 not uploaded". */
function missingCopiesLine(missing: readonly DestinationView[]): string {
  if (missing.length > 1) return `${missing.length} destinations missing copies: ${missing.map((d) => d.name).join(', ')}`
  const d = missing[0]!
  if (d.problem) return d.problem.action ? `${d.problem.message} — ${d.problem.action}` : d.problem.message
  const what = d.counts.failed > 0 ? `${formatCount(d.counts.failed)} not uploaded` : `${formatCount(d.counts.pending)} waiting`
  return `${d.name} is missing copies — ${what}`
}

/** A destination's state in a few words, with the reason when it waits or fails. */
export function destinationStatus(d: DestinationView): { label: string; detail: string | null; tone: 'ok' | 'busy' | 'attention' | 'error' | 'idle' } {
  const problem = d.problem ? (d.problem.action ? `${d.problem.message}. ${d.problem.action}` : d.problem.message) : null
  // Files that did not get there are never "Ready": "210 not uploaded", with the reason.
  if (d.counts.failed > 0 && (d.status === 'ready' || d.status === 'waiting')) {
    const label = `${formatCount(d.counts.failed)} not uploaded${d.counts.done > 0 ? ` · ${formatCount(d.counts.done)} uploaded` : ''}`
    return { label, detail: [d.failedReason, d.waitingReason].filter(Boolean).join(' · ') || null, tone: 'error' }
  }
  switch (d.status) {
    case 'ready':
      return { label: d.counts.done > 0 ? `Ready · ${formatCount(d.counts.done)} uploaded` : 'Ready', detail: null, tone: 'ok' }
    case 'uploading': {
      const left = formatTimeLeft(d.secondsLeft)
      // "x of y": what is there of everything this destination is to hold (failed ones included: they are owed).
      const all = d.counts.done + d.counts.pending + d.counts.failed
      return { label: `Uploading ${formatCount(d.counts.done)} of ${formatCount(all)}${d.counts.failed ? ` · ${formatCount(d.counts.failed)} failed` : ''}`, detail: left, tone: 'busy' }
    }
    case 'waiting':
      // Both when both are known: what went wrong, and when it is tried again.
      return { label: 'Waiting', detail: problem && d.waitingReason ? `${problem} ${d.waitingReason}.` : d.waitingReason ?? problem, tone: 'idle' }
    case 'needs-sign-in':
      return { label: 'Needs sign-in', detail: problem ?? `Sign in to ${d.name} to upload.`, tone: 'attention' }
    case 'error':
      return { label: 'Stopped', detail: problem ?? 'Something went wrong.', tone: 'error' }
    case 'paused':
      return { label: 'Paused', detail: null, tone: 'idle' }
  }
}

/**
 * "today 08:14 — 41 new from Anna's iPhone · 3,470 already safe · 3 in iCloud only · 2 not backed up",
 * counted in photos and videos (a Live Photo is one), as every count the person reads. An upload:
 * "Uploaded 210 photos and videos to Immich · 12 not uploaded: NAS is full".
 */
export function historyLine(h: HistoryEntry, now: number = Date.now()): string {
  const when = formatWhen(h.at, now)
  if (h.kind === 'upload') return `${when} — ${uploadBatchText(h)}`
  const parts = [`${formatCount(h.photosImported)} new from ${h.sourceName}`]
  if (h.photosAlreadySafe > 0) parts.push(`${formatCount(h.photosAlreadySafe)} already safe`)
  if (h.photosInICloudOnly > 0) parts.push(`${formatCount(h.photosInICloudOnly)} in iCloud only`)
  if (h.photosNotBackedUp > 0) parts.push(`${formatCount(h.photosNotBackedUp)} not backed up`)
  if (h.bytes > 0) parts.push(formatBytes(h.bytes))
  return `${when} — ${parts.join(' · ')}`
}

/** How a run that was cut short reads once a later run went on: an unplug is not a lost connection. */
function interruption(h: HistoryEntry): string {
  const what = h.photosImported > 0 ? `${formatCount(h.photosImported)} new from ${h.sourceName}` : h.sourceName
  switch (h.error?.code) {
    case 'device-unplugged':
      return `Unplugged · ${what}`
    case 'device-connection-lost':
      return `Interrupted (connection lost) · ${what}`
    default:
      return `Interrupted — ${h.error?.message ?? ''}`
  }
}

export interface HistoryRow {
  text: string
  /** 'now': an error still to act on (red, with its action); 'past': it was dealt with (grey, past tense); 'quiet': nothing happened. */
  tone: 'normal' | 'now' | 'past' | 'quiet'
  /** The error's words and what to do, only while it still matters. */
  error: { message: string; action: string | null } | null
}

/**
 * One History row. A run that ended on an error and was followed by a good run of the same phone
 * is the past: "Unplugged · 12 new from Anna's iPhone · resumed today 4:21 AM" (or "Interrupted
 * (connection lost) · …" when the cable stayed in), in grey, without its instruction. A
 * destination's files that did not get there stay red until a later batch got everything there. A manual run that found nothing says "Nothing new" quietly.
 * `history` is newest first, as the snapshot has it.
 */
export function historyRow(h: HistoryEntry, history: readonly HistoryEntry[], now: number = Date.now()): HistoryRow {
  const when = formatWhen(h.at, now)
  const index = history.indexOf(h)
  const newer = history.slice(0, index < 0 ? 0 : index).reverse()
  if (h.kind === 'upload') {
    // Files that did not get there are red until a later batch of that destination got everything there.
    if (h.photosNotBackedUp === 0) return { text: historyLine(h, now), tone: 'normal', error: null }
    const later = newer.some((e) => e.kind === 'upload' && e.sourceName === h.sourceName && e.photosNotBackedUp === 0)
    if (later) return { text: historyLine(h, now), tone: 'past', error: null }
    // The line says what and why; below it, in red, only what to do (not the reason twice).
    return { text: historyLine(h, now), tone: 'now', error: h.error?.action ? { message: h.error.action, action: null } : null }
  }
  if (h.error) {
    const later = newer.find((e) => e.kind === h.kind && e.sourceName === h.sourceName && e.udid === h.udid && e.error === null)
    if (later) return { text: `${when} — ${interruption(h)} · resumed ${formatWhen(later.at, now)}`, tone: 'past', error: null }
    return { text: historyLine(h, now), tone: 'now', error: { message: h.error.message, action: h.error.action ?? null } }
  }
  const nothing = h.imported === 0 && h.failed === 0 && h.unreadable === 0 && h.unavailable === 0
  if (nothing) return { text: `${when} — Nothing new${h.kind === 'import' ? ` from ${h.sourceName}` : ` for ${h.sourceName}`}`, tone: 'quiet', error: null }
  return { text: historyLine(h, now), tone: 'normal', error: null }
}
