import { afterEach, describe, expect, it } from 'vitest'
import { startSimulator, type SimDeviceOptions, type Simulator } from '../../../src/sim/index.js'
import { fixture, HOST_ID, pairRecord, SYSTEM_BUID } from './helpers/pair-fixtures.js'
import { connectPort, LockdownTestClient } from './helpers/sim-client.js'

let sim: Simulator | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function phone(options: SimDeviceOptions = {}): Promise<LockdownTestClient> {
  sim = await startSimulator({ devices: [{ devicePrivateKeyPem: fixture('device-key.pem'), name: 'Test Phone', ...options }] })
  return open()
}

async function open(): Promise<LockdownTestClient> {
  const { socket, reader } = await connectPort(sim!.address, sim!.devices[0]!.deviceId!, 62078)
  return new LockdownTestClient(socket, reader)
}

const PAIR = { Request: 'Pair', PairRecord: pairRecord(), ProtocolVersion: '2' }

describe('simulated lockdownd', () => {
  it('answers QueryType and global GetValue without a session, echoing Request', async () => {
    const ld = await phone({ productType: 'iPhone15,2', productVersion: '17.4', battery: { level: 33 } })
    expect(await ld.request({ Request: 'QueryType' })).toEqual({ Request: 'QueryType', Type: 'com.apple.mobile.lockdown' })
    const all = await ld.request({ Request: 'GetValue' })
    expect(all.Request).toBe('GetValue')
    const v = all.Value as Record<string, unknown>
    expect(v).toMatchObject({ DeviceName: 'Test Phone', ProductType: 'iPhone15,2', ProductVersion: '17.4', DeviceClass: 'iPhone', UniqueDeviceID: sim!.devices[0]!.udid })
    expect(String(v.WiFiAddress)).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/)
    expect((v.DevicePublicKey as Buffer).toString()).toContain('-----BEGIN RSA PUBLIC KEY-----')
    expect(await ld.request({ Request: 'GetValue', Key: 'ProductVersion' })).toMatchObject({ Request: 'GetValue', Key: 'ProductVersion', Value: '17.4' })
    expect(await ld.request({ Request: 'GetValue', Key: 'NoSuchKey' })).toMatchObject({ Error: 'MissingValue' })
    expect(await ld.request({ Request: 'GetValue', Domain: 'com.apple.mobile.battery' })).toMatchObject({ Request: 'GetValue', Error: 'SessionInactive' })
    expect(await ld.request({ Request: 'StartService', Service: 'com.apple.afc' })).toMatchObject({ Error: 'SessionInactive' })
    expect(await ld.request({ Request: 'Frobnicate' })).toMatchObject({ Request: 'Frobnicate', Error: 'InvalidRequest' })
  })

  it('pairs after checking the certificates, then runs a TLS session with the battery domain', async () => {
    const ld = await phone({ battery: { level: 57, charging: true, externalPower: true } })
    const paired = await ld.request(PAIR)
    expect(paired.Request).toBe('Pair')
    expect(Buffer.isBuffer(paired.EscrowBag)).toBe(true)
    expect(await ld.request({ Request: 'ValidatePair', PairRecord: pairRecord() })).toEqual({ Request: 'ValidatePair' })
    const start = await ld.request({ Request: 'StartSession', HostID: HOST_ID, SystemBUID: SYSTEM_BUID })
    expect(start).toMatchObject({ Request: 'StartSession', EnableSessionSSL: true, SessionID: expect.any(String) })
    // libimobiledevice presents the root certificate as its client certificate.
    const t = await ld.startTls({ cert: fixture('root-cert.pem'), key: fixture('root-key.pem') })
    expect(t.getPeerX509Certificate()?.toString()).toBe(new (await import('node:crypto')).X509Certificate(fixture('device-cert.pem')).toString())
    expect(await ld.request({ Request: 'GetValue', Domain: 'com.apple.mobile.battery' })).toMatchObject({
      Value: { BatteryCurrentCapacity: 57, BatteryIsCharging: true, ExternalConnected: true },
    })
    sim!.devices[0]!.setBattery({ level: 20, charging: false })
    expect(await ld.request({ Request: 'GetValue', Domain: 'com.apple.mobile.battery', Key: 'BatteryCurrentCapacity' })).toMatchObject({ Value: 20 })
    const disk = await ld.request({ Request: 'GetValue', Domain: 'com.apple.disk_usage' })
    expect((disk.Value as Record<string, number>).TotalDiskCapacity).toBeGreaterThan(0)
    const svc = await ld.request({ Request: 'StartService', Service: 'com.apple.afc' })
    expect(svc).toMatchObject({ Request: 'StartService', Service: 'com.apple.afc', Port: expect.any(Number) })
    expect(await ld.request({ Request: 'StartService', Service: 'com.apple.nope' })).toMatchObject({ Error: 'InvalidService' })
    expect(await ld.request({ Request: 'StartSession', HostID: HOST_ID })).toMatchObject({ Error: 'SessionActive' })
  })

  it('survives StopSession + close_notify and keeps talking plaintext, then a second TLS session', async () => {
    const ld = await phone()
    await ld.request(PAIR)
    const start = await ld.request({ Request: 'StartSession', HostID: HOST_ID, SystemBUID: SYSTEM_BUID })
    await ld.startTls()
    expect(await ld.request({ Request: 'StopSession', SessionID: start.SessionID! })).toEqual({ Request: 'StopSession' })
    await ld.stopTls()
    expect(await ld.request({ Request: 'QueryType' })).toMatchObject({ Type: 'com.apple.mobile.lockdown' })
    expect(await ld.request({ Request: 'StartService', Service: 'com.apple.afc' })).toMatchObject({ Error: 'SessionInactive' })
    await ld.request({ Request: 'StartSession', HostID: HOST_ID, SystemBUID: SYSTEM_BUID })
    await ld.startTls({ maxVersion: 'TLSv1' })
    expect(await ld.request({ Request: 'GetValue', Key: 'DeviceName' })).toMatchObject({ Value: 'Test Phone' })
  })

  it('refuses a record whose DeviceCertificate wraps another key or comes from another root', async () => {
    const ld = await phone()
    expect(await ld.request({ ...PAIR, PairRecord: pairRecord({ device: fixture('wrong-key-device-cert.pem') }) })).toMatchObject({ Request: 'Pair', Error: 'InvalidPairRecord' })
    expect(await ld.request({ ...PAIR, PairRecord: pairRecord({ device: fixture('wrong-root-device-cert.pem') }) })).toMatchObject({ Error: 'InvalidPairRecord' })
    expect(await ld.request({ ...PAIR, PairRecord: pairRecord({ host: 'not a certificate' }) })).toMatchObject({ Error: 'InvalidPairRecord' })
    expect(await ld.request({ Request: 'Pair' })).toMatchObject({ Error: 'MissingPairRecord' })
    expect(await ld.request({ Request: 'StartSession', HostID: HOST_ID })).toMatchObject({ Error: 'InvalidHostID' })
  })

  it('prompt: PairingDialogResponsePending until the user accepts', async () => {
    const ld = await phone({ trust: 'prompt' })
    expect(await ld.request(PAIR)).toMatchObject({ Error: 'PairingDialogResponsePending' })
    expect(sim!.devices[0]!.trust.dialogShowing).toBe(true)
    expect(await ld.request(PAIR)).toMatchObject({ Error: 'PairingDialogResponsePending' })
    sim!.devices[0]!.acceptTrust()
    expect(await ld.request(PAIR)).toMatchObject({ EscrowBag: expect.any(Buffer) })
  })

  it('prompt with a delay: accepted by itself after trustDelayMs', async () => {
    const ld = await phone({ trust: 'prompt', trustDelayMs: 150 })
    const trust = sim!.devices[0]!.trust
    const accepted = new Promise<void>((resolve) => {
      const off = trust.onAccept(() => {
        off()
        resolve()
      })
    })
    expect(await ld.request(PAIR)).toMatchObject({ Error: 'PairingDialogResponsePending' })
    await accepted // the dialog answered by itself (nobody called acceptTrust)
    expect(await ld.request(PAIR)).toMatchObject({ EscrowBag: expect.any(Buffer) })
  })

  it('deny: UserDeniedPairing; a denial sticks until the phone is replugged', async () => {
    const ld = await phone({ trust: 'prompt' })
    await ld.request(PAIR)
    sim!.devices[0]!.denyTrust()
    expect(await ld.request(PAIR)).toMatchObject({ Error: 'UserDeniedPairing' })
    expect(await ld.request(PAIR)).toMatchObject({ Error: 'UserDeniedPairing' })
    sim!.devices[0]!.detach()
    sim!.devices[0]!.attach()
    const again = await open()
    expect(await again.request(PAIR)).toMatchObject({ Error: 'PairingDialogResponsePending' })
  })

  it('deny mode always answers UserDeniedPairing', async () => {
    const ld = await phone({ trust: 'deny' })
    expect(await ld.request(PAIR)).toMatchObject({ Error: 'UserDeniedPairing' })
  })

  it('locked: PasswordProtected until unlocked, then the Trust dialog', async () => {
    const ld = await phone({ trust: 'locked' })
    expect(await ld.request(PAIR)).toMatchObject({ Error: 'PasswordProtected' })
    expect(await ld.request({ Request: 'GetValue', Key: 'PasswordProtected' })).toMatchObject({ Value: true })
    sim!.devices[0]!.unlock()
    expect(await ld.request(PAIR)).toMatchObject({ Error: 'PairingDialogResponsePending' })
    sim!.devices[0]!.acceptTrust()
    expect(await ld.request(PAIR)).toMatchObject({ EscrowBag: expect.any(Buffer) })
  })

  it('Unpair and revoked trust make StartSession fail with InvalidHostID', async () => {
    const ld = await phone()
    await ld.request(PAIR)
    expect(await ld.request({ Request: 'Unpair', PairRecord: { HostID: HOST_ID } })).toEqual({ Request: 'Unpair' })
    expect(await ld.request({ Request: 'StartSession', HostID: HOST_ID })).toMatchObject({ Error: 'InvalidHostID' })
    await ld.request(PAIR)
    sim!.devices[0]!.revokeTrust()
    expect(await ld.request({ Request: 'ValidatePair', PairRecord: pairRecord() })).toMatchObject({ Error: 'InvalidHostID' })
  })

  it('offers plaintext sessions when sessionSsl is off', async () => {
    const ld = await phone({ sessionSsl: false })
    await ld.request(PAIR)
    expect(await ld.request({ Request: 'StartSession', HostID: HOST_ID })).toMatchObject({ EnableSessionSSL: false })
    expect(await ld.request({ Request: 'GetValue', Domain: 'com.apple.mobile.battery', Key: 'HasBattery' })).toMatchObject({ Value: true })
  })

  it('closes only the offending connection on a garbage frame', async () => {
    const ld = await phone()
    ld.socket.write(Buffer.from([0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]))
    await expect(ld.reader.readToEnd(5000)).resolves.toBeDefined()
    const fresh = await open()
    expect(await fresh.request({ Request: 'QueryType' })).toMatchObject({ Type: 'com.apple.mobile.lockdown' })
  })
})
