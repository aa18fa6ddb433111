/**
 * Certificates for a new pair record (protocol.md §3.2): RSA 2048 root CA and host keys, a
 * device certificate wrapping the phone's DevicePublicKey (PKCS#1 PEM), empty subject and
 * issuer, X.509 v3, serial 1, SHA-256, valid from a day ago for ten years, all signed by the
 * root. Extensions as libimobiledevice and pymobiledevice3 write them.
 */
import { createHash, createPublicKey, generateKeyPair, sign, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'
import { CradleError } from '../../../shared/errors.js'
import { DER_NULL, derBitString, derBoolean, derExplicit, derInteger, derOctetString, derOid, derSequence, derTime, toPem } from './der.js'

const generateKeyPairAsync = promisify(generateKeyPair)

const OID = {
  rsaSha256: '1.2.840.113549.1.1.11',
  rsaSha1: '1.2.840.113549.1.1.5',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
}

/** An empty Name (SEQUENCE {}), as both reference clients write for subject and issuer. */
const EMPTY_NAME = derSequence()

export interface PairCertificates {
  rootCertificate: Buffer
  rootPrivateKey: Buffer
  hostCertificate: Buffer
  hostPrivateKey: Buffer
  deviceCertificate: Buffer
}

type Extension = { oid: string; critical: boolean; value: Buffer }

function extension(e: Extension): Buffer {
  return derSequence(derOid(e.oid), ...(e.critical ? [derBoolean(true)] : []), derOctetString(e.value))
}

/** keyUsage digitalSignature (bit 0) + keyEncipherment (bit 2): 0b101 in the top bits, 5 unused. */
const KEY_USAGE_SIG_ENC = derBitString(Buffer.from([0xa0]), 5)

function certificate(opts: { subjectKey: KeyObject; signer: KeyObject; serial: number; notBefore: Date; notAfter: Date; digest: 'sha256' | 'sha1'; extensions: Extension[] }): Buffer {
  const algorithm = derSequence(derOid(opts.digest === 'sha256' ? OID.rsaSha256 : OID.rsaSha1), DER_NULL)
  const spki = opts.subjectKey.export({ type: 'spki', format: 'der' })
  const tbs = derSequence(
    derExplicit(0, derInteger(2)), // v3
    derInteger(opts.serial),
    algorithm,
    EMPTY_NAME,
    derSequence(derTime(opts.notBefore), derTime(opts.notAfter)),
    EMPTY_NAME,
    spki,
    derExplicit(3, derSequence(...opts.extensions.map(extension))),
  )
  const signature = sign(opts.digest, tbs, opts.signer)
  return derSequence(tbs, algorithm, derBitString(signature))
}

/** Reads the phone's DevicePublicKey: PEM PKCS#1 ("RSA PUBLIC KEY"), also accepting SPKI. */
export function parseDevicePublicKey(pem: Buffer | string): KeyObject {
  try {
    const key = createPublicKey({ key: pem, format: 'pem' })
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`not an RSA key (${key.asymmetricKeyType})`)
    return key
  } catch (error) {
    throw new CradleError('device-protocol', `DevicePublicKey is not a usable RSA public key: ${(error as Error).message}`, { cause: error })
  }
}

/**
 * Host clocks run ahead of phones (and phones' clocks are set back): a certificate that is not
 * valid yet by the phone's clock would be refused. A day covers a wrong time zone too.
 */
export const NOT_BEFORE_BACKDATE_MS = 24 * 60 * 60_000

/**
 * Generates the root, host and device certificates for pairing with the phone whose key is given.
 * `digest: 'sha1'` and `keyBits: 1024` make records like old pairing tools wrote (tests only).
 */
export async function generatePairCertificates(devicePublicKey: Buffer | string, opts: { now?: Date; digest?: 'sha256' | 'sha1'; keyBits?: number } = {}): Promise<PairCertificates> {
  const deviceKey = parseDevicePublicKey(devicePublicKey)
  const modulusLength = opts.keyBits ?? 2048
  const [root, host] = await Promise.all([
    generateKeyPairAsync('rsa', { modulusLength, publicExponent: 0x10001 }),
    generateKeyPairAsync('rsa', { modulusLength, publicExponent: 0x10001 }),
  ])
  const now = opts.now ?? new Date()
  const notBefore = new Date(now.getTime() - NOT_BEFORE_BACKDATE_MS)
  const notAfter = new Date(now.getTime())
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 10)
  const base = { signer: root.privateKey, serial: 1, notBefore, notAfter, digest: opts.digest ?? 'sha256' } as const
  const ca: Extension = { oid: OID.basicConstraints, critical: true, value: derSequence(derBoolean(true)) }
  const notCa: Extension = { oid: OID.basicConstraints, critical: true, value: derSequence() }
  const usage: Extension = { oid: OID.keyUsage, critical: true, value: KEY_USAGE_SIG_ENC }
  // subjectKeyIdentifier = SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1).
  const ski: Extension = { oid: OID.subjectKeyIdentifier, critical: false, value: derOctetString(createHash('sha1').update(deviceKey.export({ type: 'pkcs1', format: 'der' })).digest()) }
  const rootCert = certificate({ ...base, subjectKey: root.publicKey, extensions: [ca] })
  const hostCert = certificate({ ...base, subjectKey: host.publicKey, extensions: [notCa, usage] })
  const deviceCert = certificate({ ...base, subjectKey: deviceKey, extensions: [notCa, ski, usage] })
  return {
    rootCertificate: Buffer.from(toPem('CERTIFICATE', rootCert)),
    rootPrivateKey: Buffer.from(root.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    hostCertificate: Buffer.from(toPem('CERTIFICATE', hostCert)),
    hostPrivateKey: Buffer.from(host.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    deviceCertificate: Buffer.from(toPem('CERTIFICATE', deviceCert)),
  }
}
