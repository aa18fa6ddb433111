/**
 * lockdownd on port 62078 of a virtual iPhone (protocol.md §2, §7): QueryType, GetValue,
 * Pair/ValidatePair/Unpair, StartSession (+ TLS), StopSession, StartService, Goodbye.
 * Every reply echoes `Request`; failures carry an `Error` string from libimobiledevice's table.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { EventEmitter } from 'node:events'
import type { SecureContext } from 'node:tls'
import { defaultTlsRuntime, levelZeroCiphers } from '../../main/device/io/tls-runtime.js'
import type { PlistDict, PlistValue } from '../../main/device/plist/plist-codec.js'
import { createLogger } from '../../main/logging/logger.js'
import type { Tunnel } from '../link/device-link.js'
import type { DeviceKeys } from '../device/device-keys.js'
import { batteryDomain, diskUsageDomain, globalDomain, type BatteryState, type DeviceIdentity, type DiskState } from '../device/device-info.js'
import type { TrustState } from '../device/trust.js'
import { checkPairRecord, hostCertificateTrusted, type TrustedHost } from './pair-check.js'
import { PlistTransport } from './plist-transport.js'
import type { TlsBehaviour } from './tls-behaviour.js'

const log = createLogger('sim/lockdown')

/** The phone as lockdownd sees it. */
export interface LockdownDevice {
  readonly identity: DeviceIdentity
  readonly keys: DeviceKeys
  readonly trust: TrustState
  readonly battery: BatteryState
  readonly disk: DiskState
  /** Computers this phone trusts, by HostID. */
  readonly trustedHosts: Map<string, TrustedHost>
  /** EnableSessionSSL in StartSession replies (true on every real phone). */
  readonly sessionSsl: boolean
  /** The TLS switches: dropped handshakes, TLS 1.3 with a checked host certificate, close_notify. */
  readonly tls: TlsBehaviour
  /** Lockdown requests seen, by name (tests assert e.g. that no Pair was sent). */
  readonly lockdownRequests: Map<string, number>
  /** Starts a service; returns its port, or undefined for an unknown name. */
  startService(name: string): number | undefined
  /** Realism switches for lockdownd's connections (see LockdownRealism). */
  readonly lockdownRealism: LockdownRealism
  /** Tells tests what lockdownd did by itself (an idle close). */
  readonly events: EventEmitter
}

/** What a real lockdownd does that a kind simulator would not. */
export interface LockdownRealism {
  /** Close a connection that sent no request for this long (real phones: about 60 s); 0 = never. */
  idleCloseMs: number
  /** GetValue without a session answers only the values an unpaired phone shows (VISIBLE_WITHOUT_SESSION). */
  hideValuesWithoutSession: boolean
  /**
   * Connections opened before the last makeLockdownStale() answer every request with this error
   * (a stale connection: InvalidConnection, or SessionInactive once the session is forgotten).
   */
  stale?: { error: 'InvalidConnection' | 'SessionInactive'; generation: number }
  /** Bumped by makeLockdownStale(); each connection remembers the generation it was opened in. */
  generation: number
}

/**
 * Global keys a phone answers without a session (protocol.md §2.3): what libimobiledevice,
 * usbmuxd's preflight and pymobiledevice3's device listing read before pairing. Everything else
 * (SerialNumber, ActivationState, PasswordProtected, …) waits for a session.
 */
export const VISIBLE_WITHOUT_SESSION = new Set(['BuildVersion', 'DeviceClass', 'DeviceName', 'DevicePublicKey', 'ProductType', 'ProductVersion', 'UniqueChipID', 'UniqueDeviceID', 'WiFiAddress'])

const DOMAINS: Record<string, (d: LockdownDevice) => PlistDict> = {
  'com.apple.mobile.battery': (d) => batteryDomain(d.battery),
  'com.apple.disk_usage': (d) => diskUsageDomain(d.disk),
}

/**
 * TLS as libimobiledevice 1.3.0 speaks it: TLS 1.0+ and SHA-1 certificates need security level 0
 * on OpenSSL; under BoringSSL (the simulator inside Electron's Node) there are no levels and the
 * directive would throw, so the same runtime rules as the client's apply.
 * With the tls13 switch: TLS 1.3 only (the host must cope with post-handshake messages).
 */
