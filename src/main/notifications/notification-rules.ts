/**
 * Which desktop notifications a change of state deserves: a backup finished (with counts), the
 * phone needs the person holding it (unlock, Trust), a destination needs sign-in, the library disk
 * is full. Edge-triggered (only on the change, never for a state that merely persists) and pure;
 * notification-gate.ts then keeps them "not more often than useful".
 */
import { describeError, type Platform } from '../../shared/error-text.js'
import type { ErrorCode } from '../../shared/errors.js'
import { formatCount, formatPhotos } from '../../shared/format.js'
import type { AppState, HistoryEntry, SessionPhase } from '../../shared/state.js'

export interface ShellNotification {
  /** Same key = same subject: the gate keeps one per key per cooldown. */
  key: string
  title: string
  body: string
  /** How long another notification with this key stays quiet. */
  cooldownMs: number
}

const MINUTE = 60_000
export const COOLDOWN = {
  finished: 5 * MINUTE,
  phone: 2 * MINUTE,
  signIn: 6 * 60 * MINUTE,
  diskFull: 60 * MINUTE,
} as const

const PHONE_PHASES: Partial<Record<SessionPhase, ErrorCode>> = {
  'needs-unlock': 'device-locked',
  'needs-trust': 'pairing-pending',
  'trust-denied': 'pairing-denied',
}

const photos = formatPhotos

function finished(entry: HistoryEntry, locale?: string): ShellNotification | null {
  if (entry.kind !== 'import' || entry.error !== null) return null
  // Counted as the Photos app counts (a Live Photo's still and video are one), never in files.
  const safe = entry.photosImported
  // Photos the phone refused ("couldn't read") are not safe either: never a plain "Backup finished".
  const notBackedUp = entry.photosNotBackedUp
  if (safe === 0 && notBackedUp === 0) return null // nothing new: not worth a ping
  const key = `finished:${entry.udid ?? entry.sourceName}`
  if (safe === 0) {
    return { key, title: 'Backup finished with problems', body: `${photos(notBackedUp, locale)} from ${entry.sourceName} could not be backed up. Open Cradle to retry.`, cooldownMs: COOLDOWN.finished }
  }
  const failed = notBackedUp > 0 ? ` ${formatCount(notBackedUp, locale)} could not be backed up.` : ''
  const verb = safe === 1 ? 'is' : 'are'
  return { key, title: notBackedUp > 0 ? 'Backup finished with problems' : 'Backup finished', body: `${photos(safe, locale)} from ${entry.sourceName} ${verb} safe.${failed}`, cooldownMs: COOLDOWN.finished }
}

/** The notifications for going from `prev` to `next` (prev is null for the first snapshot). */
export function notificationsFor(prev: AppState | null, next: AppState, platform: Platform, locale?: string): ShellNotification[] {
  const out: ShellNotification[] = []

  // History is only news after the first snapshot: old entries are not "just finished".
  if (prev !== null) {
    const seen = new Set(prev.history.map((h) => h.id))
    for (const entry of next.history) {
      if (seen.has(entry.id)) continue
      const n = finished(entry, locale)
      if (n) out.push(n)
    }
  }

  const prevPhase = new Map(prev?.devices.map((d) => [d.udid, d.connected ? d.phase : null]) ?? [])
  for (const d of next.devices) {
    const code = d.connected ? PHONE_PHASES[d.phase] : undefined
    if (!code || prevPhase.get(d.udid) === d.phase) continue
    const text = describeError(code, { deviceName: d.name }, platform)
    out.push({ key: `phone:${d.udid}:${d.phase}`, title: text.title, body: text.action ?? '', cooldownMs: COOLDOWN.phone })
  }

  const prevStatus = new Map(prev?.destinations.map((d) => [d.id, d.status]) ?? [])
  for (const d of next.destinations) {
    if (d.status !== 'needs-sign-in' || prevStatus.get(d.id) === 'needs-sign-in') continue
    const text = describeError('destination-auth', { destinationName: d.name }, platform)
    out.push({ key: `sign-in:${d.id}`, title: text.title, body: text.action ?? '', cooldownMs: COOLDOWN.signIn })
  }

  const diskFull = next.problems.find((p) => p.code === 'disk-full')
  if (diskFull && !prev?.problems.some((p) => p.code === 'disk-full')) {
    out.push({ key: 'disk-full', title: diskFull.message, body: diskFull.action ?? '', cooldownMs: COOLDOWN.diskFull })
  }
  return out
}
