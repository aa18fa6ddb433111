/**
 * One virtual iPhone: identity, keys, trust, battery, its USB link (shaping and faults), the
 * services behind its ports, and the run-time controls tests and `cradle sim` use
 * (detach/attach, battery, trust answers, lock, data protection, faults, unreadable files).
 */
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { serveAfc } from '../afc/afc-server.js'
import type { AfcSessionOptions } from '../afc/afc-session.js'
import { AfcTree } from '../afc/afc-tree.js'
import { sharedBufferPool } from '../afc/buffer-pool.js'
import { UnreadablePolicy, type UnreadableOptions, type UnreadableRule } from '../afc/unreadable.js'
import { DeviceLink, type LinkClock, type LinkFaults } from '../link/device-link.js'
import { serveLockdown, type LockdownDevice, type LockdownRealism } from '../lockdown/lockdownd.js'
import type { TrustedHost } from '../lockdown/pair-check.js'
import { TlsBehaviour, type SimTlsOptions } from '../lockdown/tls-behaviour.js'
import { serveCrashMover } from '../services/crash-mover.js'
import { serveDiagnosticsRelay } from '../services/diagnostics-relay.js'
import type { DeviceKeys } from './device-keys.js'
import type { BatteryState, DeviceIdentity, DiskState } from './device-info.js'
import { ServicePorts } from './services.js'
import { TrustState, type TrustMode } from './trust.js'

/** What the simulator's usbmuxd does when a phone comes and goes. */
export interface DeviceHub {
  nextDeviceId(): number
  attached(device: VirtualDevice): void
  detached(device: VirtualDevice, deviceId: number): void
}

export interface VirtualDeviceSetup {
  identity: DeviceIdentity
  keys: DeviceKeys
  trust: TrustMode
  trustDelayMs?: number
  battery: BatteryState
  disk: DiskState
  /** Served as /DCIM by com.apple.afc (read-only). */
  dcimDir: string
  /** Served as / by com.apple.crashreportcopymobile. */
  crashDir: string
  /** Served as /PhotoData by com.apple.afc (read-only); default: an empty folder. */
  photoDataDir?: string
  /** Every request under /PhotoData answers PERM_DENIED. */
  photoDataUnreadable?: boolean
  unreadable?: UnreadableOptions
  /** While locked, FileRefOpen of DCIM files answers PERM_DENIED (default false). */
  dataProtection?: boolean
  faults: LinkFaults
  /** The clock the link shapes by (default: the real one). */
  linkClock?: LinkClock
  maxHandles: number
  sessionSsl: boolean
  tls?: SimTlsOptions
  /** lockdownd closes a connection idle this long (0 = never). */
  lockdownIdleCloseMs?: number
  /** GetValue without a session shows only what an unpaired phone shows. */
  hideValuesWithoutSession?: boolean
}

const DENIED_PHOTO_DATA: readonly string[] = ['/PhotoData']
const NONE: readonly string[] = []

export class VirtualDevice implements LockdownDevice {
  readonly identity: DeviceIdentity
  readonly keys: DeviceKeys
  readonly trust: TrustState
  readonly battery: BatteryState
  readonly disk: DiskState
  readonly trustedHosts = new Map<string, TrustedHost>()
  readonly sessionSsl: boolean
  readonly tls: TlsBehaviour
  readonly lockdownRequests = new Map<string, number>()
  readonly link: DeviceLink
  readonly dcimDir: string
  readonly crashDir: string
  readonly lockdownRealism: LockdownRealism
  /**
   * What the phone (and the simulated usbmuxd about it) did by itself, for tests to wait on:
   * 'lockdown-idle-close', 'preflight-waiting' (usbmuxd's Pair is waiting for Trust),
   * 'preflight-paired' (usbmuxd paired the phone and stored its record).
   */
  readonly events = new EventEmitter().setMaxListeners(0)
  /** The mux handle while attached; a new one on every re-attach (protocol.md §6). */
  deviceId: number | undefined
  private readonly ports = new ServicePorts()
  private readonly mediaTree: AfcTree
  private readonly crashTree: AfcTree
  private readonly unreadable: UnreadablePolicy
  private readonly maxHandles: number
  /** Locking closes DCIM files to AFC (setDataProtection). */
  dataProtection: boolean
  /** /PhotoData answers PERM_DENIED to every request (setPhotoDataUnreadable). */
  photoDataUnreadable: boolean
  readonly photoDataDir: string | undefined