function tlsContext(device: LockdownDevice, host: TrustedHost, tls13: boolean): SecureContext {
  const runtime = defaultTlsRuntime()
  const ciphers = levelZeroCiphers(runtime, 'ALL')
  return runtime.createSecureContext({
    key: device.keys.privateKeyPem,
    cert: host.deviceCertPem,
    ...(ciphers ? { ciphers } : {}),
    minVersion: tls13 ? 'TLSv1.3' : 'TLSv1',
    // choice: TLS 1.2 at most by default, so the host's close_notify + plaintext after StopSession
    // is never mixed with TLS 1.3 post-handshake messages unless a test asks for it.
    maxVersion: tls13 ? 'TLSv1.3' : 'TLSv1.2',
  })
}

export type PairAnswer = { ok: true; escrowBag: Buffer } | { ok: false; error: string }

/**
 * The phone's side of Pair, for lockdownd and for usbmuxd's preflight: check the record, then
 * a known computer pairs again at once, an unknown one goes through the Trust dialog.
 */
export function answerPair(device: LockdownDevice, pairRecord: PlistValue | undefined): PairAnswer {
  const check = checkPairRecord(pairRecord, device.keys.publicKey)
  if (!check.ok) {
    log.debug('Pair refused', { detail: check.detail })
    return { ok: false, error: check.error }
  }
  const known = device.trustedHosts.get(check.host.hostId)
  if (known && known.rootCertPem === check.host.rootCertPem) return { ok: true, escrowBag: known.escrowBag }
  const decision = device.trust.onPairRequest()
  if (decision !== 'ok') return { ok: false, error: decision }
  const host: TrustedHost = { ...check.host, escrowBag: randomBytes(48) }
  device.trustedHosts.set(host.hostId, host)
  return { ok: true, escrowBag: host.escrowBag }
}

