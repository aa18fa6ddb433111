/**
 * The engine's door to a phone: QueryType → pair record from the mux (Pair flow if there is
 * none) → StartSession (TLS) → device info; then battery/disk values and AFC on demand.
 * Trust that was revoked on the phone surfaces as 'pairing-invalid' (or, with
 * `onRevoked: 'repair'`, the record is deleted and the Trust flow runs again).
 */
import { CradleError, isCradleError } from '../../../shared/errors.js'
import { createLogger } from '../../logging/logger.js'
import { AfcClient } from '../afc/afc-client.js'
import type { Channel } from '../io/channel.js'
import type { CallOptions } from '../io/deadline.js'
import { startTls } from '../io/tls-carrier.js'
import { isLegacyTls, LOCKDOWN_TYPE, LockdownClient } from '../lockdown/lockdown-client.js'
import { BATTERY_DOMAIN, DISK_USAGE_DOMAIN, parseBattery, parseDeviceInfo, parseDiskUsage, type BatteryInfo, type DeviceInfo, type DiskUsage } from '../lockdown/device-values.js'
import { parsePairRecord, type PairRecord } from '../lockdown/pair-record.js'
import { pairDevice, type TrustState } from '../lockdown/pairing.js'
import type { PlistValue } from '../plist/plist-codec.js'
import type { MuxDevice } from '../usbmux/device-list.js'
import type { MuxClient } from '../usbmux/mux-client.js'

const log = createLogger('device/session')

export const AFC_SERVICE = 'com.apple.afc'

export interface ConnectOptions {
  signal?: AbortSignal
  /** Trust flow progress, for the UI ("Unlock your iPhone", "Tap Trust"). */
  onTrustState?: (state: TrustState) => void
  /** Run the Trust flow when there is no pair record (default true). */
  pair?: boolean
  /** How long the user has to unlock and tap Trust (default 5 min). */
  pairTimeoutMs?: number
  /** Pause between Pair attempts while waiting for the user (default 1 s). */
  pairPollMs?: number
  /** Trust revoked on the phone: 'throw' 'pairing-invalid' (default), or delete the record and pair again. */
  onRevoked?: 'throw' | 'repair'
}

export interface DeviceSession {
  readonly device: MuxDevice
  readonly info: DeviceInfo
  readonly record: PairRecord
  battery(opts?: CallOptions): Promise<BatteryInfo>
  diskUsage(opts?: CallOptions): Promise<DiskUsage>
  getValue(key: string | undefined, domain?: string, opts?: CallOptions): Promise<PlistValue | undefined>
  /** StartService + a new mux tunnel to its port (TLS when the device asks for it). */
  startService(service: string, opts?: CallOptions): Promise<Channel>
  openAfc(opts?: CallOptions): Promise<AfcClient>
  close(): Promise<void>
}

/** Reads the stored record; undefined when there is none. */
async function loadRecord(mux: MuxClient, udid: string, opts: CallOptions): Promise<PairRecord | undefined> {
  const bytes = await mux.readPairRecord(udid, opts)
  return bytes ? parsePairRecord(bytes) : undefined
}

/** A TLS handshake that failed because the phone went away is an unplug, not revoked trust. */
async function explainTlsFailure(mux: MuxClient, device: MuxDevice, error: unknown): Promise<unknown> {
  if (!isCradleError(error, 'pairing-invalid') || error.context.lockdownError !== undefined) return error
  const still = await mux.listDevices({ all: true }).then((list) => list.some((d) => d.deviceId === device.deviceId), () => false)
  return still ? error : new CradleError('device-unplugged', 'the device went away during the TLS handshake', { cause: error })
}

class Session implements DeviceSession {
  constructor(
    private readonly mux: MuxClient,
    readonly device: MuxDevice,
    private lockdown: LockdownClient,
    readonly record: PairRecord,
    readonly info: DeviceInfo,
  ) {}

  /** The lockdown session, reopened if the phone closed it meanwhile. */
  private async ensureLockdown(opts: CallOptions): Promise<LockdownClient> {
    if (!this.lockdown.closed) return this.lockdown
    const lockdown = await LockdownClient.open(this.mux, this.device, opts)
    try {
      await lockdown.startSession(this.record, { ...opts, ...(this.info.productVersion ? { productVersion: this.info.productVersion } : {}) })
    } catch (error) {
      lockdown.close()
      throw await explainTlsFailure(this.mux, this.device, error)
    }
    this.lockdown = lockdown
    return lockdown
  }

  async getValue(key: string | undefined, domain?: string, opts: CallOptions = {}): Promise<PlistValue | undefined> {
    return (await this.ensureLockdown(opts)).getValue(key, domain, opts)
  }

  async battery(opts: CallOptions = {}): Promise<BatteryInfo> {
    return parseBattery(await (await this.ensureLockdown(opts)).getDomain(BATTERY_DOMAIN, opts))
  }

