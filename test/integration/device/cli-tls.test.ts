/**
 * `cradle pair` and `cradle backup --once` (child processes from source, against the virtual
 * iPhone) when TLS meets reality: Electron's BoringSSL rules (emulated with CRADLE_TLS_EMULATE),
 * and a phone that drops the StartSession handshake. A dropped handshake is a connection problem:
 * one clean line, the pair record untouched, no new pairing — and one drop is healed by the retry.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import '../../fakes/quiet-logs.js'
import { startSimulator, type SimDeviceOptions, type Simulator } from '../../../src/sim/index.js'
import { runCliProcess } from '../../helpers/cli.js'
import { tempDirs, type TempDirs } from '../../helpers/engine.js'

let sim: Simulator | undefined
let dirs: TempDirs
beforeEach(() => {
  dirs = tempDirs('cradle-cli-tls-')
})
afterEach(async () => {
  await sim?.close()
  sim = undefined
  dirs.cleanup()
})

async function phone(options: SimDeviceOptions = {}): Promise<string> {
  sim = await startSimulator({ devices: [{ photos: { count: 6, seed: 41 }, battery: { level: 70, charging: true, externalPower: true }, ...options }] })
  return sim.devices[0]!.udid
}

function cradle(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCliProcess([...args, '--data', dirs.dataDir, '--library', dirs.libraryDir], {
    env: { ...process.env, USBMUXD_SOCKET_ADDRESS: sim!.address, CRADLE_LOG: 'silent', ...env },
    timeoutMs: 90_000,
  })
}

/** Files under the library folder (the import's result), excluding Cradle's own bookkeeping. */
function libraryFiles(): string[] {
  const out: string[] = []
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.')) continue
      const full = path.join(dir, name)
      if (statSync(full).isDirectory()) walk(full)
      else out.push(full)
    }
  }
  if (existsSync(dirs.libraryDir)) walk(dirs.libraryDir)
  return out
}

/** A failure as the issue asks for it: exit 1, exactly one line on stderr, no stack trace. */
function expectOneLineFailure(r: { code: number | null; stderr: string }, words: RegExp): void {
  expect(r.code).toBe(1)
  expect(r.stderr.trim().split('\n')).toHaveLength(1)
  expect(r.stderr).toMatch(words)
  expect(r.stderr).not.toMatch(/^\s+at |Unhandled|node:events/m)
}

describe('cradle pair / backup --once and TLS', { timeout: 300_000 }, () => {
  it('work under BoringSSL rules (CRADLE_TLS_EMULATE=boringssl), where @SECLEVEL makes tls.connect throw', async () => {
    const udid = await phone()
    const boring = { CRADLE_TLS_EMULATE: 'boringssl' }
    const pair = await cradle(['pair'], boring)
    expect(pair.stderr).toBe('')
    expect(pair.code).toBe(0)
    expect(pair.stdout).toContain(`Paired with iPhone`)
    const backup = await cradle(['backup', '--once', '--no-upload'], boring)
    expect(backup.stderr).toBe('')
    expect(backup.code).toBe(0)
    expect(backup.stdout).toMatch(/Done: [1-9]\d* new/)
    expect(libraryFiles().length).toBeGreaterThan(0)
    expect(sim!.devices[0]!.tls.status()).toMatchObject({ completed: expect.any(Number), dropped: 0, refused: 0 })
    expect(sim!.pairRecords.has(udid)).toBe(true)
    // A value the entry does not know is a usage error, not silently ignored.
    expect((await cradle(['devices'], { CRADLE_TLS_EMULATE: 'libressl' })).code).toBe(2)
  })

  it('two dropped handshakes: one clean line, record kept, no new pairing; one dropped handshake: recovered', async () => {
    const udid = await phone()
    const device = sim!.devices[0]!
    expect((await cradle(['pair'])).code).toBe(0)
    const record = Buffer.from(sim!.pairRecords.get(udid)!)
    expect(device.lockdownRequests.get('Pair')).toBe(1)

    device.setTls({ dropHandshakes: 2 })
    expectOneLineFailure(await cradle(['pair']), /could not open a secure connection.*pairing with this computer was kept/)
    device.setTls({ dropHandshakes: 2 })
    expectOneLineFailure(await cradle(['backup', '--once', '--no-upload']), /could not open a secure connection/)
    expect(device.tls.status()).toMatchObject({ dropped: 4, dropHandshakes: 0 })
    expect(sim!.pairRecords.get(udid)).toEqual(record)
    expect(device.lockdownRequests.get('Pair')).toBe(1)
    expect(libraryFiles()).toEqual([])

    device.setTls({ dropHandshakes: 1 })
    const pair = await cradle(['pair'])
    expect(pair.stderr).toBe('')
    expect(pair.stdout).toContain('Already paired with')
    device.setTls({ dropHandshakes: 1 })
    const backup = await cradle(['backup', '--once', '--no-upload'])
    expect(backup.stderr).toBe('')
    expect(backup.code).toBe(0)
    expect(backup.stdout).toMatch(/Done: [1-9]\d* new/)
    expect(device.tls.status()).toMatchObject({ dropped: 6, dropHandshakes: 0 })
    expect(sim!.pairRecords.get(udid)).toEqual(record)
    expect(device.lockdownRequests.get('Pair')).toBe(1)
  })
})
