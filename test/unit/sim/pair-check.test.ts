import { createPublicKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkPairRecord } from '../../../src/sim/lockdown/pair-check.js'
import { fixture, pairRecord } from '../../integration/sim/helpers/pair-fixtures.js'

const deviceKey = createPublicKey(fixture('device-key.pem'))

describe('checkPairRecord', () => {
  it('accepts SHA-1 certificates shaped like libimobiledevice 1.3.0 records', () => {
    const r = checkPairRecord(pairRecord(), deviceKey)
    expect(r).toMatchObject({ ok: true, host: { hostId: expect.any(String), deviceCertPem: expect.stringContaining('BEGIN CERTIFICATE') } })
  })

  it('refuses a DeviceCertificate for another key or signed by another root', () => {
    expect(checkPairRecord(pairRecord({ device: fixture('wrong-key-device-cert.pem') }), deviceKey)).toMatchObject({ ok: false, error: 'InvalidPairRecord', detail: expect.stringContaining('public key') })
    expect(checkPairRecord(pairRecord({ device: fixture('wrong-root-device-cert.pem') }), deviceKey)).toMatchObject({ ok: false, error: 'InvalidPairRecord', detail: expect.stringContaining('not signed') })
    expect(checkPairRecord(pairRecord({ root: fixture('other-root-cert.pem') }), deviceKey)).toMatchObject({ ok: false, error: 'InvalidPairRecord' })
  })

  it('refuses missing pieces', () => {
    expect(checkPairRecord(undefined, deviceKey)).toMatchObject({ ok: false, error: 'MissingPairRecord' })
    expect(checkPairRecord({ ...pairRecord(), HostID: '' }, deviceKey)).toMatchObject({ ok: false, error: 'MissingHostID' })
    const { HostCertificate: _h, ...noHost } = pairRecord()
    expect(checkPairRecord(noHost, deviceKey)).toMatchObject({ ok: false, error: 'InvalidPairRecord' })
    expect(checkPairRecord(pairRecord({ device: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }), deviceKey)).toMatchObject({ ok: false, error: 'InvalidPairRecord' })
  })
})
