/**
 * startSimulator(): a usbmuxd-compatible socket with one or more virtual iPhones, in-process.
 * Tests point USBMUXD_SOCKET_ADDRESS (or our own client) at `sim.address`. See src/sim/README.md.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { formatSocketAddress, parseSocketAddress, type SocketAddress } from './address.js'
import { deviceKeysFromPem, generateDeviceKeys } from './device/device-keys.js'
import { defaultUdid, makeIdentity, type BatteryState, type DiskState } from './device/device-info.js'
import type { TrustMode } from './device/trust.js'
import { VirtualDevice } from './device/virtual-device.js'
import type { UnreadableOptions } from './afc/unreadable.js'
import type { LinkClock, LinkFaults } from './link/device-link.js'
import type { SimTlsOptions } from './lockdown/tls-behaviour.js'
import { MuxServer, type MuxFlavour } from './mux/mux-server.js'
import { PairStore, RecordsByDevice } from './mux/pair-store.js'
import { removeInBackground } from './remove-in-background.js'
import { writeCrashLogs } from './roll/crash-logs.js'
import { generateCameraRoll, type CameraRollOptions, type CameraRollManifest } from './roll/generator.js'
import { generatePhotoLibrary, type PhotoLibraryManifest, type PhotoLibraryOptions } from './photos/photo-library.js'

export interface SimDeviceOptions {
  /** Default: a stable made-up UDID in the modern "8-16" format. */
  udid?: string
  name?: string
  productType?: string
  /** Keep ≥ 10: libimobiledevice caps TLS at 1.0 below that. */
  productVersion?: string
  buildVersion?: string
  deviceClass?: string
  /** auto (default) | prompt | deny | locked (= locked, then the Trust dialog after unlock). */
  trust?: TrustMode
  /** prompt: the dialog answers Trust by itself after this many ms (default: wait for acceptTrust()). */
  trustDelayMs?: number
  battery?: Partial<BatteryState>
  disk?: Partial<DiskState>
  /** A folder served as /DCIM (read-only). Default: an empty folder in the work folder. */
  dcimDir?: string
  /** Generate a camera roll into dcimDir (or the default folder) before serving it. */
  photos?: CameraRollOptions
  /**
   * The Photos library (/PhotoData: Photos.sqlite with -wal and -shm, CPLAssets, thumbnails) that
   * goes with the generated roll (needs `photos`). Default: none (/PhotoData lists empty).
   */
  photoLibrary?: PhotoLibraryOptions
  /** Every AFC request under /PhotoData answers PERM_DENIED (an iOS that keeps the library closed). */
  photoDataUnreadable?: boolean
  /** A folder served by com.apple.crashreportcopymobile (default: a generated one). */
  crashDir?: string
  unreadable?: UnreadableOptions
  /** While locked, FileRefOpen of DCIM files answers PERM_DENIED (default false: DCIM stays readable, as after first unlock). */
  dataProtection?: boolean
  /** Per-device link shaping and faults (default: the simulator-wide ones). */
  faults?: LinkFaults
  /** Plugged in at start (default true). */
  attached?: boolean
  /** AFC handles per connection before "No file slots" (default 64). */
  maxHandles?: number
  /** EnableSessionSSL in StartSession (default true, as real phones). */
  sessionSsl?: boolean
  /** Lockdown TLS switches (default: TLS 1.0–1.2, no client certificate check, no close_notify, no drops). */
  tls?: SimTlsOptions
  /** The phone's RSA key (PEM); default: a fresh 2048-bit key. Tests pass one with pre-made certificates. */
  devicePrivateKeyPem?: string
  /** lockdownd closes a connection that sent nothing for this long, as real phones do after ~60 s (default 0: never). */
  lockdownIdleCloseMs?: number
  /** GetValue without a session answers only what an unpaired phone shows (SerialNumber etc. need a session). Default false. */
  hideValuesWithoutSession?: boolean
}

