import { Duplex } from 'node:stream'
import tls from 'node:tls'
import type net from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { deviceTlsOptions, startTls, stopTls } from '../../../../src/main/device/io/tls-carrier.js'
import { detectTlsRuntime, emulateBoringSsl } from '../../../../src/main/device/io/tls-runtime.js'
import { generatePairCertificates, type PairCertificates } from '../../../../src/main/device/lockdown/certificates.js'
import { deviceKeys, type DeviceKeys } from '../peers/lockdown-peer.js'
import { socketPair } from '../peers/socket-pair.js'

let keys: DeviceKeys
let sha1: PairCertificates
let sha256: PairCertificates
let legacy1024: PairCertificates
const open: net.Socket[] = []
beforeAll(async () => {
  keys = await deviceKeys()
  sha1 = await generatePairCertificates(keys.publicKeyPem, { digest: 'sha1' })
  sha256 = await generatePairCertificates(keys.publicKeyPem)
  legacy1024 = await generatePairCertificates(keys.publicKeyPem, { digest: 'sha1', keyBits: 1024 })
})
afterEach(() => open.splice(0).forEach((s) => s.destroy()))

/** A device-side TLS server on one end of a socket pair; returns the host end. */
async function device(opts: tls.TlsOptions = {}): Promise<{ host: net.Socket; server: tls.TLSSocket; serverSocket: net.Socket }> {
  const [host, raw] = await socketPair()
  open.push(host, raw)
  const server = new tls.TLSSocket(raw, { isServer: true, cert: keys.certPem, key: keys.privateKeyPem, requestCert: true, rejectUnauthorized: false, ...opts })
  server.on('error', () => undefined)
  return { host, server, serverSocket: raw }
}

