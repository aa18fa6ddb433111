/**
 * Pair records (protocol.md §3.1): stored by usbmuxd as an XML or binary plist keyed by UDID.
 * The private keys never leave this computer: the record sent in Pair/ValidatePair carries only
 * the certificates, HostID and SystemBUID, as libimobiledevice sends it (§2.5).
 */
import { randomUUID } from 'node:crypto'
import { CradleError } from '../../../shared/errors.js'
import { decodePlistDict, encodeBinaryPlist, type PlistDict } from '../plist/plist-codec.js'
import type { PairCertificates } from './certificates.js'

export interface PairRecord {
  HostID: string
  SystemBUID: string
  HostCertificate: Buffer
  HostPrivateKey: Buffer
  RootCertificate: Buffer
  RootPrivateKey?: Buffer
  DeviceCertificate: Buffer
  EscrowBag?: Buffer
  WiFiMACAddress?: string
  UDID?: string
  /**
   * Cradle's own mark on the records it writes (not a key Apple or libimobiledevice use, and never
   * sent to the phone). Only a record carrying it may be deleted without asking the user: on macOS
   * and Windows the record also belongs to Finder / Apple Devices.
   */
  CradleCreated?: boolean
}

function invalid(detail: string, cause?: unknown): CradleError {
  return new CradleError('pairing-invalid', `pair record ${detail}; delete it and pair again`, cause === undefined ? {} : { cause })
}

/** Parses stored record bytes; a record we cannot use is 'pairing-invalid' (re-pair). */
export function parsePairRecord(bytes: Buffer): PairRecord {
  let dict: PlistDict
  try {
    dict = decodePlistDict(bytes)
  } catch (error) {
    throw invalid('is not a readable plist', error)
  }
  const str = (key: string): string => {
    const v = dict[key]
    if (typeof v !== 'string' || v === '') throw invalid(`has no ${key}`)
    return v
  }
  const data = (key: string): Buffer => {
    const v = dict[key]
    // Some writers store PEM as a string rather than data; accept both.
    if (Buffer.isBuffer(v) && v.length > 0) return v
    if (typeof v === 'string' && v.length > 0) return Buffer.from(v)
    throw invalid(`has no ${key}`)
  }
  const optData = (key: string): Buffer | undefined => (Buffer.isBuffer(dict[key]) ? (dict[key] as Buffer) : undefined)
  const record: PairRecord = {
    HostID: str('HostID'),
    SystemBUID: str('SystemBUID'),
    HostCertificate: data('HostCertificate'),
    HostPrivateKey: data('HostPrivateKey'),
    RootCertificate: data('RootCertificate'),
    DeviceCertificate: data('DeviceCertificate'),
  }
  const rootKey = optData('RootPrivateKey')
  const escrow = optData('EscrowBag')
  if (rootKey) record.RootPrivateKey = rootKey
  if (escrow) record.EscrowBag = escrow
  if (typeof dict.WiFiMACAddress === 'string') record.WiFiMACAddress = dict.WiFiMACAddress
  if (typeof dict.UDID === 'string') record.UDID = dict.UDID
  if (dict.CradleCreated === true) record.CradleCreated = true
  return record
}

/** The bytes for SavePairRecord: a binary plist, as libimobiledevice sends (usbmuxd stores XML). */
export function encodePairRecord(record: PairRecord): Buffer {
  return encodeBinaryPlist(record as unknown as PlistDict)
}

/** The PairRecord dict sent to the device: no private keys. */
export function pairRequestRecord(record: PairRecord): PlistDict {
  return {
    DeviceCertificate: record.DeviceCertificate,
    HostCertificate: record.HostCertificate,
    RootCertificate: record.RootCertificate,
    HostID: record.HostID,
    SystemBUID: record.SystemBUID,
  }
}

/** An upper-case UUID, like libimobiledevice's generate_uuid. */
export function newHostId(): string {
  return randomUUID().toUpperCase()
}

/** A fresh record from generated certificates; EscrowBag and WiFiMACAddress come after Pair. */
export function newPairRecord(certs: PairCertificates, systemBuid: string, udid?: string): PairRecord {
  return {
    HostID: newHostId(),
    SystemBUID: systemBuid,
    HostCertificate: certs.hostCertificate,
    HostPrivateKey: certs.hostPrivateKey,
    RootCertificate: certs.rootCertificate,
    RootPrivateKey: certs.rootPrivateKey,
    DeviceCertificate: certs.deviceCertificate,
    ...(udid ? { UDID: udid } : {}),
    CradleCreated: true,
  }
}