export interface SimulatorOptions {
  /** `UNIX:/path`, a plain path, or `HOST:PORT` (port 0 = any). Default: a Unix socket in the work folder. */
  socket?: string
  /** A count of default devices, or one options object per device. Default 1. */
  devices?: number | SimDeviceOptions[]
  /** Link defaults for every device. */
  latencyMs?: number
  bandwidthMBps?: number
  /** Credit an idle capped link may send at once (default 64 KiB). */
  burstBytes?: number
  /** Device→host bytes in flight per connection before the phone waits (0 = kind: 8 MiB, whole replies; usbmuxd: 131072). */
  windowBytes?: number
  /** Time the phone spends on each AFC request before its reply starts (ms). */
  serviceMs?: number
  dropAfterBytes?: number
  dropRepeat?: boolean
  /** The clock every device's link shapes by (tests pass a manual one; default: the real clock). */
  linkClock?: LinkClock
  /** Where generated rolls and crash logs go. Default: a temp folder, removed by close(). */
  workDir?: string
  /** usbmuxd's SystemBUID (default: random). */
  buid?: string
  /** Whose usbmuxd: linux (default), macos or windows — how ReadPairRecord says "no record", LocationID. */
  muxFlavour?: MuxFlavour
  /** Report modern serials with the dash (00008110-…), as newer Linux usbmuxd does (default false: the bare USB serial). */
  dashedSerial?: boolean
  /** Linux usbmuxd's preflight: the daemon pairs an unpaired phone by itself when it is plugged in (default false). */
  preflight?: boolean
}

