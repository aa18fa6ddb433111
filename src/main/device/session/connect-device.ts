/**
 * The engine's door to a phone: QueryType → pair record from the mux (Pair flow if there is
 * none) → StartSession (TLS) → device info; then battery/disk values and AFC on demand.
 * Only the phone's own word (lockdown InvalidHostID and kin) or a record this computer cannot use
 * is 'pairing-invalid'; with `onRevoked: 'repair'` the record is deleted and the Trust flow runs
 * again — if Cradle wrote that record, or the user asked to replace it. A TLS handshake that dies
 * on a phone that is still attached is a connection problem: retried with backoff, the record kept,
 * and 'device-handshake-failed' if it persists.
 */
import { CradleError, isCradleError } from '../../../shared/errors.js'
import { createLogger } from '../../logging/logger.js'
import { AfcClient } from '../afc/afc-client.js'
import type { Channel } from '../io/channel.js'
import { sleep, type CallOptions } from '../io/deadline.js'
import { startTls } from '../io/tls-carrier.js'
import type { TlsRuntime } from '../io/tls-runtime.js'
import { isLegacyTls, LOCKDOWN_TYPE, LockdownClient } from '../lockdown/lockdown-client.js'
import { BATTERY_DOMAIN, DISK_USAGE_DOMAIN, parseBattery, parseDeviceInfo, parseDiskUsage, type BatteryInfo, type DeviceInfo, type DiskUsage } from '../lockdown/device-values.js'
import { lockdownErrorName } from '../lockdown/lockdown-errors.js'
import { parsePairRecord, type PairRecord } from '../lockdown/pair-record.js'
import { pairDevice, type TrustState } from '../lockdown/pairing.js'
import type { PlistDict, PlistValue } from '../plist/plist-codec.js'
import { pairRecordId, type MuxDevice } from '../usbmux/device-list.js'
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
  /**
   * Trust revoked on the phone, or a record this computer cannot use: 'throw' 'pairing-invalid'
   * (default), or 'repair': delete the record and pair again. 'repair' deletes only a record
   * Cradle wrote (PairRecord.CradleCreated), never with `pair: false`; another program's record
   * (Finder, Apple Devices, idevicepair) is kept and 'pairing-invalid' thrown with
   * context.pairRecord 'not-ours', unless `replaceOtherRecord`.
   */
  onRevoked?: 'throw' | 'repair'
  /** The user asked for a new pairing (`cradle pair`): 'repair' may replace another program's record. */
  replaceOtherRecord?: boolean
  /** Tries at a TLS handshake that fails on an attached phone (default 2: one retry). */
  handshakeAttempts?: number
  /** Pause before the first retry, doubling after each (default 1 s). */
  handshakeBackoffMs?: number
  /** The TLS library's rules (default: this process's, detected once; tests emulate BoringSSL). */
  tlsRuntime?: TlsRuntime
}

/** A dropped handshake is retried once by default: a one-off is healed, a phone that keeps dropping is reported. */
export const HANDSHAKE_ATTEMPTS = 2
export const HANDSHAKE_BACKOFF_MS = 1000

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

/** Reads the stored record (under any ID usbmuxd may keep it by); undefined when there is none. */
async function loadRecord(mux: MuxClient, device: MuxDevice, opts: CallOptions): Promise<PairRecord | undefined> {
  const found = await mux.readDevicePairRecord(device, opts)
  return found ? parsePairRecord(found.data) : undefined
}

/**
 * lockdownd hangs up on a connection idle for about a minute, and answers InvalidConnection or
 * SessionInactive on one that went stale (protocol.md §2.4): a new connection and session fix both.
 */
const STALE_LOCKDOWN = new Set(['InvalidConnection', 'SessionInactive'])

function isStaleLockdown(error: unknown): boolean {
  return isCradleError(error, 'device-unplugged') || STALE_LOCKDOWN.has(lockdownErrorName(error) ?? '')
}

