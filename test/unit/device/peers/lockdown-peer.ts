/**
 * A scripted lockdownd for unit tests, written from protocol.md §2 and §7: u32be-framed XML
 * plists, echoed `Request`, a Trust script for Pair, TLS as the server after StartSession
 * (presenting a device certificate, recording the client certificate) and plaintext again after
 * StopSession + close_notify. src/sim has the full virtual phone.
 */
import { generateKeyPairSync, type X509Certificate } from 'node:crypto'
import type net from 'node:net'
import tls from 'node:tls'
import { Duplex } from 'node:stream'
import { generatePairCertificates } from '../../../../src/main/device/lockdown/certificates.js'
import { decodePlistServiceFrame, encodePlistServiceFrame } from '../../../../src/main/device/plist-service/plist-service-codec.js'
import type { PlistDict } from '../../../../src/main/device/plist/plist-codec.js'

export interface DeviceKeys {
  privateKeyPem: string
  publicKeyPem: Buffer
  certPem: Buffer
}

let cachedKeys: Promise<DeviceKeys> | undefined
/** One RSA key per test run (2048-bit generation is slow); its certificate serves TLS. */
export function deviceKeys(): Promise<DeviceKeys> {
  cachedKeys ??= (async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const publicKeyPem = Buffer.from(publicKey.export({ type: 'pkcs1', format: 'pem' }) as string)
    const certs = await generatePairCertificates(publicKeyPem)
    return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKeyPem, certPem: certs.deviceCertificate }
  })()
  return cachedKeys
}

export interface LockdownScript {
  global: PlistDict
  domains?: Record<string, PlistDict>
  /** Errors returned by successive Pair requests before one succeeds ('UserDeniedPairing' ends it). */
  pairErrors?: string[]
  /** HostIDs StartSession accepts; `*` accepts any. */
  trustedHostIds: Set<string>
  /** Revoked trust, TLS variant: hang up during the handshake instead of InvalidHostID. */
  dropTls?: boolean
  sessionSsl?: boolean
  services?: Record<string, { port: number; ssl?: boolean; error?: string; needsEscrow?: boolean }>
  /** Everything received, for assertions. */
  log: PlistDict[]
  /** Client certificates presented in TLS handshakes. */
  clientCerts: X509Certificate[]
  /** Pair records received in Pair requests. */
  pairRecords: PlistDict[]
}

export function serveLockdown(socket: net.Socket, script: LockdownScript, keys: DeviceKeys): void {
  let stream: Duplex = socket
  let buf: Buffer = Buffer.alloc(0)
  let inSession = false
  socket.on('error', () => undefined)

  const send = (dict: PlistDict): void => {
    stream.write(encodePlistServiceFrame(dict))
  }
  const onData = (chunk: Buffer): void => {
    buf = Buffer.concat([buf, chunk])
    for (;;) {
      const d = decodePlistServiceFrame(buf)
      if ('need' in d) return
      buf = d.rest
      handle(d.value)
    }
  }
  const attach = (s: Duplex): void => {
    stream = s
    s.on('data', onData)
  }

  const handle = (req: PlistDict): void => {
    script.log.push(req)
    const request = String(req.Request)
    const reply = (fields: PlistDict): void => send({ Request: request, ...fields })
    switch (request) {
      case 'QueryType':
        return reply({ Type: 'com.apple.mobile.lockdown' })
      case 'GetValue': {
        const domain = typeof req.Domain === 'string' ? script.domains?.[req.Domain] : script.global
        if (!domain) return reply({ Error: 'MissingValue' })
        if (typeof req.Key !== 'string') return reply({ Value: domain })
        return domain[req.Key] === undefined ? reply({ Error: 'MissingValue' }) : reply({ Value: domain[req.Key]! })
      }
      case 'Pair': {
        script.pairRecords.push(req.PairRecord as PlistDict)
        const error = script.pairErrors?.shift()
        if (error) {
          if (error === 'UserDeniedPairing') script.pairErrors = ['UserDeniedPairing']
          return reply({ Error: error })
        }
        script.trustedHostIds.add(String((req.PairRecord as PlistDict).HostID))
        return reply({ EscrowBag: Buffer.from('escrow-bag') })
      }
      case 'StartSession': {
        const hostId = String(req.HostID)
        if (!script.trustedHostIds.has(hostId) && !script.trustedHostIds.has('*') && !script.dropTls) return reply({ Error: 'InvalidHostID' })
        inSession = true
        const ssl = script.sessionSsl !== false
        reply({ SessionID: 'SESSION-1', EnableSessionSSL: ssl })
        if (!ssl) return
        socket.off('data', onData)
        if (script.dropTls) {
          socket.once('data', () => socket.destroy()) // the ClientHello: hang up, like a phone that forgot us
          socket.resume()
          return
        }
        // Split the raw stream into TLS records for the TLS layer; the first byte that does not
        // start a TLS record (after the host's close_notify) begins plaintext again.
        let raw: Buffer = Buffer.alloc(0)
        const tlsIn = new Duplex({ read() {}, write(chunk: Buffer, _e, cb) { if (socket.destroyed) cb(); else socket.write(chunk, cb) }, final(cb) { cb() } })
        const carrier = { detach: () => socket.off('data', onRaw) }
        const onRaw = (chunk: Buffer): void => {
          raw = Buffer.concat([raw, chunk])
          while (raw.length >= 5 && raw[0]! >= 0x14 && raw[0]! <= 0x17 && raw[1] === 0x03) {
            const n = 5 + raw.readUInt16BE(3)
            if (raw.length < n) return
            tlsIn.push(raw.subarray(0, n))
            raw = raw.subarray(n)
          }
          if (raw.length > 0 && !(raw[0]! >= 0x14 && raw[0]! <= 0x17)) {
            carrier.detach()
            const rest = raw
            raw = Buffer.alloc(0)
            attach(socket)
            onData(rest)
          }
        }
        socket.on('data', onRaw)
        const t = new tls.TLSSocket(tlsIn, { isServer: true, cert: keys.certPem, key: keys.privateKeyPem, requestCert: true, rejectUnauthorized: false })
        t.on('error', () => undefined)
        t.once('secure', () => {
          const cert = t.getPeerX509Certificate()
          if (cert) script.clientCerts.push(cert)
        })
        attach(t)
        return
      }
      case 'StopSession':
        inSession = false
        return reply({})
      case 'StartService': {
        if (!inSession) return reply({ Error: 'SessionInactive' })
        const service = script.services?.[String(req.Service)]
        if (!service) return reply({ Error: 'InvalidService' })
        if (service.needsEscrow && !Buffer.isBuffer(req.EscrowBag)) return reply({ Error: 'EscrowLocked' })
        if (service.error) return reply({ Error: service.error })
        return reply({ Service: String(req.Service), Port: service.port, ...(service.ssl ? { EnableServiceSSL: true } : {}) })
      }
      case 'ValidatePair':
        return script.trustedHostIds.has(String((req.PairRecord as PlistDict).HostID)) ? reply({}) : reply({ Error: 'InvalidHostID' })
      default:
        return reply({ Error: 'UnknownRequest' })
    }
  }
  attach(socket)
}

export function newScript(global: PlistDict, extra: Partial<LockdownScript> = {}): LockdownScript {
  return { global, trustedHostIds: new Set(), log: [], clientCerts: [], pairRecords: [], ...extra }
}
