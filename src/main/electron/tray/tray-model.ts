/**
 * What the tray shows, decided from one state snapshot: the icon, the status line (also the
 * tooltip) and the menu. Pure, so every state in ui.md is tested under plain Node; tray.ts only
 * copies the model into Electron's Tray and Menu. The first line answers "is everything safe?".
 */
import { describeError, type Platform } from '../../../shared/error-text.js'
import type { ErrorCode, WireError } from '../../../shared/errors.js'
import { formatCount, formatPhotos, formatTimeLeft, formatWhen } from '../../../shared/format.js'
import type { AppState, DeviceView } from '../../../shared/state.js'

/** One icon per state; ui.md: plain, badge, attention dot, red dot, pause glyph. */
export type TrayIconState = 'idle' | 'busy' | 'attention' | 'error' | 'paused'
export const TRAY_ICON_STATES: readonly TrayIconState[] = ['idle', 'busy', 'attention', 'error', 'paused']

export type TrayAction = 'backupNow' | 'togglePause' | 'openWindow' | 'openLibrary' | 'toggleStartAtLogin' | 'quit'

export type TrayMenuItem =
  | { kind: 'status'; label: string }
  | { kind: 'separator' }
  | { kind: 'action'; action: TrayAction; label: string; enabled: boolean }
  | { kind: 'checkbox'; action: TrayAction; label: string; checked: boolean; enabled: boolean }

export interface TrayModel {
  icon: TrayIconState
  statusLine: string
  tooltip: string
  menu: TrayMenuItem[]
}

export interface TrayModelOptions {
  platform: Platform
  now: number
  locale?: string
  /** False in a development run, where a login item would point at the bare Electron binary. */
  loginItemSupported: boolean
}

/** Windows cuts tray tooltips at 127 characters (NOTIFYICONDATA.szTip is 128 with the NUL). */
export const TOOLTIP_MAX = 127

const ATTENTION_CODES: ReadonlySet<ErrorCode> = new Set(['device-locked', 'pairing-pending', 'pairing-denied', 'pairing-invalid', 'pairing-over-network'])

const photos = formatPhotos
const areSafe = (n: number, locale?: string): string => `${photos(n, locale)} ${n === 1 ? 'is' : 'are'} safe`
const withoutStop = (s: string): string => s.replace(/\.$/, '')

interface Status {
  icon: TrayIconState
  line: string
}

/** A phone that needs the person holding it, in ui.md's words. */
function deviceNeedsUser(d: DeviceView, state: AppState, platform: Platform): Status | null {
  const ctx = { deviceName: d.name }
  switch (d.phase) {
    case 'needs-unlock':
      return { icon: 'attention', line: withoutStop(describeError('device-locked', ctx, platform).action ?? '') }
    case 'needs-trust':
      return { icon: 'attention', line: withoutStop(describeError('pairing-pending', ctx, platform).action ?? '') }
    case 'trust-denied':
      return { icon: 'attention', line: describeError('pairing-denied', ctx, platform).title }
    case 'waiting-power':
      return { icon: 'attention', line: "Waiting for power — this port isn't charging your iPhone" }
    case 'waiting-battery': {
      const min = state.settings.minBatteryPercent
      return { icon: 'attention', line: min === null ? `Waiting for ${d.name} to charge` : `Waiting for ${d.name} to charge to ${min} %` }
    }
    case 'error':
      return { icon: 'error', line: d.problem?.message ?? describeError('internal', ctx, platform).title }
    default:
      return null
  }
}

function fromProblem(p: WireError): Status {
  return { icon: ATTENTION_CODES.has(p.code) ? 'attention' : 'error', line: p.message }
}

function lastBackupAt(state: AppState): number | null {
  let last: number | null = null
  for (const d of state.devices) if (d.lastBackupAt !== null && (last === null || d.lastBackupAt > last)) last = d.lastBackupAt
  for (const h of state.history) if (h.kind === 'import' && h.error === null && (last === null || h.at > last)) last = h.at
  return last
}

