import { Duplex } from 'node:stream'
import tls from 'node:tls'
import type net from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTls, stopTls } from '../../../../src/main/device/io/tls-carrier.js'
import { generatePairCertificates, type PairCertificates } from '../../../../src/main/device/lockdown/certificates.js'
import { deviceKeys, type DeviceKeys } from '../peers/lockdown-peer.js'
import { socketPair } from '../peers/socket-pair.js'

let keys: DeviceKeys
let sha1: PairCertificates
let sha256: PairCertificates
const open: net.Socket[] = []
beforeAll(async () => {
  keys = await deviceKeys()
  sha1 = await generatePairCertificates(keys.publicKeyPem, { digest: 'sha1' })
  sha256 = await generatePairCertificates(keys.publicKeyPem)
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
    await expect(startTls(modern.host, Buffer.alloc(0), { cert: sha256.hostCertificate, key: sha256.hostPrivateKey, legacy: false }, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'pairing-invalid' })
  })

  it('calls a device that hangs up during the handshake pairing-invalid', async () => {
    const [host, raw] = await socketPair()
    open.push(host, raw)
    raw.once('data', () => raw.destroy())
    await expect(startTls(host, Buffer.alloc(0), { cert: sha256.hostCertificate, key: sha256.hostPrivateKey, legacy: false }, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'pairing-invalid' })
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
