import { X509Certificate } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { connectDevice, type DeviceSession } from '../../../../src/main/device/session/connect-device.js'
import { LockdownClient } from '../../../../src/main/device/lockdown/lockdown-client.js'
import { encodePairRecord, parsePairRecord } from '../../../../src/main/device/lockdown/pair-record.js'
import { generatePairCertificates } from '../../../../src/main/device/lockdown/certificates.js'
import { MuxClient } from '../../../../src/main/device/usbmux/mux-client.js'
import type { TrustState } from '../../../../src/main/device/lockdown/pairing.js'
import { deviceKeys, newScript, type LockdownScript } from '../peers/lockdown-peer.js'
import { AFC_PORT, startScriptedPhone, type ScriptedPhone } from '../peers/scripted-phone.js'

const UDID = '00008110-000A1B2C3D4E5F60'
let phone: ScriptedPhone | undefined
let session: DeviceSession | undefined
afterEach(async () => {
  await session?.close()
  session = undefined
  await phone?.close()
  phone = undefined
})

async function globalValues(): Promise<Record<string, string | Buffer>> {
  return { DeviceName: "Anna's iPhone", ProductType: 'iPhone16,1', ProductVersion: '17.5.1', BuildVersion: '21F90', UniqueDeviceID: UDID, DeviceClass: 'iPhone', WiFiAddress: 'aa:bb:cc:dd:ee:ff', DevicePublicKey: (await deviceKeys()).publicKeyPem }
}

async function scripted(extra: Partial<LockdownScript> = {}): Promise<LockdownScript> {
  return newScript(await globalValues(), {
    domains: { 'com.apple.mobile.battery': { BatteryCurrentCapacity: 87, BatteryIsCharging: true, ExternalConnected: true, FullyCharged: false }, 'com.apple.disk_usage': { TotalDiskCapacity: 128e9, TotalDataAvailable: 12e9 } },
    services: { 'com.apple.afc': { port: AFC_PORT } },
    ...extra,
  })
}

/** A record for this phone, as if paired earlier (by another program, unless `ours`); returns its HostID. */
async function storedRecord(records: Map<string, Buffer>, opts: { ours?: boolean } = {}): Promise<string> {
  const certs = await generatePairCertificates((await deviceKeys()).publicKeyPem)
  const hostId = 'HOST-ID-1'
  records.set(UDID, encodePairRecord({ HostID: hostId, SystemBUID: 'BUID-OF-THIS-HOST', HostCertificate: certs.hostCertificate, HostPrivateKey: certs.hostPrivateKey, RootCertificate: certs.rootCertificate, RootPrivateKey: certs.rootPrivateKey, DeviceCertificate: certs.deviceCertificate, EscrowBag: Buffer.from('bag'), ...(opts.ours ? { CradleCreated: true } : {}) }))
  return hostId
}