  constructor(
    setup: VirtualDeviceSetup,
    private readonly hub: DeviceHub,
  ) {
    this.identity = setup.identity
    this.keys = setup.keys
    this.trust = new TrustState(setup.trust, setup.trustDelayMs)
    this.battery = { ...setup.battery }
    this.disk = { ...setup.disk }
    this.sessionSsl = setup.sessionSsl
    this.tls = new TlsBehaviour(setup.tls)
    this.lockdownRealism = { idleCloseMs: setup.lockdownIdleCloseMs ?? 0, hideValuesWithoutSession: setup.hideValuesWithoutSession ?? false, generation: 0 }
    this.link = new DeviceLink(setup.faults, setup.linkClock)
    this.dcimDir = setup.dcimDir
    this.crashDir = setup.crashDir
    this.photoDataDir = setup.photoDataDir
    this.photoDataUnreadable = setup.photoDataUnreadable ?? false
    this.mediaTree = setup.photoDataDir !== undefined
      ? new AfcTree([{ at: '/DCIM', dir: setup.dcimDir, readOnly: true }, { at: '/PhotoData', dir: setup.photoDataDir, readOnly: true }], ['/Downloads', '/Books'])
      : new AfcTree([{ at: '/DCIM', dir: setup.dcimDir, readOnly: true }], ['/Downloads', '/PhotoData', '/Books'])
    this.crashTree = new AfcTree([{ at: '/', dir: setup.crashDir, readOnly: false }])
    this.unreadable = new UnreadablePolicy(setup.unreadable)
    this.maxHandles = setup.maxHandles
    this.dataProtection = setup.dataProtection ?? false
  }

  get udid(): string {
    return this.identity.udid
  }

  get name(): string {
    return this.identity.name
  }

  get attached(): boolean {
    return this.deviceId !== undefined
  }

  /** Plugs the phone in: a new DeviceID and an Attached event. No-op if attached. */
  attach(): void {
    if (this.deviceId !== undefined) return
    this.deviceId = this.hub.nextDeviceId()
    this.hub.attached(this)
  }

  /** Unplugs the phone: its tunnels get EOF, then listeners get Detached (as usbmuxd does). */
  detach(): void {
    const id = this.deviceId
    if (id === undefined) return
    this.deviceId = undefined
    this.link.closeAll('end', 'device detached')
    this.ports.clear()
    this.trust.reset()
    this.events.emit('detached')
    this.hub.detached(this, id)
  }

  setBattery(b: Partial<BatteryState>): void {
    if (b.level !== undefined) this.battery.level = Math.max(0, Math.min(100, Math.round(b.level)))
    if (b.charging !== undefined) this.battery.charging = b.charging
    if (b.externalPower !== undefined) this.battery.externalPower = b.externalPower
  }

  /** The user taps Trust (or will, when the dialog shows). */
  acceptTrust(): void {
    this.trust.accept()
  }

  /** The user taps Don't Trust. */
  denyTrust(): void {
    this.trust.deny()
  }

  lock(): void {
    this.trust.locked = true
  }

  unlock(): void {
    this.trust.locked = false
  }

  /** Settings → Reset Location & Privacy: every computer must pair again (InvalidHostID). */
  revokeTrust(): void {
    this.trustedHosts.clear()
  }

