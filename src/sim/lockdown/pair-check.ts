/**
 * Checks a PairRecord the way a phone must before trusting a computer (protocol.md §2.5, §3):
 * the three certificates parse, the DeviceCertificate wraps THIS phone's public key, and both
 * it and the HostCertificate are signed by the RootCertificate. libimobiledevice 1.3.0 signs
 * with SHA-1, which X509Certificate.verify accepts (only TLS needs the lowered security level).
 */
import { X509Certificate, type KeyObject } from 'node:crypto'
import { isPlistDict, type PlistValue } from '../../main/device/plist/plist-codec.js'

export interface TrustedHost {
  hostId: string
  systemBuid: string
  deviceCertPem: string
  hostCertPem: string
  rootCertPem: string
  escrowBag: Buffer
}

export type PairCheck = { ok: true; host: Omit<TrustedHost, 'escrowBag'> } | { ok: false; error: 'InvalidPairRecord' | 'MissingPairRecord' | 'MissingHostID'; detail: string }

function pem(value: PlistValue | undefined): string | undefined {
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  if (typeof value === 'string') return value
  return undefined
}

export function checkPairRecord(record: PlistValue | undefined, devicePublicKey: KeyObject): PairCheck {
  if (!isPlistDict(record)) return { ok: false, error: 'MissingPairRecord', detail: 'no PairRecord dictionary' }
  const hostId = record.HostID
  if (typeof hostId !== 'string' || hostId === '') return { ok: false, error: 'MissingHostID', detail: 'PairRecord has no HostID' }
  const systemBuid = typeof record.SystemBUID === 'string' ? record.SystemBUID : ''
  const devicePem = pem(record.DeviceCertificate)
  const hostPem = pem(record.HostCertificate)
  const rootPem = pem(record.RootCertificate)
  if (!devicePem || !hostPem || !rootPem) return { ok: false, error: 'InvalidPairRecord', detail: 'a certificate is missing' }
  let device: X509Certificate
  let host: X509Certificate
  let root: X509Certificate
  try {
    device = new X509Certificate(devicePem)
    host = new X509Certificate(hostPem)
    root = new X509Certificate(rootPem)
  } catch (error) {
    return { ok: false, error: 'InvalidPairRecord', detail: `certificate does not parse: ${(error as Error).message}` }
  }
  if (!device.publicKey.equals(devicePublicKey)) return { ok: false, error: 'InvalidPairRecord', detail: 'DeviceCertificate does not hold this device public key' }
  if (!device.verify(root.publicKey)) return { ok: false, error: 'InvalidPairRecord', detail: 'DeviceCertificate is not signed by the RootCertificate' }
  if (!host.verify(root.publicKey)) return { ok: false, error: 'InvalidPairRecord', detail: 'HostCertificate is not signed by the RootCertificate' }
  return { ok: true, host: { hostId, systemBuid, deviceCertPem: devicePem, hostCertPem: hostPem, rootCertPem: rootPem } }
}

/**
 * A phone that checks the certificate the host presents in TLS: it must be the pair record's
 * RootCertificate itself (libimobiledevice 1.3.0 presents the root) or be issued and signed by
 * it (pymobiledevice3 and go-ios present the HostCertificate).
 */
export function hostCertificateTrusted(presented: X509Certificate | undefined, rootCertPem: string): boolean {
  if (!presented) return false
  let root: X509Certificate
  try {
    root = new X509Certificate(rootCertPem)
  } catch {
    return false
  }
  if (presented.raw.equals(root.raw)) return true
  return presented.checkIssued(root) && presented.verify(root.publicKey)
}
