/** The committed pair-record fixtures (test/unit/sim/fixtures/make-pair-fixtures.sh). */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PlistDict } from '../../../../src/main/device/plist/plist-codec.js'

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../unit/sim/fixtures')

export function fixture(name: string): string {
  return readFileSync(path.join(DIR, name), 'utf8')
}

export const HOST_ID = '5D4B7A1E-0000-4C2B-9E7D-1234567890AB'
export const SYSTEM_BUID = '0C3F5B6A-1111-4D2E-8F90-ABCDEF012345'

/** A PairRecord as libimobiledevice 1.3.0 sends it in Pair (no private keys). */
export function pairRecord(overrides: Partial<Record<'device' | 'host' | 'root', string>> & { hostId?: string } = {}): PlistDict {
  return {
    DeviceCertificate: Buffer.from(overrides.device ?? fixture('device-cert.pem')),
    HostCertificate: Buffer.from(overrides.host ?? fixture('host-cert.pem')),
    RootCertificate: Buffer.from(overrides.root ?? fixture('root-cert.pem')),
    HostID: overrides.hostId ?? HOST_ID,
    SystemBUID: SYSTEM_BUID,
  }
}
