/**
 * Our client against the virtual iPhone's TLS switches: TLS 1.3 with the phone checking the host's
 * certificate against the pair record's root, the phone's own close_notify after StopSession, and
 * handshakes dropped mid-way — under this process's OpenSSL and under BoringSSL's rules.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { connectDevice, emulateBoringSsl, LockdownClient, MuxClient, setDefaultTlsRuntime, type DeviceSession, type TlsRuntime } from '../../../src/main/device/index.js'
import { generatePairCertificates } from '../../../src/main/device/lockdown/certificates.js'
import { encodePairRecord, parsePairRecord } from '../../../src/main/device/lockdown/pair-record.js'
import { startSimulator, type SimDeviceOptions, type Simulator } from '../../../src/sim/index.js'

let sim: Simulator | undefined
const sessions: DeviceSession[] = []
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close().catch(() => undefined)
  await sim?.close()
  sim = undefined
})

async function phone(options: SimDeviceOptions): Promise<{ mux: MuxClient; udid: string }> {
  sim = await startSimulator({ devices: [{ photos: { count: 2, seed: 5 }, ...options }] })
  return { mux: new MuxClient({ address: sim.address }), udid: sim.devices[0]!.udid }
}

async function open(mux: MuxClient, udid: string, tlsRuntime?: TlsRuntime): Promise<DeviceSession> {
  const s = await connectDevice(mux, udid, { handshakeBackoffMs: 10, ...(tlsRuntime ? { tlsRuntime } : {}) })
  sessions.push(s)
  return s
}

describe('TLS switches of the simulator', () => {
  it('the simulator itself serves TLS 1.0–1.2 under BoringSSL rules (as inside Electron\'s Node), old phones included', async () => {
    setDefaultTlsRuntime(emulateBoringSsl())
    try {
      for (const productVersion of ['17.5.1', '9.3.5']) {
        const { mux, udid } = await phone({ productVersion })
        const session = await open(mux, udid)
        expect((await session.battery()).level).toBe(80)
        expect(sim!.devices[0]!.tls.status()).toMatchObject({ completed: 1, refused: 0 })
        await session.close()
        sessions.pop()
        await sim!.close()
        sim = undefined
      }
    } finally {
      setDefaultTlsRuntime(undefined)
    }
  })

  for (const [label, runtime] of [['OpenSSL', undefined], ['BoringSSL rules', emulateBoringSsl()]] as const) {
    it(`TLS 1.3 with the host certificate checked, and the phone's close_notify (${label})`, async () => {
      const { mux, udid } = await phone({ tls: { tls13: true, closeNotify: true } })
      const session = await open(mux, udid, runtime)
      expect((await session.battery()).level).toBe(80)
      const afc = await session.openAfc()
      expect(await afc.listDir('/DCIM')).toContain('100APPLE')
      afc.close()
      await session.close()
      sessions.pop()
      // A second session on the stored record: the phone accepted our certificate both times.
      await (await open(mux, udid, runtime)).close()
      expect(sim!.devices[0]!.tls.status()).toMatchObject({ completed: 2, refused: 0, dropped: 0 })
    })
  }

  it('keeps talking plaintext after StopSession when the phone sends its own close_notify (TLS 1.2 and 1.3)', async () => {
    const { mux, udid } = await phone({ tls: { closeNotify: true } })
    await (await open(mux, udid)).close()
    sessions.pop()
    const record = parsePairRecord(sim!.pairRecords.get(udid)!)
    for (const tls13 of [false, true]) {
      sim!.devices[0]!.setTls({ tls13 })
      const lockdown = await LockdownClient.open(mux, sim!.devices[0]!.deviceId!)
      try {
        for (let round = 0; round < 2; round++) {
          await lockdown.startSession(record)
          expect(await lockdown.getValue('DeviceName')).toBe('iPhone')
          await lockdown.stopSession()
          expect(await lockdown.queryType()).toBe('com.apple.mobile.lockdown')
        }
      } finally {
        lockdown.close()
      }
    }
  })

  it('a phone that refuses our certificate after a TLS 1.3 handshake: a failed handshake, the record kept, no Pair', async () => {
    const { mux, udid } = await phone({ tls: { tls13: true } })
    await (await open(mux, udid)).close()
    sessions.pop()
    // Same HostID (the phone knows it), but a host certificate from another root.
    const record = parsePairRecord(sim!.pairRecords.get(udid)!)
    const other = await generatePairCertificates(sim!.devices[0]!.keys.publicKeyPkcs1Pem)
    const forged = encodePairRecord({ ...record, HostCertificate: other.hostCertificate, HostPrivateKey: other.hostPrivateKey })
    sim!.pairRecords.set(udid, forged)
    await expect(connectDevice(mux, udid, { onRevoked: 'repair', handshakeBackoffMs: 10 })).rejects.toMatchObject({ code: 'device-handshake-failed', context: { tlsFailure: 'closed-after-handshake' } })
    expect(sim!.devices[0]!.tls.status().refused).toBe(2)
    expect(sim!.pairRecords.get(udid)).toEqual(forged)
    expect(sim!.devices[0]!.lockdownRequests.get('Pair')).toBe(1)
  })

  it('heals a dropped handshake by retrying, and reports a phone that keeps dropping (retries with backoff)', async () => {
    const { mux, udid } = await phone({})
    await (await open(mux, udid)).close()
    sessions.pop()
    const device = sim!.devices[0]!
    for (const tls13 of [false, true]) {
      device.setTls({ tls13, dropHandshakes: 1 })
      const healed = await open(mux, udid)
      expect(healed.info.name).toBe('iPhone')
      await healed.close()
      sessions.pop()
      device.setTls({ dropHandshakes: 3 })
      await expect(connectDevice(mux, udid, { handshakeAttempts: 3, handshakeBackoffMs: 10 })).rejects.toMatchObject({ code: 'device-handshake-failed' })
      expect(device.tls.status().dropHandshakes).toBe(0)
    }
    expect(device.tls.status().dropped).toBe(8)
    expect(device.lockdownRequests.get('Pair')).toBe(1)
  })

  it('an old record a stricter TLS runtime cannot use: "pair again", kept unless the user asks, then replaced', async () => {
    const { mux, udid } = await phone({})
    await (await open(mux, udid)).close()
    sessions.pop()
    // The same HostID the phone trusts, but certificates as an old pairing tool wrote them (another
    // program's record: no CradleCreated mark), under a runtime that refuses 1024-bit keys.
    const record = parsePairRecord(sim!.pairRecords.get(udid)!)
    const old = await generatePairCertificates(sim!.devices[0]!.keys.publicKeyPkcs1Pem, { digest: 'sha1', keyBits: 1024 })
    const { CradleCreated: _mark, ...foreign } = record
    const legacy = encodePairRecord({ ...foreign, HostCertificate: old.hostCertificate, HostPrivateKey: old.hostPrivateKey })
    sim!.pairRecords.set(udid, legacy)
    const strict = emulateBoringSsl({ legacyCertificates: false })
    await expect(connectDevice(mux, udid, { tlsRuntime: strict, onRevoked: 'repair' })).rejects.toMatchObject({ code: 'pairing-invalid', context: { pairRecord: 'legacy' } })
    expect(sim!.pairRecords.get(udid)).toEqual(legacy)
    expect(sim!.devices[0]!.lockdownRequests.get('Pair')).toBe(1)
    // The user asked (cradle pair): the old record is replaced by one this runtime can use.
    const session = await connectDevice(mux, udid, { tlsRuntime: strict, onRevoked: 'repair', replaceOtherRecord: true })
    sessions.push(session)
    expect(session.record.CradleCreated).toBe(true)
    expect(sim!.devices[0]!.lockdownRequests.get('Pair')).toBe(2)
  })
})