export interface Simulator {
  /** The value for USBMUXD_SOCKET_ADDRESS. */
  readonly address: string
  readonly socket: SocketAddress
  readonly devices: readonly VirtualDevice[]
  /** usbmuxd's SystemBUID (ReadBUID). */
  readonly buid: string
  /** usbmuxd's stored pair records (XML plist bytes), looked up by UDID with or without the dash. */
  readonly pairRecords: RecordsByDevice
  /** The camera roll generated for a device (when `photos` was given). */
  roll(udid: string): CameraRollManifest | undefined
  /** The Photos library generated for a device (when `photoLibrary` was given). */
  photoLibrary(udid: string): PhotoLibraryManifest | undefined
  device(udid: string): VirtualDevice
  addDevice(options?: SimDeviceOptions): Promise<VirtualDevice>
  /** Changes link shaping/faults on every device. */
  setFaults(faults: LinkFaults): void
  /**
   * Stops serving: the socket is gone when this resolves. The generated work folder is removed
   * before it resolves, or, with `removeWorkDirInBackground`, by a detached process so that a
   * stopping CLI exits at once however large the generated phone was.
   */
  close(options?: { removeWorkDirInBackground?: boolean }): Promise<void>
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const ownWorkDir = options.workDir === undefined
  const workDir = options.workDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'cradle-sim-')))
  await fs.mkdir(workDir, { recursive: true })
  const pairs = new PairStore(options.buid)
  const devices: VirtualDevice[] = []
  const rolls = new Map<string, CameraRollManifest>()
  const libraries = new Map<string, PhotoLibraryManifest>()
  let nextDeviceId = 1
  const mux = new MuxServer({ attachedDevices: () => devices.filter((d) => d.attached) }, pairs, {
    flavour: options.muxFlavour ?? 'linux',
    dashedSerial: options.dashedSerial ?? false,
    preflight: options.preflight ?? false,
  })
  const hub = {
    nextDeviceId: () => nextDeviceId++,
    attached: (d: VirtualDevice) => mux.deviceAttached(d),
    detached: (_d: VirtualDevice, id: number) => mux.deviceDetached(id),
  }
  const linkDefaults: LinkFaults = {
    latencyMs: options.latencyMs ?? 0,
    bandwidthMBps: options.bandwidthMBps ?? 0,
    burstBytes: options.burstBytes ?? 0,
    windowBytes: options.windowBytes ?? 0,
    serviceMs: options.serviceMs ?? 0,
    dropAfterBytes: options.dropAfterBytes ?? 0,
    dropRepeat: options.dropRepeat ?? false,
  }

  const addDevice = async (o: SimDeviceOptions = {}): Promise<VirtualDevice> => {
    const index = devices.length
    const udid = o.udid ?? defaultUdid(index)
    if (devices.some((d) => d.udid === udid)) throw new RangeError(`duplicate UDID ${udid}`)
    const deviceDir = path.join(workDir, udid)
    const dcimDir = o.dcimDir ?? path.join(deviceDir, 'DCIM')
    await fs.mkdir(dcimDir, { recursive: true })
    if (o.photos) rolls.set(udid, await generateCameraRoll(dcimDir, o.photos))
    let photoDataDir: string | undefined
    if (o.photoLibrary) {
      const roll = rolls.get(udid)
      if (!roll) throw new RangeError('photoLibrary needs a generated roll (photos)')
      photoDataDir = path.join(deviceDir, 'PhotoData')
      libraries.set(udid, generatePhotoLibrary(photoDataDir, roll, o.photoLibrary))
    }
    let crashDir = o.crashDir
    if (crashDir === undefined) {
      crashDir = path.join(deviceDir, 'CrashReporter')
      await fs.mkdir(crashDir, { recursive: true })
      await writeCrashLogs(crashDir, o.productType)
    }
    const device = new VirtualDevice(
      {
        identity: makeIdentity({ ...o, udid, name: o.name ?? (index === 0 ? 'iPhone' : `iPhone ${index + 1}`) }),
        keys: o.devicePrivateKeyPem ? deviceKeysFromPem(o.devicePrivateKeyPem) : await generateDeviceKeys(),
        trust: o.trust ?? 'auto',
        trustDelayMs: o.trustDelayMs,
        battery: { level: 80, charging: false, externalPower: false, ...o.battery },
        disk: { totalBytes: 128_000_000_000, availableBytes: 41_000_000_000, ...o.disk },
        dcimDir,
        crashDir,
        ...(photoDataDir !== undefined ? { photoDataDir } : {}),
        photoDataUnreadable: o.photoDataUnreadable ?? false,
        unreadable: o.unreadable,
        dataProtection: o.dataProtection ?? false,
        faults: { ...linkDefaults, ...o.faults },
        linkClock: options.linkClock,
        maxHandles: o.maxHandles ?? 64,
        sessionSsl: o.sessionSsl ?? true,
        ...(o.tls ? { tls: o.tls } : {}),
        lockdownIdleCloseMs: o.lockdownIdleCloseMs ?? 0,
        hideValuesWithoutSession: o.hideValuesWithoutSession ?? false,
      },
      hub,
    )
    devices.push(device)
    if (o.attached !== false) device.attach()
    return device
  }

  const requested = options.devices ?? 1
  const list = typeof requested === 'number' ? Array.from({ length: requested }, () => ({})) : requested
  for (const o of list) await addDevice(o)

  const socketAddress = parseSocketAddress(options.socket ?? `UNIX:${path.join(workDir, 'usbmuxd.sock')}`)
  const bound = await mux.listen(socketAddress)

  return {
    address: formatSocketAddress(bound),
    socket: bound,
    devices,
    buid: pairs.buid,
    pairRecords: new RecordsByDevice(pairs.records),
    roll: (udid) => rolls.get(udid),
    photoLibrary: (udid) => libraries.get(udid),
    device(udid) {
      const d = devices.find((x) => x.udid === udid || x.identity.usbSerial === udid)
      if (!d) throw new RangeError(`no virtual device ${udid}`)
      return d
    },
    addDevice,
    setFaults(faults) {
      for (const d of devices) d.setFaults(faults)
    },
    async close(closeOptions = {}) {
      for (const d of devices) d.dispose()
      await mux.close()
      if (bound.kind === 'unix') await fs.rm(bound.path, { force: true })
      if (!ownWorkDir) return
      if (closeOptions.removeWorkDirInBackground) removeInBackground(workDir)
      else await fs.rm(workDir, { recursive: true, force: true })
    },
  }
}
