/**
 * lockdownd on device port 62078 (protocol.md §2): QueryType, GetValue, Pair, ValidatePair,
 * StartSession (+TLS), StopSession, StartService. Every reply must echo `Request`; an `Error`
 * key becomes a CradleError mapped per §2.4.
 */
import { CradleError } from '../../../shared/errors.js'
import type { Channel } from '../io/channel.js'
import type { CallOptions } from '../io/deadline.js'
import type { TlsRuntime } from '../io/tls-runtime.js'
import type { PlistDict, PlistValue } from '../plist/plist-codec.js'
import { PlistServiceClient } from '../plist-service/plist-service-client.js'
import { protocolError } from '../protocol-error.js'
import type { MuxDevice } from '../usbmux/device-list.js'
import type { MuxClient } from '../usbmux/mux-client.js'
import { lockdownError, VALUE_UNAVAILABLE } from './lockdown-errors.js'
import { pairRequestRecord, type PairRecord } from './pair-record.js'

export const LOCKDOWN_PORT = 62078
export const LOCKDOWN_TYPE = 'com.apple.mobile.lockdown'
const LABEL = 'cradle'

export interface ServiceEndpoint {
  port: number
  /** EnableServiceSSL: the service connection must switch to TLS right after Connect. */
  ssl: boolean
}

export class LockdownClient {
  private sessionId: string | undefined

  constructor(private readonly conn: PlistServiceClient) {}

  /** Connects to lockdownd on the device through the mux. */
  static async open(mux: MuxClient, device: MuxDevice | number, opts: CallOptions = {}): Promise<LockdownClient> {
    const channel: Channel = await mux.connect(device, LOCKDOWN_PORT, opts)
    return new LockdownClient(new PlistServiceClient(channel, 'lockdownd'))
  }

  get inSession(): boolean {
    return this.sessionId !== undefined
  }

  get closed(): boolean {
    return this.conn.closed
  }

  /** Sends `{Label, Request, …}` and checks the echo and the Error key. */
  async request(request: string, fields: PlistDict = {}, opts: CallOptions & { checkEcho?: boolean } = {}): Promise<PlistDict> {
    const reply = await this.conn.request({ Label: LABEL, Request: request, ...fields }, opts)
    if (typeof reply.Error === 'string') throw lockdownError(request, reply.Error)
    // Before iOS 5 failure was Result:"Failure" without an Error string.
    if (reply.Result === 'Failure') throw lockdownError(request, 'Failure')
    if (opts.checkEcho !== false && reply.Request !== request) throw protocolError(`lockdownd answered ${String(reply.Request)} to ${request}`)
    return reply
  }

  /** "com.apple.mobile.lockdown" in normal mode; anything else means recovery/restore mode. */
  async queryType(opts: CallOptions = {}): Promise<string> {
    const reply = await this.request('QueryType', {}, opts)
    if (typeof reply.Type !== 'string') throw protocolError('QueryType without Type')
    return reply.Type
  }

  /** One value (or a whole domain without `key`); undefined when the device withholds it. */
  async getValue(key: string | undefined, domain?: string, opts: CallOptions = {}): Promise<PlistValue | undefined> {
    const fields: PlistDict = {}
    if (domain) fields.Domain = domain
    if (key) fields.Key = key
    try {
      const reply = await this.request('GetValue', fields, opts)
      return reply.Value
    } catch (error) {
      const name = error instanceof CradleError ? error.context.lockdownError : undefined
      if (typeof name === 'string' && VALUE_UNAVAILABLE.has(name)) return undefined
      throw error
    }
  }

  /** A whole domain as a dict ({} when unavailable). */
  async getDomain(domain: string | undefined, opts: CallOptions = {}): Promise<PlistDict> {
    const value = await this.getValue(undefined, domain, opts)
    return value !== undefined && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Date) ? value : {}
  }

  /** One Pair attempt; returns the EscrowBag. Locked/pending/denied come back as CradleErrors. */
  async pair(record: PairRecord, opts: CallOptions & { hostName?: string } = {}): Promise<Buffer | undefined> {
    const reply = await this.request(
      'Pair',
      {
        PairRecord: pairRequestRecord(record),
        ProtocolVersion: '2',
        PairingOptions: { ExtendedPairingErrors: true },
        ...(opts.hostName ? { HostName: opts.hostName } : {}),
      },
      opts,
    )
    return Buffer.isBuffer(reply.EscrowBag) ? reply.EscrowBag : undefined
  }

  /** ValidatePair, sent only to iOS < 7 (libimobiledevice's handshake). */
  async validatePair(record: PairRecord, opts: CallOptions = {}): Promise<void> {
    await this.request('ValidatePair', { PairRecord: pairRequestRecord(record), ProtocolVersion: '2' }, opts)
  }

  /**
   * StartSession and, when the device asks, TLS with the host certificate. InvalidHostID means
   * the trust is gone ('pairing-invalid'); a handshake that fails is 'device-handshake-failed'
   * (a connection problem), or 'pairing-invalid' with context.pairRecord 'legacy' when the TLS
   * library cannot use the record's old certificate (io/tls-carrier.ts).
   */
  async startSession(record: PairRecord, opts: CallOptions & { productVersion?: string; tlsRuntime?: TlsRuntime } = {}): Promise<void> {
    if (this.sessionId) throw new CradleError('internal', 'lockdown session already active')
    const reply = await this.request('StartSession', { HostID: record.HostID, SystemBUID: record.SystemBUID }, opts)
    if (typeof reply.SessionID !== 'string') throw protocolError('StartSession without SessionID')
    this.sessionId = reply.SessionID
    if (reply.EnableSessionSSL === true) {
      await this.conn.startTls({ cert: record.HostCertificate, key: record.HostPrivateKey, legacy: isLegacyTls(opts.productVersion), ...(opts.tlsRuntime ? { runtime: opts.tlsRuntime } : {}) }, opts)
    }
  }

  /** StopSession inside TLS, then close_notify; the connection continues in plaintext. */
  async stopSession(opts: CallOptions = {}): Promise<void> {
    const id = this.sessionId
    if (!id) return
    this.sessionId = undefined
    try {
      await this.request('StopSession', { SessionID: id }, opts)
    } finally {
      if (!this.conn.closed) await this.conn.stopTls()
    }
  }

  /** StartService; `escrowBag` is added for services that need it while locked (EscrowLocked). */
  async startService(service: string, opts: CallOptions & { escrowBag?: Buffer } = {}): Promise<ServiceEndpoint> {
    const reply = await this.request('StartService', { Service: service, ...(opts.escrowBag ? { EscrowBag: opts.escrowBag } : {}) }, opts)
    const port = reply.Port
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw protocolError(`StartService ${service} gave no valid Port`)
    return { port, ssl: reply.EnableServiceSSL === true }
  }

  close(): void {
    this.conn.close()
  }
}

/** libimobiledevice caps TLS at 1.0 below iOS 10 (protocol.md §2.6). */
export function isLegacyTls(productVersion: string | undefined): boolean {
  if (!productVersion) return false
  const major = Number.parseInt(productVersion.split('.')[0] ?? '', 10)
  return Number.isFinite(major) && major < 10
}