function busy(state: AppState, locale?: string): Status | null {
  const importing = state.devices.find((d) => d.connected && d.phase === 'importing')
  if (importing) {
    const p = importing.progress
    if (!p) return { icon: 'busy', line: `Backing up ${importing.name}` }
    const left = formatTimeLeft(p.secondsLeft)
    // The window's live count: the phone's photos and videos safe, not the run's files.
    const ph = importing.photos
    const parts = [`Backing up ${importing.name}`, ph ? `${formatCount(Math.min(ph.safe, ph.onPhone), locale)} of ${photos(ph.onPhone, locale)} safe` : `${formatCount(p.itemsDone, locale)} of ${formatCount(p.itemsTotal, locale)}`]
    return { icon: 'busy', line: [...parts, ...(left ? [left] : [])].join(' · ') }
  }
  const scanning = state.devices.find((d) => d.connected && (d.phase === 'scanning' || d.phase === 'connecting'))
  if (scanning) {
    return { icon: 'busy', line: scanning.phase === 'scanning' ? `Looking for new photos and videos on ${scanning.name}` : `Connecting to ${scanning.name}` }
  }
  const uploading = state.destinations.filter((d) => d.status === 'uploading')
  if (uploading.length > 0) {
    const pending = uploading.reduce((n, d) => n + d.counts.pending, 0)
    const where = uploading.length === 1 ? uploading[0]!.name : `${uploading.length} destinations`
    const seconds = uploading.map((d) => d.secondsLeft).filter((s): s is number => s !== null)
    const left = seconds.length > 0 ? formatTimeLeft(Math.max(...seconds)) : null
    return { icon: 'busy', line: [`Uploading ${photos(pending, locale)} to ${where}`, ...(left ? [left] : [])].join(' · ') }
  }
  return null
}

/** The one line that answers "is everything safe?", most urgent first. */
export function trayStatus(state: AppState | null, options: Pick<TrayModelOptions, 'platform' | 'now' | 'locale'>): Status {
  const { platform, now, locale } = options
  if (state === null) return { icon: 'idle', line: 'Starting…' }
  if (!state.muxAvailable) {
    const p = state.problems.find((x) => x.code === 'usbmuxd-missing' || x.code === 'usbmuxd-not-running')
    return { icon: 'error', line: p?.message ?? describeError('usbmuxd-missing', {}, platform).title }
  }
  for (const d of state.devices) {
    if (!d.connected) continue
    const s = deviceNeedsUser(d, state, platform)
    if (s) return s
  }
  const problem = state.problems[0]
  if (problem) return fromProblem(problem)
  const signIn = state.destinations.find((d) => d.status === 'needs-sign-in' || d.status === 'error')
  if (signIn) {
    const line = signIn.problem?.message ?? describeError('destination-auth', { destinationName: signIn.name }, platform).title
    return { icon: 'error', line }
  }
  if (!state.library.available) return { icon: 'error', line: describeError('library-missing', { path: state.library.path }, platform).title }
  if (state.paused) {
    const waiting = state.queue.counts.pending
    return { icon: 'paused', line: waiting > 0 ? `Paused — ${photos(waiting, locale)} waiting` : 'Paused' }
  }
  const working = busy(state, locale)
  if (working) return working
  // The ledger's count (photos and videos in the library, undamaged): the window's figure.
  const safe = state.library.assetCount === 0 ? 0 : state.safety.total.places.find((p) => p.id === 'library')?.safe ?? state.library.assetCount
  const last = lastBackupAt(state)
  const when = last === null ? [] : [`last backup ${formatWhen(last, now, locale)}`]
  if (state.queue.counts.failed > 0) {
    return { icon: 'attention', line: [areSafe(safe, locale), `${formatCount(state.queue.counts.failed, locale)} failed`].join(' · ') }
  }
  if (safe === 0 && last === null) return { icon: 'idle', line: 'Connect your iPhone with a cable' }
  return { icon: 'idle', line: [safe === 1 ? areSafe(1, locale) : `All ${areSafe(safe, locale)}`, ...when].join(' · ') }
}

/** Cuts text to the tooltip limit, on a character boundary, with an ellipsis. */
export function clampTooltip(text: string, max = TOOLTIP_MAX): string {
  const chars = Array.from(text)
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`
}

/** The whole tray: icon, tooltip and menu (status line · Back up now · Pause/Resume · Open Cradle · Open library folder · Start at login · Quit). */
export function trayModel(state: AppState | null, options: TrayModelOptions): TrayModel {
  const status = trayStatus(state, options)
  const importing = state?.devices.some((d) => d.connected && (d.phase === 'importing' || d.phase === 'scanning')) ?? false
  const menu: TrayMenuItem[] = [
    { kind: 'status', label: status.line },
    { kind: 'separator' },
    { kind: 'action', action: 'backupNow', label: 'Back up now', enabled: state !== null && !state.paused && !importing },
    { kind: 'action', action: 'togglePause', label: state?.paused ? 'Resume' : 'Pause', enabled: state !== null },
    { kind: 'separator' },
    { kind: 'action', action: 'openWindow', label: 'Open Cradle', enabled: true },
    { kind: 'action', action: 'openLibrary', label: 'Open library folder', enabled: state?.library.available ?? false },
    { kind: 'separator' },
    {
      kind: 'checkbox', action: 'toggleStartAtLogin', label: 'Start at login',
      checked: state?.settings.startAtLogin ?? false, enabled: state !== null && options.loginItemSupported,
    },
    { kind: 'separator' },
    { kind: 'action', action: 'quit', label: 'Quit', enabled: true },
  ]
  return { icon: status.icon, statusLine: status.line, tooltip: clampTooltip(status.line), menu }
}