  /** lockdownd closes connections idle for `ms` from now on (0 = never), as real phones do after ~60 s. */
  setLockdownIdleClose(ms: number): void {
    this.lockdownRealism.idleCloseMs = ms
    this.events.emit('lockdown-idle-setting')
  }

  /**
   * Every lockdown connection open now goes stale: each further request on it is answered with
   * `error` (InvalidConnection, or SessionInactive as after a forgotten session). New connections work.
   */
  makeLockdownStale(error: 'InvalidConnection' | 'SessionInactive'): void {
    this.lockdownRealism.generation++
    this.lockdownRealism.stale = { error, generation: this.lockdownRealism.generation }
  }

  /** Shutdown (gone until attach()) or Restart (back after a moment) from diagnostics_relay. */
  powerCycle(restart: boolean): void {
    this.detach()
    if (restart) setTimeout(() => this.attach(), 500).unref()
  }

  /** The connections die (reset) while the phone stays attached: usbmuxd keeps listing it, no Detached. */
  dropConnections(): void {
    this.link.closeAll('destroy', 'connection dropped (fault)')
  }

  setFaults(faults: LinkFaults): void {
    this.link.setFaults(faults)
  }

  /** TLS switches: drop the next N handshakes, TLS 1.3 with a checked host certificate, close_notify. */
  setTls(options: SimTlsOptions): void {
    this.tls.update(options)
  }

  setUnreadable(options: UnreadableOptions): void {
    this.unreadable.update(options)
  }

  /** The current unreadable rule (for `status`). */
  get unreadableOptions(): UnreadableOptions {
    return this.unreadable.options
  }

  /** Adds files with their own stage and status, keeping the rest of the rule. */
  addUnreadable(files: Record<string, UnreadableRule>): void {
    const current = this.unreadable.options
    this.unreadable.update({ ...current, files: { ...current.files, ...files } })
  }

  /** On: while the phone is locked, every FileRefOpen of a DCIM file answers PERM_DENIED. */
  setDataProtection(on: boolean): void {
    this.dataProtection = on
  }

  /** On: every AFC request under /PhotoData answers PERM_DENIED (the Photos library closed to AFC). */
  setPhotoDataUnreadable(on: boolean): void {
    this.photoDataUnreadable = on
  }

  startService(name: string): number | undefined {
    return this.ports.start(name)
  }

  /**
   * A mux Connect to `port`. Returns false (the mux answers CONNREFUSED) for a port nothing
   * listens on; otherwise `accept` sends Result 0 and the socket becomes the service's tunnel.
   */
  connect(port: number, socket: Socket, initial: Buffer, accept: () => void): boolean {
    const kind = this.ports.lookup(port)
    if (!kind || this.deviceId === undefined) return false
    accept()
    const tunnel = this.link.open(socket)
    switch (kind) {
      case 'lockdown':
        serveLockdown(tunnel, initial, this)
        break
      case 'afc':
        serveAfc(tunnel, initial, this.afcOptions(this.mediaTree, this.unreadable))
        break
      case 'crash-copy':
        serveAfc(tunnel, initial, this.afcOptions(this.crashTree, undefined))
        break
      case 'crash-mover':
        serveCrashMover(tunnel)
        break
      case 'diagnostics':
        serveDiagnosticsRelay(tunnel, initial, this)
        break
    }
    return true
  }

  private afcOptions(tree: AfcTree, unreadable: UnreadablePolicy | undefined): AfcSessionOptions {
    return {
      tree,
      pool: sharedBufferPool,
      unreadable,
      ...(unreadable ? { filesLocked: () => this.dataProtection && this.trust.locked, denied: () => (this.photoDataUnreadable ? DENIED_PHOTO_DATA : NONE) } : {}),
      maxHandles: this.maxHandles,
      deviceInfo: () => ({ model: this.identity.productType, totalBytes: this.disk.totalBytes, freeBytes: this.disk.availableBytes }),
    }
  }

  dispose(): void {
    this.link.dispose()
    this.trust.reset()
  }
}