/**
 * A TLS handshake that failed because the phone went away is an unplug; on a phone that is still
 * attached it stays 'device-handshake-failed'. `firstRequest`: the error came from the first
 * request inside a new TLS session — a phone that refuses the host's certificate after a TLS 1.3
 * handshake (which the client already counts as done) hangs up right there.
 */
async function explainTlsFailure(mux: MuxClient, device: MuxDevice, error: unknown, firstRequest = false): Promise<unknown> {
  const handshake = isCradleError(error, 'device-handshake-failed')
  if (!handshake && !(firstRequest && isCradleError(error, 'device-unplugged'))) return error
  const still = await mux.listDevices({ all: true }).then((list) => list.some((d) => d.deviceId === device.deviceId), () => false)
  if (!still) return new CradleError('device-unplugged', 'the device went away during the TLS handshake', { cause: error })
  if (handshake) return error
  return new CradleError('device-handshake-failed', 'the device closed the new TLS session at once (did it refuse our certificate?)', { cause: error, context: { tlsFailure: 'closed-after-handshake' } })
}

class Session implements DeviceSession {
  constructor(
    private readonly mux: MuxClient,
    readonly device: MuxDevice,
    private lockdown: LockdownClient,
    readonly record: PairRecord,
    readonly info: DeviceInfo,
    private readonly tlsRuntime?: TlsRuntime,
  ) {}

  /**
   * Runs `use` on the lockdown session; when the phone closed or forgot it meanwhile (and the
   * phone is still attached), once more on a new connection and session.
   */
  private async withLockdown<T>(opts: CallOptions, use: (lockdown: LockdownClient) => Promise<T>): Promise<T> {
    const lockdown = await this.ensureLockdown(opts)
    try {
      return await use(lockdown)
    } catch (error) {
      if (!isStaleLockdown(error) || opts.signal?.aborted) throw error
      if (isCradleError(error, 'device-unplugged') && !(await this.stillAttached(opts))) throw error
      log.info('lockdown connection went stale; reconnecting', { udid: this.device.udid, error })
      lockdown.close()
      return use(await this.ensureLockdown(opts))
    }
  }

  private async stillAttached(opts: CallOptions): Promise<boolean> {
    return this.mux.listDevices({ all: true, ...(opts.signal ? { signal: opts.signal } : {}) }).then(
      (list) => list.some((d) => d.deviceId === this.device.deviceId),
      () => false,
    )
  }

  /** The lockdown session, reopened if the phone closed it meanwhile. */
  private async ensureLockdown(opts: CallOptions): Promise<LockdownClient> {
    if (!this.lockdown.closed) return this.lockdown
    const lockdown = await LockdownClient.open(this.mux, this.device, opts)
    try {
      await lockdown.startSession(this.record, { ...opts, ...(this.info.productVersion ? { productVersion: this.info.productVersion } : {}), ...(this.tlsRuntime ? { tlsRuntime: this.tlsRuntime } : {}) })
    } catch (error) {
      lockdown.close()
      throw await explainTlsFailure(this.mux, this.device, error)
    }
    this.lockdown = lockdown
    return lockdown
  }

  async getValue(key: string | undefined, domain?: string, opts: CallOptions = {}): Promise<PlistValue | undefined> {
    return this.withLockdown(opts, (lockdown) => lockdown.getValue(key, domain, opts))
  }

  async battery(opts: CallOptions = {}): Promise<BatteryInfo> {
    return parseBattery(await this.withLockdown(opts, (lockdown) => lockdown.getDomain(BATTERY_DOMAIN, opts)))
  }

  async diskUsage(opts: CallOptions = {}): Promise<DiskUsage> {
    return parseDiskUsage(await this.withLockdown(opts, (lockdown) => lockdown.getDomain(DISK_USAGE_DOMAIN, opts)))
  }

