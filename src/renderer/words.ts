/**
 * What the window says about a phone, per session phase, in the words of ui.md. Error sentences
 * (locked, trust, unplugged, …) come from describeError so the tray, notifications and the CLI say
 * the same; the rest are the window's own.
 */
import { assertNever } from '../shared/assert-never.js'
import { describeError } from '../shared/error-text.js'
import { formatCount, formatPhotos } from '../shared/format.js'
import type { Settings } from '../shared/settings.js'
import type { WireError } from '../shared/errors.js'
import type { DeviceView, PhotoLibraryView } from '../shared/state.js'

export type Tone = 'ok' | 'busy' | 'idle' | 'attention' | 'error'

export interface DeviceStatus {
  /** One line: what is happening. */
  text: string
  /** What the person should do, if anything. */
  instruction: string | null
  tone: Tone
}

export const WAITING_FOR_POWER = "Waiting for power — this port isn't charging your iPhone."
export const CONNECT_PROMPT = 'Connect your iPhone with a cable. Cradle starts by itself.'

function fromProblem(problem: WireError | null, fallback: string): { text: string; instruction: string | null } {
  if (!problem) return { text: fallback, instruction: null }
  return { text: problem.message, instruction: problem.action ?? null }
}

/** The status line and instruction of a device card. */
export function deviceStatus(d: DeviceView, settings: Settings | null): DeviceStatus {
  const ctx = { deviceName: d.name }
  switch (d.phase) {
    case 'connecting':
      return { text: `Connecting to ${d.name}…`, instruction: null, tone: 'busy' }
    case 'needs-unlock': {
      const t = describeError('device-locked', ctx)
      return { text: t.title, instruction: t.action ?? null, tone: 'attention' }
    }
    case 'needs-trust': {
      const t = describeError('pairing-pending', ctx)
      return { text: t.title, instruction: t.action ?? null, tone: 'attention' }
    }
    case 'trust-denied': {
      const t = describeError('pairing-denied', ctx)
      return { text: t.title, instruction: t.action ?? null, tone: 'error' }
    }
    case 'waiting-power':
      return { text: WAITING_FOR_POWER, instruction: 'Use a port or charger that charges it, or turn off "Only while the iPhone is charging" in Settings.', tone: 'attention' }
    case 'waiting-battery': {
      const min = settings?.minBatteryPercent
      const now = d.battery ? ` (now ${d.battery.level} %)` : ''
      return { text: min ? `Waiting for the battery to reach ${min} %${now}.` : 'Waiting for the battery to charge.', instruction: null, tone: 'attention' }
    }
    case 'ready':
      return { text: 'Connected and ready to back up.', instruction: null, tone: 'idle' }
    case 'scanning':
      return { text: 'Looking for new photos and videos…', instruction: null, tone: 'busy' }
    case 'importing':
      return { text: `Backing up ${d.name}…`, instruction: null, tone: 'busy' }
    case 'paused':
      return { text: 'Paused.', instruction: 'Press Resume all to continue.', tone: 'idle' }
    case 'done': {
      // Counted as the Photos app counts (photos and videos, not files). Never "everything is safe"
      // while the phone refused some, or some are not safe for another reason.
      const p = d.photos
      const unreadable = p?.unreadable ?? d.itemsUnreadable
      const icloud = p?.inICloudOnly ?? d.itemsNotOnPhone
      if (unreadable > 0) return { text: `Backed up, except ${formatPhotos(unreadable)} Cradle couldn't read.`, instruction: null, tone: 'attention' }
      const notSafe = p ? p.onPhone - p.safe - p.inICloudOnly : d.itemsOnPhone !== null && d.itemsSafe !== null ? d.itemsOnPhone - d.itemsSafe - d.itemsNotOnPhone : 0
      if (notSafe > 0) return { text: `Backed up, except ${formatPhotos(notSafe)} that ${notSafe === 1 ? 'is' : 'are'} not safe yet.`, instruction: null, tone: 'attention' }
      // Photos in iCloud only are on this iPhone's list but not anywhere yet: not "all safe" (the
      // card's iCloud line says how they get backed up).
      if (icloud > 0) return { text: `Backed up, except ${formatPhotos(icloud)} in iCloud only.`, instruction: null, tone: 'attention' }
      return { text: 'Backed up: everything on this iPhone is safe.', instruction: null, tone: 'ok' }
    }
    case 'error':
      return { ...fromProblem(d.problem, 'Something went wrong with this iPhone.'), tone: 'error' }
    case 'disconnected':
      return { ...fromProblem(d.problem, 'Not connected.'), tone: d.problem ? 'attention' : 'idle' }
    default:
      return assertNever(d.phase, 'session phase')
  }
}

/**
 * What holds a connected phone back, for the window's headline ("Anna's iPhone is locked"), or
 * null when nothing does. Only the title: the card under it says what to do, once.
 */
