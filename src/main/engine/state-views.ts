/**
 * Pure pieces of the state snapshot: the card of a phone that is not attached, and the ordered
 * list of problems the headline and tray show (most important first).
 */
import type { Platform } from '../../shared/error-text.js'
import { toWireError } from '../../shared/error-text.js'
import type { CradleError, WireError } from '../../shared/errors.js'
import type { DestinationView, DeviceView, PhotoLibraryView } from '../../shared/state.js'
import { marketingName } from '../device/index.js'
import type { DeviceCounts } from '../library/scan-plan.js'

export interface KnownPhone {
  udid: string
  name: string
  productType: string | null
  iosVersion: string | null
  lastBackupAt: number | null
}

/** What the card of a phone unplugged mid-backup keeps showing until it is back. */
export type Interrupted = Pick<DeviceView, 'progress' | 'problem'>

/** A known phone that is not attached: its counts and last backup, and what was interrupted. */
export function disconnectedPhoneView(
  phone: KnownPhone,
  counts: DeviceCounts,
  interrupted: Interrupted | undefined,
  photoLibrary: PhotoLibraryView | null = null,
): DeviceView {
  return {
    udid: phone.udid,
    name: phone.name,
    model: marketingName(phone.productType ?? undefined),
    productType: phone.productType ?? '',
    iosVersion: phone.iosVersion ?? '',
    connected: false,
    connection: null,
    battery: null,
    trust: 'unknown',
    phase: 'disconnected',
    ...counts,
    photoLibrary,
    lastBackupAt: phone.lastBackupAt,
    nothingNew: false,
    progress: interrupted?.progress ?? null,
    problem: interrupted?.problem ?? null,
  }
}

export interface ProblemSources {
  platform: Platform
  mux: CradleError | null
  library: CradleError | null
  libraryRoot: string
  devices: readonly DeviceView[]
  destinations: readonly DestinationView[]
  settings: CradleError | null
  /** The catalog rebuilt at start-up (catalog-rebuilt). */
  catalog?: CradleError | null
  secretsWeakness: string | undefined
}

/**
 * What needs the user, most important first: nothing works without usbmuxd or the library; then
 * the phones (unlock, Trust, unplugged mid-backup); then destinations that stopped; then settings.
 */
export function collectProblems(s: ProblemSources): WireError[] {
  const out: WireError[] = []
  if (s.mux) out.push(toWireError(s.mux.code, s.mux.context, s.platform))
  if (s.library) out.push(toWireError(s.library.code, { path: s.libraryRoot, ...s.library.context }, s.platform))
  // A disconnected phone has a problem only when it was unplugged mid-backup: the headline says so.
  for (const d of s.devices) if (d.problem) out.push(d.problem)
  for (const d of s.destinations) if (d.problem && (d.status === 'error' || d.status === 'needs-sign-in')) out.push(d.problem)
  if (s.catalog) out.push(toWireError(s.catalog.code, s.catalog.context, s.platform))
  if (s.settings) out.push(toWireError('settings-invalid', s.settings.context, s.platform))
  if (s.secretsWeakness) out.push({ ...toWireError('secrets-unprotected', {}, s.platform), action: s.secretsWeakness })
  return out
}
