import { execFileSync } from 'node:child_process'
import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generatePairCertificates, type PairCertificates } from '../../../../src/main/device/lockdown/certificates.js'
import { derInteger, derLength, derOid, derTime } from '../../../../src/main/device/lockdown/der.js'

const device = generateKeyPairSync('rsa', { modulusLength: 2048 })
const devicePem = device.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string
const now = new Date('2026-03-01T12:00:00Z')
let certs: PairCertificates
let dir: string

const opensslText = (pem: Buffer): string => {
  const file = path.join(dir, `c${Math.random()}.pem`)
  writeFileSync(file, pem)
  return execFileSync('openssl', ['x509', '-in', file, '-noout', '-text'], { encoding: 'utf8' })
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cradle-cert-'))
  certs = await generatePairCertificates(devicePem, { now })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('DER encoders', () => {
  it('encodes lengths, integers, OIDs and times like X.690', () => {
    expect(derLength(5).toString('hex')).toBe('05')
    expect(derLength(200).toString('hex')).toBe('81c8')
    expect(derLength(70000).toString('hex')).toBe('83011170')
    expect(derInteger(1).toString('hex')).toBe('020101')
    expect(derInteger(128).toString('hex')).toBe('02020080')
    expect(derInteger(0).toString('hex')).toBe('020100')
    expect(derOid('1.2.840.113549.1.1.11').toString('hex')).toBe('06092a864886f70d01010b')
    expect(derOid('2.5.29.19').toString('hex')).toBe('0603551d13')
    expect(derTime(new Date('2026-03-01T12:00:00Z')).toString('latin1')).toBe('\x17\x0d260301120000Z')
    expect(derTime(new Date('2051-01-02T03:04:05Z')).toString('latin1')).toBe('\x18\x0f20510102030405Z')
  })
})

describe('pair certificates (protocol.md §3.2)', () => {
  it('signs all three with the root key, serial 1, SHA-256, valid from a day ago (host clocks run ahead) for ten years', () => {
    const root = new X509Certificate(certs.rootCertificate)
    for (const pem of [certs.rootCertificate, certs.hostCertificate, certs.deviceCertificate]) {
      const c = new X509Certificate(pem)
      expect(c.verify(root.publicKey)).toBe(true)
      expect(c.serialNumber).toBe('01')
      expect(new Date(c.validFrom).toISOString()).toBe('2026-02-28T12:00:00.000Z')
      expect(new Date(c.validTo).toISOString()).toBe('2036-03-01T12:00:00.000Z')
      const text = opensslText(pem)
      expect(text).toContain('Version: 3 (0x2)')
      expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/)
      expect(text).toMatch(/Public-Key: \(2048 bit\)/)
    }
    expect(root.ca).toBe(true)
  })

  it('writes the extensions libimobiledevice and pymobiledevice3 write', () => {
    expect(opensslText(certs.rootCertificate)).toMatch(/Basic Constraints: critical\s+CA:TRUE/)
    const host = opensslText(certs.hostCertificate)
    expect(host).toMatch(/Basic Constraints: critical\s+CA:FALSE/)
    expect(host).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/)
    const dev = opensslText(certs.deviceCertificate)
    expect(dev).toMatch(/Basic Constraints: critical\s+CA:FALSE/)
    expect(dev).toMatch(/Subject Key Identifier/)
    expect(dev).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/)
  })

  it('wraps the phone\'s DevicePublicKey in the device certificate and keeps keys in PKCS#8', () => {
    const dev = new X509Certificate(certs.deviceCertificate)
    const spki = (k: Parameters<typeof createPublicKey>[0]): string => createPublicKey(k).export({ type: 'spki', format: 'der' }).toString('hex')
    expect(spki(dev.publicKey.export({ type: 'spki', format: 'pem' }) as string)).toBe(spki(devicePem))
    expect(certs.hostPrivateKey.toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    expect(certs.rootPrivateKey.toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    expect(new X509Certificate(certs.hostCertificate).checkPrivateKey(createPrivateKey(certs.hostPrivateKey))).toBe(true)
  })

  it('refuses a DevicePublicKey that is not an RSA key', async () => {
    await expect(generatePairCertificates('not a key')).rejects.toMatchObject({ code: 'device-protocol' })
  })
})
