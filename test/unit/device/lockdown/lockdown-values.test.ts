import { describe, expect, it } from 'vitest'
import { isKnownProductType, marketingName } from '../../../../src/main/device/lockdown/device-models.js'
import { parseBattery, parseDeviceInfo, parseDiskUsage } from '../../../../src/main/device/lockdown/device-values.js'
import { lockdownError, lockdownErrorCode } from '../../../../src/main/device/lockdown/lockdown-errors.js'
import { encodePairRecord, pairRequestRecord, parsePairRecord, type PairRecord } from '../../../../src/main/device/lockdown/pair-record.js'
import { encodeXmlPlist } from '../../../../src/main/device/plist/plist-codec.js'
import { isLegacyTls } from '../../../../src/main/device/lockdown/lockdown-client.js'

describe('marketing names', () => {
  it.each([
    ['iPhone18,1', 'iPhone 17 Pro'],
    ['iPhone18,4', 'iPhone Air'],
    ['iPhone18,5', 'iPhone 17e'],
    ['iPhone17,5', 'iPhone 16e'],
    ['iPhone16,1', 'iPhone 15 Pro'],
    ['iPhone14,5', 'iPhone 13'],
    ['iPhone12,8', 'iPhone SE (2nd generation)'],
    ['iPhone10,6', 'iPhone X'],
    ['iPod9,1', 'iPod touch (7th generation)'],
  ])('%s is %s', (type, name) => expect(marketingName(type)).toBe(name))

  it('shows unknown identifiers as they are', () => {
    expect(marketingName('iPad16,3')).toBe('iPad16,3')
    expect(marketingName(undefined)).toBe('iPhone')
    expect(isKnownProductType('iPhone99,1')).toBe(false)
  })
})

describe('lockdown values', () => {
  it('parses the global domain, battery and disk usage, dropping odd types', () => {
    expect(parseDeviceInfo({ DeviceName: 'Mo', ProductType: 'iPhone15,2', ProductVersion: '18.1', UniqueDeviceID: 'U', WiFiAddress: 'a:b' }, 'fallback')).toEqual({ udid: 'U', name: 'Mo', productType: 'iPhone15,2', model: 'iPhone 14 Pro', productVersion: '18.1', wifiAddress: 'a:b' })
    expect(parseDeviceInfo({}, 'F')).toEqual({ udid: 'F', name: 'iPhone', model: 'iPhone' })
    expect(parseBattery({ BatteryCurrentCapacity: 140, BatteryIsCharging: 'yes', ExternalConnected: false })).toEqual({ level: 100, externalPower: false })
    expect(parseDiskUsage({ TotalDiskCapacity: 64e9, AmountDataAvailable: 'x' })).toEqual({ totalDiskCapacity: 64e9 })
  })

  it('caps TLS for iOS before 10', () => {
    expect(isLegacyTls('9.3.5')).toBe(true)
    expect(isLegacyTls('10.0')).toBe(false)
    expect(isLegacyTls(undefined)).toBe(false)
  })
})

describe('lockdown errors (protocol.md §2.4)', () => {
  it.each([
    ['PasswordProtected', 'device-locked'],
    ['EscrowLocked', 'device-locked'],
    ['PairingDialogResponsePending', 'pairing-pending'],
    ['UserDeniedPairing', 'pairing-denied'],
    ['InvalidHostID', 'pairing-invalid'],
    ['InvalidPairRecord', 'pairing-invalid'],
    ['MissingPairRecord', 'pairing-invalid'],
    ['PairingProhibitedOverThisConnection', 'pairing-over-network'],
    ['SessionInactive', 'device-protocol'],
    ['SomethingNew', 'device-protocol'],
  ])('%s → %s', (name, code) => {
    expect(lockdownErrorCode(name)).toBe(code)
    expect(lockdownError('Pair', name)).toMatchObject({ code, context: { lockdownError: name } })
  })
})

describe('pair records', () => {
  const record: PairRecord = {
    HostID: 'H', SystemBUID: 'B', HostCertificate: Buffer.from('hc'), HostPrivateKey: Buffer.from('hk'), RootCertificate: Buffer.from('rc'),
    RootPrivateKey: Buffer.from('rk'), DeviceCertificate: Buffer.from('dc'), EscrowBag: Buffer.from('e'), WiFiMACAddress: 'w',
  }

  it('round-trips binary and reads XML records (usbmuxd stores XML)', () => {
    expect(parsePairRecord(encodePairRecord(record))).toEqual(record)
    expect(parsePairRecord(encodeXmlPlist(record as never))).toEqual(record)
  })

  it('never sends private keys to the phone', () => {
    expect(Object.keys(pairRequestRecord(record)).sort()).toEqual(['DeviceCertificate', 'HostCertificate', 'HostID', 'RootCertificate', 'SystemBUID'])
  })

  it('calls an unusable record pairing-invalid', () => {
    expect(() => parsePairRecord(Buffer.from('junk'))).toThrow(expect.objectContaining({ code: 'pairing-invalid' }))
    expect(() => parsePairRecord(encodeXmlPlist({ HostID: 'H' }))).toThrow(expect.objectContaining({ code: 'pairing-invalid' }))
  })
})