describe('TLS on a device tunnel', () => {
  it('presents a SHA-1 host certificate from an old record (security level 0)', async () => {
    const { host, server } = await device({ ciphers: 'DEFAULT:@SECLEVEL=0' })
    const secure = new Promise((r) => server.once('secure', r))
    const { socket } = await startTls(host, Buffer.alloc(0), { cert: sha1.hostCertificate, key: sha1.hostPrivateKey, legacy: false }, { timeoutMs: 5000 })
    await secure
    expect(server.getPeerX509Certificate()?.fingerprint256).toBe(new (await import('node:crypto')).X509Certificate(sha1.hostCertificate).fingerprint256)
    socket.destroy()
  })

  it('speaks TLS 1.0 to an iOS 9 device only in legacy mode', async () => {
    const old = await device({ minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' })
    const { socket } = await startTls(old.host, Buffer.alloc(0), { cert: sha256.hostCertificate, key: sha256.hostPrivateKey, legacy: true }, { timeoutMs: 5000 })
    expect(socket.getProtocol()).toBe('TLSv1')
    socket.destroy()
    const modern = await device({ minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' })
    // A protocol mismatch is a failed handshake, not revoked trust.
    await expect(startTls(modern.host, Buffer.alloc(0), { cert: sha256.hostCertificate, key: sha256.hostPrivateKey, legacy: false }, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'device-handshake-failed' })
  })

  it('calls a device that hangs up at the ClientHello a dropped handshake (not revoked trust) and closes the tunnel', async () => {
    const [host, raw] = await socketPair()
    open.push(host, raw)
    raw.once('data', () => raw.destroy())
    await expect(startTls(host, Buffer.alloc(0), { cert: sha256.hostCertificate, key: sha256.hostPrivateKey, legacy: false }, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'device-handshake-failed', context: { tlsFailure: 'dropped' } })
    expect(host.destroyed).toBe(true)
  })

  it('survives a device that hangs up after its first flight: the host writes into a closed tunnel (EPIPE) and nothing escapes', async () => {
    // The device answers the ClientHello (ServerHello…) and closes before the host's answer, so the
    // host's next flight hits a closed socket. Before the fix that EPIPE was an unhandled 'error'.
    // TLS 1.2: the host still waits for the device's Finished, so the handshake fails. TLS 1.3: the
    // host counts the handshake as done after its own Finished; the tunnel then dies under it.
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3', 'TLSv1.2', 'TLSv1.3'] as const) {
      const [host, raw] = await socketPair()
      open.push(host, raw)
      const flight = new Duplex({ read() {}, write(chunk: Buffer, _e, cb) { raw.end(chunk, () => raw.destroy()); cb() } })
      raw.on('data', (d: Buffer) => flight.push(d))
      const server = new tls.TLSSocket(flight, { isServer: true, cert: keys.certPem, key: keys.privateKeyPem, requestCert: true, rejectUnauthorized: false, maxVersion })
      server.on('error', () => undefined)
      const outcome = await startTls(host, Buffer.alloc(0), { cert: sha256.hostCertificate, key: sha256.hostPrivateKey, legacy: false }, { timeoutMs: 5000 }).then((ok) => ok, (error: unknown) => error)
      if (maxVersion === 'TLSv1.2') expect(outcome).toMatchObject({ code: 'device-handshake-failed' })
      else if ('socket' in (outcome as object)) await new Promise((r) => (outcome as { socket: tls.TLSSocket }).socket.once('close', r))
      await new Promise((r) => (host.destroyed ? r(undefined) : host.once('close', r)))
    }
  })

  it('calls a handshake that never completes a failed handshake after the timeout', async () => {
    const [host, raw] = await socketPair()
    open.push(host, raw)
    raw.resume() // swallows the ClientHello, answers nothing
    await expect(startTls(host, Buffer.alloc(0), { cert: sha256.hostCertificate, key: sha256.hostPrivateKey, legacy: false }, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'device-handshake-failed', context: { tlsFailure: 'timeout' } })
  })

  it('sends close_notify and leaves the tunnel usable for plaintext', async () => {
    const [host, raw] = await socketPair()
    open.push(host, raw)
    // The device side: TLS until the host's close_notify, then plain bytes on the same socket.
    const tlsIn = new Duplex({ read() {}, write(chunk: Buffer, _e, cb) { raw.write(chunk, cb) }, final(cb) { cb() } })
    let plain = ''
    let tlsDone = false
    raw.on('data', (d: Buffer) => (tlsDone ? (plain += d.toString()) : tlsIn.push(d)))
    const server = new tls.TLSSocket(tlsIn, { isServer: true, cert: keys.certPem, key: keys.privateKeyPem, requestCert: true, rejectUnauthorized: false })
    server.on('error', () => undefined)
    server.resume()
    const ended = new Promise<void>((r) => server.once('end', () => { tlsDone = true; r() }))
    const { socket, carrier } = await startTls(host, Buffer.alloc(0), { cert: sha256.hostCertificate, key: sha256.hostPrivateKey, legacy: false }, { timeoutMs: 5000 })
    await stopTls(socket, carrier)
    await ended // the device saw close_notify
    host.write('plain')
    await expect.poll(() => plain).toBe('plain')
    expect(host.destroyed).toBe(false)
  })
})

describe('TLS under BoringSSL rules (Electron)', () => {
  const boring = emulateBoringSsl()

  it('the emulation refuses OpenSSL-only cipher syntax as BoringSSL does, and detection sees it', () => {
    expect(() => boring.createSecureContext({ ciphers: 'DEFAULT:@SECLEVEL=0' })).toThrow(/INVALID_COMMAND/)
    expect(() => boring.createSecureContext({ ciphers: 'ALL:@SECLEVEL=1' })).toThrow(/INVALID_COMMAND/)
    expect(() => boring.createSecureContext({ ciphers: 'DEFAULT:@STRENGTH' })).not.toThrow()
    expect(detectTlsRuntime(boring.createSecureContext)).toMatchObject({ name: 'boringssl', securityLevels: false })
    expect(detectTlsRuntime()).toMatchObject({ name: 'openssl', securityLevels: true })
  })

  it('builds device options that are valid under BoringSSL (no @SECLEVEL), modern and legacy', () => {
    for (const legacy of [false, true]) {
      expect(() => deviceTlsOptions({ cert: sha1.hostCertificate, key: sha1.hostPrivateKey, legacy }, boring)).not.toThrow()
    }
  })

  it('completes the handshake with a SHA-1 record, and TLS 1.0 for old iOS, under BoringSSL rules', async () => {
    const { host, server } = await device({ ciphers: 'DEFAULT:@SECLEVEL=0' })
    const secure = new Promise((r) => server.once('secure', r))
    const { socket } = await startTls(host, Buffer.alloc(0), { cert: sha1.hostCertificate, key: sha1.hostPrivateKey, legacy: false, runtime: boring }, { timeoutMs: 5000 })
    await secure
    socket.destroy()
    const old = await device({ minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' })
    const tls10 = await startTls(old.host, Buffer.alloc(0), { cert: legacy1024.hostCertificate, key: legacy1024.hostPrivateKey, legacy: true, runtime: boring }, { timeoutMs: 5000 })
    expect(tls10.socket.getProtocol()).toBe('TLSv1')
    tls10.socket.destroy()
  })

  it('says "pair again" (pairing-invalid, legacy record) when the runtime cannot use an old record, instead of failing obscurely', async () => {
    const strict = emulateBoringSsl({ legacyCertificates: false })
    const { host } = await device({ ciphers: 'DEFAULT:@SECLEVEL=0' })
    const failure = startTls(host, Buffer.alloc(0), { cert: legacy1024.hostCertificate, key: legacy1024.hostPrivateKey, legacy: false, runtime: strict }, { timeoutMs: 5000 })
    await expect(failure).rejects.toMatchObject({ code: 'pairing-invalid', context: { pairRecord: 'legacy', tlsRuntime: 'boringssl (emulated)' } })
    await expect(failure).rejects.toThrow(/pair again/)
    expect(host.destroyed).toBe(true)
  })
})
