/**
 * What the engine needs from the phones, and nothing more. device-adapter.ts implements it over
 * our usbmux/lockdown/AFC client; keeping it narrow keeps sessions independent of wire details.
 */
import type { Writable } from 'node:stream'
import type { CradleError } from '../../shared/errors.js'
import type { BatteryView } from '../../shared/state.js'

export type PhoneEvent =
  | { type: 'attached'; udid: string; connection: 'usb' | 'network' }
  | { type: 'detached'; udid: string }
  /** usbmuxd reachable or not (not installed, not running, restarting). */
  | { type: 'mux'; available: boolean; error: CradleError | null }

/** Trust steps the UI shows while pairing. */
export type TrustStep = 'waiting-unlock' | 'waiting-trust' | 'denied' | 'paired'

export interface PhoneIdentity {
  udid: string
  name: string
  productType: string
  /** Marketing name ("iPhone 13"), or productType when unknown. */
  model: string
  iosVersion: string
}

export interface PhoneFileStat {
  type: 'file' | 'dir' | 'other'
  size: number
  mtimeNs: bigint
  birthtimeNs: bigint
}

/** The phone's media partition (AFC). Paths are absolute, '/' separated. */
export interface PhoneFiles {
  /** Entry names without '.' and '..'. */
  listDir(path: string, signal: AbortSignal): Promise<string[]>
  /**
   * Stats many paths at once (pipelined); null for an entry that vanished, the CradleError
   * ('file-unreadable', with the AFC status) for one the phone refused to stat.
   */
  statMany(paths: readonly string[], signal: AbortSignal): Promise<(PhoneFileStat | CradleError | null)[]>
  /** Streams bytes from `offset` to the end into `sink` (not ending it). */
  download(path: string, sink: Writable, options: { offset: number; signal: AbortSignal; size?: number; onProgress?: (bytes: number) => void }): Promise<void>
  close(): Promise<void>
}

export interface PhoneLink {
  readonly identity: PhoneIdentity
  battery(signal: AbortSignal): Promise<BatteryView | null>
  /** Whether the phone is locked now, as lockdown says (PasswordProtected); AFC statuses never say it. */
  locked(signal: AbortSignal): Promise<boolean>
  openFiles(signal: AbortSignal): Promise<PhoneFiles>
  close(): Promise<void>
}

export interface PhonePort {
  /** Phones attached right now, one per UDID (USB preferred). */
  list(signal?: AbortSignal): Promise<{ udid: string; connection: 'usb' | 'network' }[]>
  /** Calls back with current phones (as 'attached') and then every change; returns a stop function. */
  watch(listener: (event: PhoneEvent) => void): () => void
  /** Pairs if needed (reporting trust steps) and opens a session; rejects with CradleError codes. */
  open(udid: string, options: { signal: AbortSignal; onTrust: (step: TrustStep) => void; pair?: boolean }): Promise<PhoneLink>
}