  async startService(service: string, opts: CallOptions = {}): Promise<Channel> {
    const endpoint = await this.withLockdown(opts, async (lockdown) => {
      try {
        return await lockdown.startService(service, opts)
      } catch (error) {
        // EscrowLocked: the service needs the escrow bag while the phone is locked.
        if (!isCradleError(error, 'device-locked') || error.context.lockdownError !== 'EscrowLocked' || !this.record.EscrowBag) throw error
        return lockdown.startService(service, { ...opts, escrowBag: this.record.EscrowBag })
      }
    })
    const channel = await this.mux.connect(this.device, endpoint.port, opts)
    if (!endpoint.ssl) return channel
    const legacy = isLegacyTls(this.info.productVersion)
    const creds = { cert: this.record.HostCertificate, key: this.record.HostPrivateKey, legacy, ...(this.tlsRuntime ? { runtime: this.tlsRuntime } : {}) }
    const { socket } = await startTls(channel.stream, channel.leftover, creds, { timeoutMs: opts.timeoutMs ?? 30_000, ...(opts.signal ? { signal: opts.signal } : {}) })
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

    // Deleting a record is allowed only for one Cradle wrote, or when the user asked (cradle pair);
    // and only when we may pair again right away.
    const mayReplace = (existing: PairRecord | undefined): boolean =>
      opts.onRevoked === 'repair' && opts.pair !== false && (existing?.CradleCreated === true || opts.replaceOtherRecord === true)
    const kept = (error: CradleError, existing: PairRecord | undefined): CradleError => {
      if (opts.onRevoked !== 'repair' || existing?.CradleCreated === true || error.context.pairRecord !== undefined) return error
      return new CradleError('pairing-invalid', `${error.message} (the record was not written by Cradle; it was kept)`, { cause: error, context: { ...error.context, pairRecord: 'not-ours' } })
    }

    let record: PairRecord | undefined
    try {
      record = await loadRecord(mux, device, call)
    } catch (error) {
      // A record we cannot even read: whose it is cannot be known, so only the user may replace it.
      if (!isCradleError(error, 'pairing-invalid')) throw error
      if (!mayReplace(undefined)) throw kept(error, undefined)
      log.info('the stored pair record is unusable; pairing again', { udid: device.udid })
      await mux.deletePairRecord(pairRecordId(device), call)
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
    const sessionOpts = { ...call, ...versionOpt, ...(opts.tlsRuntime ? { tlsRuntime: opts.tlsRuntime } : {}) }
    const attempts = Math.max(1, opts.handshakeAttempts ?? HANDSHAKE_ATTEMPTS)
    /** StartSession and the first request in it; a failed handshake on an attached phone is retried. */
    const openSession = async (rec: PairRecord): Promise<PlistDict> => {
      for (let attempt = 1; ; attempt++) {
        let firstRequest = false
        try {
          if (major < 7) await lockdown.validatePair(rec, call)
          await lockdown.startSession(rec, sessionOpts)
          firstRequest = true
          return await lockdown.getDomain(undefined, call)
        } catch (error) {
          const explained = await explainTlsFailure(mux, device, error, firstRequest)
          if (!isCradleError(explained, 'device-handshake-failed') || attempt >= attempts) throw explained
          const waitMs = (opts.handshakeBackoffMs ?? HANDSHAKE_BACKOFF_MS) * 2 ** (attempt - 1)
          log.info('TLS handshake failed; keeping the pair record and trying again', { udid: device.udid, attempt, waitMs, detail: explained.message })
          lockdown.close()
          await sleep(waitMs, opts.signal)
          lockdown = await LockdownClient.open(mux, device, call)
        }
      }
    }
    let after: PlistDict
    try {
      after = await openSession(record)
    } catch (error) {
      if (!isCradleError(error, 'pairing-invalid')) throw error
      if (!mayReplace(record)) throw kept(error, record)
      log.info('the device no longer accepts the pair record Cradle made; pairing again', { udid: device.udid, detail: error.message })
      await mux.deletePairRecord(pairRecordId(device), call)
      lockdown.close()
      lockdown = await LockdownClient.open(mux, device, call)
      record = await pairNow()
      after = await openSession(record)
    }
    if (hadRecord) opts.onTrustState?.('paired')
    const info = parseDeviceInfo({ ...before, ...after }, device.udid)
    return new Session(mux, device, lockdown, record, info, opts.tlsRuntime)
  } catch (error) {
    lockdown.close()
    throw error
  }
}
