/**
 * lockdownd on port 62078 of a virtual iPhone (protocol.md §2, §7): QueryType, GetValue,
 * Pair/ValidatePair/Unpair, StartSession (+ TLS), StopSession, StartService, Goodbye.
 * Every reply echoes `Request`; failures carry an `Error` string from libimobiledevice's table.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createSecureContext, type SecureContext } from 'node:tls'
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
}

const DOMAINS: Record<string, (d: LockdownDevice) => PlistDict> = {
  'com.apple.mobile.battery': (d) => batteryDomain(d.battery),
  'com.apple.disk_usage': (d) => diskUsageDomain(d.disk),
}

/**
 * TLS as libimobiledevice 1.3.0 speaks it: TLS 1.0+ and SHA-1 certificates need security level 0.
 * With the tls13 switch: TLS 1.3 only (the host must cope with post-handshake messages).
 */
function tlsContext(device: LockdownDevice, host: TrustedHost, tls13: boolean): SecureContext {
  return createSecureContext({
    key: device.keys.privateKeyPem,
    cert: host.deviceCertPem,
    ciphers: 'ALL:@SECLEVEL=0',
    minVersion: tls13 ? 'TLSv1.3' : 'TLSv1',
    // choice: TLS 1.2 at most by default, so the host's close_notify + plaintext after StopSession
    // is never mixed with TLS 1.3 post-handshake messages unless a test asks for it.
    maxVersion: tls13 ? 'TLSv1.3' : 'TLSv1.2',
  })
}

export function serveLockdown(tunnel: Tunnel, initial: Buffer, device: LockdownDevice): void {
  let session: { id: string; host: TrustedHost } | undefined
  /** TLS contexts by HostID and TLS mode. */
  const contexts = new Map<string, SecureContext>()
  const forgetContexts = (hostId: string): void => {
    for (const key of [...contexts.keys()]) if (key.startsWith(`${hostId} `)) contexts.delete(key)
  }

  const transport = new PlistTransport(
    tunnel,
    (req) => {
      try {
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
    if (domain === undefined || domain === '') values = globalDomain(device.identity, device.keys.publicKeyPkcs1Pem, device.trust.locked)
    else {
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
    const check = checkPairRecord(req.PairRecord, device.keys.publicKey)
    if (!check.ok) {
      log.debug('Pair refused', { detail: check.detail })
      return fail('Pair', check.error)
    }
    const known = device.trustedHosts.get(check.host.hostId)
    if (known && known.rootCertPem === check.host.rootCertPem) return reply('Pair', { EscrowBag: known.escrowBag })
    const decision = device.trust.onPairRequest()
    if (decision !== 'ok') return fail('Pair', decision)
    const host: TrustedHost = { ...check.host, escrowBag: randomBytes(48) }
    device.trustedHosts.set(host.hostId, host)
    forgetContexts(host.hostId)
    reply('Pair', { EscrowBag: host.escrowBag })
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

  transport.feed(initial)
}

function str(value: PlistValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}