  async diskUsage(opts: CallOptions = {}): Promise<DiskUsage> {
    return parseDiskUsage(await (await this.ensureLockdown(opts)).getDomain(DISK_USAGE_DOMAIN, opts))
  }

  async startService(service: string, opts: CallOptions = {}): Promise<Channel> {
    const lockdown = await this.ensureLockdown(opts)
    let endpoint
    try {
      endpoint = await lockdown.startService(service, opts)
    } catch (error) {
      // EscrowLocked: the service needs the escrow bag while the phone is locked.
      if (!isCradleError(error, 'device-locked') || error.context.lockdownError !== 'EscrowLocked' || !this.record.EscrowBag) throw error
      endpoint = await lockdown.startService(service, { ...opts, escrowBag: this.record.EscrowBag })
    }
    const channel = await this.mux.connect(this.device, endpoint.port, opts)
    if (!endpoint.ssl) return channel
    const legacy = isLegacyTls(this.info.productVersion)
    const { socket } = await startTls(channel.stream, channel.leftover, { cert: this.record.HostCertificate, key: this.record.HostPrivateKey, legacy }, { timeoutMs: opts.timeoutMs ?? 30_000, ...(opts.signal ? { signal: opts.signal } : {}) })
    return { stream: socket, leftover: Buffer.alloc(0) }
  }

  async openAfc(opts: CallOptions = {}): Promise<AfcClient> {
    return new AfcClient(await this.startService(AFC_SERVICE, opts))
  }

  async close(): Promise<void> {
    if (this.lockdown.closed) return
    try {
      await this.lockdown.stopSession({ timeoutMs: 2000 })
    } catch (error) {
      log.debug('StopSession failed', { error })
    } finally {
      this.lockdown.close()
    }
  }
}

/** Connects to a phone (a MuxDevice, or a UDID looked up on the mux) and starts a lockdown session. */
export async function connectDevice(mux: MuxClient, target: MuxDevice | string, opts: ConnectOptions = {}): Promise<DeviceSession> {
  const call: CallOptions = opts.signal ? { signal: opts.signal } : {}
  const device = typeof target === 'string' ? await mux.findDevice(target, call) : target
  let lockdown = await LockdownClient.open(mux, device, call)
  try {
    const type = await lockdown.queryType(call)
    if (type !== LOCKDOWN_TYPE) throw new CradleError('device-protocol', `the device is not in normal mode (lockdown type ${type})`)
    const before = await lockdown.getDomain(undefined, call)
    const productVersion = typeof before.ProductVersion === 'string' ? before.ProductVersion : undefined
    const versionOpt = productVersion ? { productVersion } : {}

    let record: PairRecord | undefined
    try {
      record = await loadRecord(mux, device.udid, call)
    } catch (error) {
      if (!isCradleError(error, 'pairing-invalid') || opts.onRevoked !== 'repair') throw error
      await mux.deletePairRecord(device.udid, call)
    }
    const pairNow = async (): Promise<PairRecord> => {
      if (opts.pair === false) {
        // The name is readable before pairing; it lets the caller say whose iPhone needs Trust.
        const deviceName = typeof before.DeviceName === 'string' ? before.DeviceName : undefined
        throw new CradleError('pairing-pending', `${device.udid} is not paired with this computer`, { context: deviceName ? { deviceName } : {} })
      }
      return pairDevice(mux, lockdown, device, { ...call, ...(opts.onTrustState ? { onState: opts.onTrustState } : {}), ...(opts.pairTimeoutMs ? { timeoutMs: opts.pairTimeoutMs } : {}), ...(opts.pairPollMs ? { pollMs: opts.pairPollMs } : {}) })
    }
    const hadRecord = record !== undefined
    if (!record) record = await pairNow()
    else opts.onTrustState?.('checking')

    const major = Number.parseInt(productVersion ?? '99', 10)
    try {
      if (major < 7) await lockdown.validatePair(record, call)
      await lockdown.startSession(record, { ...call, ...versionOpt })
    } catch (error) {
      const explained = await explainTlsFailure(mux, device, error)
      if (!isCradleError(explained, 'pairing-invalid') || opts.onRevoked !== 'repair') throw explained
      log.info('trust was revoked on the device; pairing again', { udid: device.udid })
      await mux.deletePairRecord(device.udid, call)
      lockdown.close()
      lockdown = await LockdownClient.open(mux, device, call)
      record = await pairNow()
      await lockdown.startSession(record, { ...call, ...versionOpt })
    }
    if (hadRecord) opts.onTrustState?.('paired')
    const info = parseDeviceInfo({ ...before, ...(await lockdown.getDomain(undefined, call)) }, device.udid)
    return new Session(mux, device, lockdown, record, info)
  } catch (error) {
    lockdown.close()
    throw error
  }
}