describe('connectDevice', () => {
  it('starts a TLS session with a stored record and reads info, battery, disk and AFC', async () => {
    const records = new Map<string, Buffer>()
    const hostId = await storedRecord(records)
    const script = await scripted({ trustedHostIds: new Set([hostId]) })
    phone = await startScriptedPhone({ udid: UDID, deviceId: 3, script, records, tree: { '/DCIM': 'dir', '/DCIM/100APPLE': 'dir' } })
    const states: TrustState[] = []
    session = await connectDevice(new MuxClient({ address: phone.mux.address }), UDID, { onTrustState: (s) => states.push(s) })
    expect(states).toEqual(['checking', 'paired'])
    expect(session.info).toMatchObject({ udid: UDID, name: "Anna's iPhone", model: 'iPhone 15 Pro', productVersion: '17.5.1', productType: 'iPhone16,1' })
    // The host certificate of the record was presented as the TLS client certificate.
    const host = new X509Certificate(parsePairRecord(records.get(UDID)!).HostCertificate)
    expect(script.clientCerts[0]?.fingerprint256).toBe(host.fingerprint256)
    expect(await session.battery()).toEqual({ level: 87, charging: true, externalPower: true, fullyCharged: false })
    expect(await session.diskUsage()).toEqual({ totalDiskCapacity: 128e9, totalDataAvailable: 12e9 })
    const afc = await session.openAfc()
    expect(await afc.listDir('/DCIM')).toEqual(['100APPLE'])
    afc.close()
    await session.close()
    session = undefined
    expect(script.log.map((r) => r.Request)).toContain('StopSession')
    expect(script.log.find((r) => r.Request === 'StartSession')).toMatchObject({ HostID: hostId, SystemBUID: 'BUID-OF-THIS-HOST' })
  })

  it('walks the Trust flow: locked, then the dialog, then paired; saves the record with DeviceID', async () => {
    const script = await scripted({ pairErrors: ['PasswordProtected', 'PasswordProtected', 'PairingDialogResponsePending', 'PairingDialogResponsePending'] })
    phone = await startScriptedPhone({ udid: UDID, deviceId: 3, script })
    const states: TrustState[] = []
    session = await connectDevice(new MuxClient({ address: phone.mux.address }), UDID, { onTrustState: (s) => states.push(s), pairPollMs: 20 })
    expect(states).toEqual(['checking', 'waiting-for-unlock', 'waiting-for-trust', 'paired'])
    expect(script.pairRecords).toHaveLength(5)
    // The same record every time, and never a private key.
    expect(new Set(script.pairRecords.map((r) => r.HostID)).size).toBe(1)
    expect(Object.keys(script.pairRecords[0]!).sort()).toEqual(['DeviceCertificate', 'HostCertificate', 'HostID', 'RootCertificate', 'SystemBUID'])
    // WiFiAddress was read before the first Pair (libimobiledevice's order).
    const wifiAt = script.log.findIndex((r) => r.Key === 'WiFiAddress')
    expect(wifiAt).toBeLessThan(script.log.findIndex((r) => r.Request === 'Pair'))
    const save = phone.mux.requests.find((r) => r.MessageType === 'SavePairRecord')!
    expect(save).toMatchObject({ PairRecordID: UDID, DeviceID: 3 })
    const record = parsePairRecord(save.PairRecordData as Buffer)
    expect(record).toMatchObject({ SystemBUID: 'BUID-OF-THIS-HOST', EscrowBag: Buffer.from('escrow-bag'), WiFiMACAddress: 'aa:bb:cc:dd:ee:ff' })
    expect(record.HostPrivateKey.toString()).toContain('BEGIN PRIVATE KEY')
    expect(record.HostID).toMatch(/^[0-9A-F-]{36}$/)
  })

  it('stops at Don\'t Trust with pairing-denied and saves nothing', async () => {
    const script = await scripted({ pairErrors: ['PairingDialogResponsePending', 'UserDeniedPairing'] })
    phone = await startScriptedPhone({ udid: UDID, deviceId: 3, script })
    const states: TrustState[] = []
    await expect(connectDevice(new MuxClient({ address: phone.mux.address }), UDID, { onTrustState: (s) => states.push(s), pairPollMs: 10 })).rejects.toMatchObject({ code: 'pairing-denied' })
    expect(states.at(-1)).toBe('denied')
    expect(phone.records.size).toBe(0)
  })

  it('gives up waiting for Trust after the user timeout', async () => {
    const script = await scripted({ pairErrors: Array(1000).fill('PairingDialogResponsePending') })
    phone = await startScriptedPhone({ udid: UDID, deviceId: 3, script })
    await expect(connectDevice(new MuxClient({ address: phone.mux.address }), UDID, { pairTimeoutMs: 200, pairPollMs: 20 })).rejects.toMatchObject({ code: 'pairing-pending' })
    // It gave up by its own timeout, not by running out of answers: at one Pair every 20 ms, 200 ms
    // allow about ten (fewer on a slow machine, never more), far from the 1000 the phone had ready.
    const polls = 1000 - script.pairErrors!.length
    expect(polls).toBeGreaterThanOrEqual(1)
    expect(polls).toBeLessThanOrEqual(12)
  })

  it('does not pair when told not to', async () => {
    phone = await startScriptedPhone({ udid: UDID, deviceId: 3, script: await scripted() })
    await expect(connectDevice(new MuxClient({ address: phone.mux.address }), UDID, { pair: false })).rejects.toMatchObject({ code: 'pairing-pending' })
  })

  it('reports revoked trust (InvalidHostID) as pairing-invalid, and re-pairs when asked if Cradle made the record', async () => {
    const records = new Map<string, Buffer>()
    await storedRecord(records, { ours: true })
    phone = await startScriptedPhone({ udid: UDID, deviceId: 3, script: await scripted(), records })
    const mux = new MuxClient({ address: phone.mux.address })
    await expect(connectDevice(mux, UDID)).rejects.toMatchObject({ code: 'pairing-invalid', context: { lockdownError: 'InvalidHostID' } })
    // backup --once cannot pair: the record stays even with 'repair'.
    await expect(connectDevice(mux, UDID, { onRevoked: 'repair', pair: false })).rejects.toMatchObject({ code: 'pairing-invalid' })
    expect(parsePairRecord(phone.records.get(UDID)!).HostID).toBe('HOST-ID-1')
    session = await connectDevice(mux, UDID, { onRevoked: 'repair', pairPollMs: 10 })
    const fresh = parsePairRecord(phone.records.get(UDID)!)
    expect(fresh.HostID).not.toBe('HOST-ID-1')
    expect(fresh.CradleCreated).toBe(true)
  })

  it('never deletes a revoked record another program wrote unless the user asked (cradle pair)', async () => {
    const records = new Map<string, Buffer>()
    await storedRecord(records)
    const script = await scripted()
    phone = await startScriptedPhone({ udid: UDID, deviceId: 3, script, records })
    const mux = new MuxClient({ address: phone.mux.address })
    const before = Buffer.from(phone.records.get(UDID)!)
    await expect(connectDevice(mux, UDID, { onRevoked: 'repair', pairPollMs: 10 })).rejects.toMatchObject({ code: 'pairing-invalid', context: { pairRecord: 'not-ours', lockdownError: 'InvalidHostID' } })
    expect(phone.records.get(UDID)).toEqual(before)
    expect(script.log.some((r) => r.Request === 'Pair')).toBe(false)
    session = await connectDevice(mux, UDID, { onRevoked: 'repair', replaceOtherRecord: true, pairPollMs: 10 })
    expect(parsePairRecord(phone.records.get(UDID)!).HostID).not.toBe('HOST-ID-1')
  })

  it('treats a TLS hang-up as a failed handshake: retried, the record kept (even Cradle\'s own), no new pairing', async () => {
    const records = new Map<string, Buffer>()
    await storedRecord(records, { ours: true })
    const script = await scripted({ dropTls: true, trustedHostIds: new Set(['HOST-ID-1']) })
    phone = await startScriptedPhone({ udid: UDID, deviceId: 3, script, records })
    const mux = new MuxClient({ address: phone.mux.address })
    const before = Buffer.from(phone.records.get(UDID)!)
    await expect(connectDevice(mux, UDID, { onRevoked: 'repair', handshakeAttempts: 3, handshakeBackoffMs: 5 })).rejects.toMatchObject({ code: 'device-handshake-failed' })
    expect(script.log.filter((r) => r.Request === 'StartSession')).toHaveLength(3)
    expect(script.log.some((r) => r.Request === 'Pair')).toBe(false)
    expect(phone.records.get(UDID)).toEqual(before)
  })

  it('retries StartService with the escrow bag on EscrowLocked, and reports PasswordProtected as locked', async () => {
    const records = new Map<string, Buffer>()
    const hostId = await storedRecord(records)
    const script = await scripted({ trustedHostIds: new Set([hostId]), services: { 'com.apple.afc': { port: AFC_PORT, needsEscrow: true }, 'com.apple.locked': { port: 1, error: 'PasswordProtected' } } })
    phone = await startScriptedPhone({ udid: UDID, deviceId: 3, script, records, tree: { '/': 'dir', '/a': Buffer.from('x') } })
    session = await connectDevice(new MuxClient({ address: phone.mux.address }), UDID)
    const afc = await session.openAfc()
    expect(await afc.listDir('/')).toEqual(['a'])
    afc.close()
    expect(script.log.filter((r) => r.Request === 'StartService').at(-1)?.EscrowBag).toEqual(Buffer.from('bag'))
    await expect(session.startService('com.apple.locked')).rejects.toMatchObject({ code: 'device-locked', context: { lockdownError: 'PasswordProtected' } })
  })

  it('speaks TLS to a service that asks for EnableServiceSSL', async () => {
    const records = new Map<string, Buffer>()
    const hostId = await storedRecord(records)
    const script = await scripted({ trustedHostIds: new Set([hostId]), services: { 'com.apple.afc': { port: AFC_PORT, ssl: true } } })
    phone = await startScriptedPhone({ udid: UDID, deviceId: 3, script, records, afcSsl: true, tree: { '/': 'dir', '/b': Buffer.from('y') } })
    session = await connectDevice(new MuxClient({ address: phone.mux.address }), UDID)
    const afc = await session.openAfc()
    expect(await afc.stat('/b')).toMatchObject({ type: 'file', size: 1 })
    afc.close()
  })

  it('continues in plaintext after StopSession (close_notify, then plain plists)', async () => {
    const records = new Map<string, Buffer>()
    const hostId = await storedRecord(records)
    const script = await scripted({ trustedHostIds: new Set([hostId]) })
    phone = await startScriptedPhone({ udid: UDID, deviceId: 3, script, records })
    const mux = new MuxClient({ address: phone.mux.address })
    const lockdown = await LockdownClient.open(mux, 3)
    await lockdown.startSession(parsePairRecord(records.get(UDID)!))
    expect(await lockdown.getValue('DeviceName')).toBe("Anna's iPhone")
    await lockdown.stopSession()
    expect(await lockdown.queryType()).toBe('com.apple.mobile.lockdown')
    expect(await lockdown.getValue('ProductVersion')).toBe('17.5.1')
    lockdown.close()
  })
})