export function phoneBlocker(d: DeviceView, settings: Settings | null): string | null {
  if (!d.connected) return null
  const ctx = { deviceName: d.name }
  switch (d.phase) {
    case 'needs-unlock': return describeError('device-locked', ctx).title
    case 'needs-trust': return describeError('pairing-pending', ctx).title
    case 'trust-denied': return describeError('pairing-denied', ctx).title
    case 'waiting-power': return describeError('phone-not-charging', ctx).title
    case 'waiting-battery': return describeError('phone-battery-low', { ...ctx, minBatteryPercent: settings?.minBatteryPercent ?? undefined }).title
    default: return null
  }
}

/** Phases before this connection's listing: a count of 0 then means "not counted yet", not an empty phone. */
const NOT_COUNTED: ReadonlySet<DeviceView['phase']> = new Set(['connecting', 'needs-unlock', 'needs-trust', 'trust-denied', 'waiting-power', 'waiting-battery'])

/** True when the card should say "not counted yet" instead of "0 photos and videos on this iPhone". */
export function notCountedYet(d: DeviceView): boolean {
  return NOT_COUNTED.has(d.phase) && !(d.photos?.onPhone ?? d.itemsOnPhone)
}

/** "41 photos and videos are in iCloud only (Optimize iPhone Storage). They'll be backed up when the iPhone downloads them." */
export function notOnPhoneSentence(count: number): string | null {
  if (count <= 0) return null
  return `${formatPhotos(count)} ${count === 1 ? 'is' : 'are'} in iCloud only (Optimize iPhone Storage). They'll be backed up when the iPhone downloads them.`
}

/** Photos the phone refused (an AFC status other than iCloud's): said apart from "in iCloud only". */
export function unreadableSentence(count: number): string | null {
  if (count <= 0) return null
  return `Couldn't read ${formatPhotos(count)} from this iPhone. Cradle tries ${count === 1 ? 'it' : 'them'} again the next time it's connected.`
}

/** The card's one live count: "210 photos and videos on this iPhone · 131 safe". */
export function photosOnPhoneSentence(d: DeviceView): string | null {
  if (notCountedYet(d)) return 'Photos and videos on this iPhone: not counted yet'
  if (d.photos) return `${formatPhotos(d.photos.onPhone)} on this iPhone · ${formatCount(d.photos.safe)} safe`
  if (d.itemsOnPhone === null) return null
  return `${formatPhotos(d.itemsOnPhone)} on this iPhone · ${formatCount(d.itemsSafe ?? 0)} safe`
}

/** Under the card: the last backup, or that the first one is running (not "Not backed up yet" above a progress bar). */
export function lastBackupSentence(d: DeviceView, when: (at: number) => string): string {
  if (d.lastBackupAt) return `Last backup ${when(d.lastBackupAt)}`
  if (d.phase === 'scanning' || d.phase === 'importing' || (d.progress && d.phase === 'paused')) return 'First backup in progress'
  return 'Not backed up yet'
}

/**
 * The completeness line from the phone's own Photos library: "All 12,431 photos and videos are
 * safe · 2 in iCloud only · 37 in Recently Deleted not copied". Null when it could not be read
 * (the card shows its note instead) or was never read.
 */
export function completenessSentence(v: PhotoLibraryView | null): string | null {
  if (!v || !v.available) return null
  const onPhone = v.photosOnPhone + v.videosOnPhone
  const safe = v.photosSafe + v.videosSafe
  const what = onPhone === 1 ? 'photo or video' : 'photos and videos'
  const parts = [safe === onPhone
    ? (onPhone === 1 ? 'The 1 photo or video is safe' : `All ${formatCount(onPhone)} ${what} are safe`)
    : `${formatCount(safe)} of ${formatCount(onPhone)} ${what} are safe`]
  if (v.inICloudOnly > 0) parts.push(`${formatCount(v.inICloudOnly)} in iCloud only`)
  if (v.inRecentlyDeletedNotCopied > 0) parts.push(`${formatCount(v.inRecentlyDeletedNotCopied)} in Recently Deleted not copied`)
  return parts.join(' · ')
}

/** One way the phone's files and its Photos library disagree: how many, and the first of them by path. */
export interface LibraryMismatch {
  summary: string
  paths: string[]
  /** How many more there are than `paths` lists (the engine sends the first 20). */
  more: number
}

/**
 * What does not add up between the phone's files and its Photos library, listed rather than ignored:
 * "3 files in DCIM that Photos does not list (backed up too)" with their paths, and the reverse.
 */
export function libraryMismatches(v: PhotoLibraryView | null): LibraryMismatch[] {
  if (!v || !v.available) return []
  const out: LibraryMismatch[] = []
  const add = (summary: string, paths: readonly string[], count: number): void => {
    out.push({ summary, paths: paths.map((p) => p.replace(/^\//, '')), more: Math.max(0, count - paths.length) })
  }
  if (v.unknownFileCount > 0) add(`${plural(v.unknownFileCount, 'file')} in DCIM that Photos does not list (backed up too)`, v.unknownFiles, v.unknownFileCount)
  if (v.missingFileCount > 0) add(`${plural(v.missingFileCount, 'original')} Photos lists that the iPhone did not show, so not backed up`, v.missingFiles, v.missingFileCount)
  return out
}

export function plural(count: number, one: string, many: string = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`
}