export function serveLockdown(tunnel: Tunnel, initial: Buffer, device: LockdownDevice): void {
  let session: { id: string; host: TrustedHost } | undefined
  /** TLS contexts by HostID and TLS mode. */
  const contexts = new Map<string, SecureContext>()
  const forgetContexts = (hostId: string): void => {
    for (const key of [...contexts.keys()]) if (key.startsWith(`${hostId} `)) contexts.delete(key)
  }
  const realism = device.lockdownRealism
  const generation = realism.generation
  let idleTimer: NodeJS.Timeout | undefined
  const armIdleClose = (): void => {
    if (idleTimer) clearTimeout(idleTimer)
    if (realism.idleCloseMs <= 0) return
    idleTimer = setTimeout(() => {
      log.debug('closing an idle lockdown connection', { idleMs: realism.idleCloseMs })
      tunnel.link.closeTunnel(tunnel, 'end', 'lockdown idle close')
      device.events.emit('lockdown-idle-close')
    }, realism.idleCloseMs)
    idleTimer.unref()
  }
  // setLockdownIdleClose() applies to connections already open, from that moment.
  device.events.on('lockdown-idle-setting', armIdleClose)
  tunnel.onClose(() => {
    if (idleTimer) clearTimeout(idleTimer)
    device.events.off('lockdown-idle-setting', armIdleClose)
  })

  const transport = new PlistTransport(
    tunnel,
    (req) => {
      armIdleClose()
      try {
        if (realism.stale && realism.stale.generation > generation) return fail(str(req.Request) ?? '', realism.stale.error)
        handle(req)
      } catch (error) {
        log.warn('lockdown request failed', { error })
        transport.send({ Request: str(req.Request) ?? '', Error: 'InvalidResponse' })
      }
    },
    (reason) => {
      log.debug('closing lockdown connection', { reason })
      tunnel.link.closeTunnel(tunnel, 'destroy', reason)
    },
  )

  const reply = (request: string, fields: PlistDict = {}): void => transport.send({ Request: request, ...fields })
  const fail = (request: string, error: string): void => transport.send({ Request: request, Error: error })

  function handle(req: PlistDict): void {
    const request = str(req.Request)
    if (request === undefined) return fail('', 'InvalidRequest')
    device.lockdownRequests.set(request, (device.lockdownRequests.get(request) ?? 0) + 1)
    switch (request) {
      case 'QueryType':
        return reply(request, { Type: 'com.apple.mobile.lockdown' })
      case 'GetValue':
        return getValue(req)
      case 'SetValue':
      case 'RemoveValue':
        return fail(request, 'SetProhibited')
      case 'Pair':
        return pair(req)
      case 'ValidatePair':
        return validatePair(req)
      case 'Unpair':
        return unpair(req)
      case 'StartSession':
        return startSession(req)
      case 'StopSession':
        return stopSession(req)
      case 'StartService':
        return startService(req)
      case 'Goodbye':
        reply(request, { Result: 'Success' })
        return tunnel.end()
      default:
        return fail(request, 'InvalidRequest')
    }
  }

  function getValue(req: PlistDict): void {
    const domain = str(req.Domain)
    const key = str(req.Key)
    let values: PlistDict
    if (domain === undefined || domain === '') {
      values = globalDomain(device.identity, device.keys.publicKeyPkcs1Pem, device.trust.locked)
      if (!session && realism.hideValuesWithoutSession) {
        // choice: a hidden key asked for by name answers GetProhibited (a client treats it as unavailable).
        if (key !== undefined && key in values && !VISIBLE_WITHOUT_SESSION.has(key)) return fail('GetValue', 'GetProhibited')
        values = Object.fromEntries(Object.entries(values).filter(([k]) => VISIBLE_WITHOUT_SESSION.has(k)))
      }
    } else {
      // choice: other domains only inside a session (go-ios reads the battery over a session);
      // without one the phone answers SessionInactive.
      if (!session) return fail('GetValue', 'SessionInactive')
      const make = DOMAINS[domain]
      if (!make) return fail('GetValue', 'MissingValue')
      values = make(device)
    }
    const echo: PlistDict = {}
    if (domain) echo.Domain = domain
    if (key === undefined) return reply('GetValue', { ...echo, Value: values })
    const value = values[key]
    if (value === undefined) return fail('GetValue', 'MissingValue')
    reply('GetValue', { ...echo, Key: key, Value: value })
  }

  function pair(req: PlistDict): void {
    const answer = answerPair(device, req.PairRecord)
    if (!answer.ok) return fail('Pair', answer.error)
    const hostId = hostIdOf(req)
    if (hostId) forgetContexts(hostId)
    reply('Pair', { EscrowBag: answer.escrowBag })
  }

  function hostIdOf(req: PlistDict): string | undefined {
    const record = req.PairRecord as PlistValue | undefined
    if (record && typeof record === 'object' && !Buffer.isBuffer(record) && !Array.isArray(record) && !(record instanceof Date)) {
      const id = str((record as PlistDict).HostID)
      if (id) return id
    }
    return str(req.HostID)
  }

  function validatePair(req: PlistDict): void {
    const hostId = hostIdOf(req)
    if (!hostId) return fail('ValidatePair', 'MissingHostID')
    if (!device.trustedHosts.has(hostId)) return fail('ValidatePair', 'InvalidHostID')
    reply('ValidatePair')
  }

  function unpair(req: PlistDict): void {
    const hostId = hostIdOf(req)
    if (!hostId) return fail('Unpair', 'MissingHostID')
    if (!device.trustedHosts.delete(hostId)) return fail('Unpair', 'InvalidHostID')
    forgetContexts(hostId)
    reply('Unpair')
  }

  function startSession(req: PlistDict): void {
    if (session) return fail('StartSession', 'SessionActive')
    const hostId = str(req.HostID)
    if (!hostId) return fail('StartSession', 'MissingHostID')
    const host = device.trustedHosts.get(hostId)
    // Trust reset on the phone, or a record from another computer (protocol.md §2.4).
    if (!host) return fail('StartSession', 'InvalidHostID')
    session = { id: randomUUID().toUpperCase(), host }
    const ssl = device.sessionSsl
    reply('StartSession', { SessionID: session.id, EnableSessionSSL: ssl })
    if (ssl) {
      const rules = device.tls
      const key = `${hostId} ${rules.tls13 ? '1.3' : '1.2'}`
      let ctx = contexts.get(key)
      if (!ctx) contexts.set(key, (ctx = tlsContext(device, host, rules.tls13)))
      transport.startTls(ctx, {
        drop: rules.takeDrop(),
        closeNotify: rules.closeNotify,
        ...(rules.tls13 ? { verifyHost: (cert) => hostCertificateTrusted(cert, host.rootCertPem) } : {}),
        onSecure: () => rules.counters.completed++,
        onRefused: () => rules.counters.refused++,
      })
    }
  }

  function stopSession(req: PlistDict): void {
    if (!session) return fail('StopSession', 'SessionInactive')
    const id = str(req.SessionID)
    if (id !== undefined && id !== session.id) return fail('StopSession', 'InvalidSessionID')
    session = undefined
    transport.sendAndStopTls({ Request: 'StopSession' })
  }

  function startService(req: PlistDict): void {
    const name = str(req.Service)
    if (!name) return fail('StartService', 'MissingService')
    if (!session) return fail('StartService', 'SessionInactive')
    const port = device.startService(name)
    if (port === undefined) return fail('StartService', 'InvalidService')
    reply('StartService', { Service: name, Port: port })
  }

  armIdleClose()
  transport.feed(initial)
}

function str(value: PlistValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}
