/**
 * Acceptance: the Debian libimobiledevice 1.3.0 tools cannot tell the simulator from a phone.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator, type SimDeviceOptions, type Simulator } from '../../../src/sim/index.js'
import { requireTools, runTool } from './helpers/tools.js'

beforeAll(() => requireTools())

let sim: Simulator | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function one(options: SimDeviceOptions = {}): Promise<{ s: Simulator; udid: string }> {
  sim = await startSimulator({ devices: [options] })
  return { s: sim, udid: sim.devices[0]!.udid }
}

const pair = (s: Simulator, udid: string) => runTool('idevicepair', ['-u', udid, 'pair'], s.address)

describe('libimobiledevice tools against the simulator', () => {
  it('idevice_id -l lists every attached device', async () => {
    sim = await startSimulator({ devices: [{}, {}, { attached: false }, {}] })
    const r = await runTool('idevice_id', ['-l'], sim.address)
    expect(r.code).toBe(0)
    const listed = r.stdout.trim().split('\n').sort()
    expect(listed).toEqual(sim.devices.filter((d) => d.attached).map((d) => d.udid).sort())
  })

  it('ideviceinfo shows DeviceName, ProductType and ProductVersion (full handshake, TLS session)', async () => {
    const { s, udid } = await one({ name: 'Ann’s iPhone', productType: 'iPhone15,2', productVersion: '17.4.1' })
    const r = await runTool('ideviceinfo', ['-u', udid], s.address)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('DeviceName: Ann’s iPhone\n')
    expect(r.stdout).toContain('ProductType: iPhone15,2\n')
    expect(r.stdout).toContain('ProductVersion: 17.4.1\n')
    expect(r.stdout).toContain(`UniqueDeviceID: ${udid}\n`)
    // ideviceinfo paired on its own (auto trust) and saved the record through the mux.
    expect(s.pairRecords.has(udid)).toBe(true)
  })

  it('ideviceinfo -q com.apple.mobile.battery shows the level and charging state, also after a change', async () => {
    const { s, udid } = await one({ battery: { level: 57, charging: true, externalPower: true } })
    const r = await runTool('ideviceinfo', ['-u', udid, '-q', 'com.apple.mobile.battery'], s.address)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('BatteryCurrentCapacity: 57\n')
    expect(r.stdout).toContain('BatteryIsCharging: true\n')
    expect(r.stdout).toContain('ExternalConnected: true\n')
    s.devices[0]!.setBattery({ level: 12, charging: false, externalPower: false })
    const again = await runTool('ideviceinfo', ['-u', udid, '-q', 'com.apple.mobile.battery', '-k', 'BatteryCurrentCapacity'], s.address)
    expect(again.stdout.trim()).toBe('12')
    const disk = await runTool('ideviceinfo', ['-u', udid, '-q', 'com.apple.disk_usage', '-k', 'TotalDiskCapacity'], s.address)
    expect(disk.stdout.trim()).toBe('128000000000')
  })

  it('idevicepair pair succeeds with auto trust, then validate succeeds', async () => {
    const { s, udid } = await one()
    const r = await pair(s, udid)
    expect(r.stdout).toContain(`SUCCESS: Paired with device ${udid}`)
    expect(r.code).toBe(0)
    const v = await runTool('idevicepair', ['-u', udid, 'validate'], s.address)
    expect(v.stdout).toContain(`SUCCESS: Validated pairing with device ${udid}`)
    expect(v.code).toBe(0)
    const u = await runTool('idevicepair', ['-u', udid, 'unpair'], s.address)
    expect(u.stdout).toContain(`SUCCESS: Unpaired with device ${udid}`)
    expect(s.pairRecords.has(udid)).toBe(false)
  })

  it('idevicepair pair waits on the trust dialog (prompt), then succeeds once accepted', async () => {
    const { s, udid } = await one({ trust: 'prompt' })
    const r = await pair(s, udid)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`Please accept the trust dialog on the screen of device ${udid}, then attempt to pair again.`)
    s.devices[0]!.acceptTrust()
    const ok = await pair(s, udid)
    expect(ok.stdout).toContain(`SUCCESS: Paired with device ${udid}`)
    const v = await runTool('idevicepair', ['-u', udid, 'validate'], s.address)
    expect(v.stdout).toContain('SUCCESS: Validated pairing')
  })

  it('idevicepair pair reports a denial', async () => {
    const { s, udid } = await one({ trust: 'deny' })
    const r = await pair(s, udid)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`ERROR: Device ${udid} said that the user denied the trust dialog.`)
  })

  it('idevicepair pair reports a passcode lock until unlocked', async () => {
    const { s, udid } = await one({ trust: 'locked' })
    const r = await pair(s, udid)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`ERROR: Could not validate with device ${udid} because a passcode is set.`)
    s.devices[0]!.unlock()
    expect((await pair(s, udid)).stdout).toContain('Please accept the trust dialog')
    s.devices[0]!.acceptTrust()
    expect((await pair(s, udid)).stdout).toContain('SUCCESS: Paired')
  })

  it('idevicediagnostics reads diagnostics and the battery registry entry', async () => {
    const { s, udid } = await one({ battery: { level: 64, charging: true, externalPower: true } })
    const all = await runTool('idevicediagnostics', ['-u', udid, 'diagnostics'], s.address)
    expect(all.code, all.stdout + all.stderr).toBe(0)
    expect(all.stdout).toContain('<key>GasGauge</key>')
    const reg = await runTool('idevicediagnostics', ['-u', udid, 'ioregentry', 'AppleSmartBattery'], s.address)
    expect(reg.code).toBe(0)
    expect(reg.stdout).toMatch(/<key>CurrentCapacity<\/key>\s*<integer>64<\/integer>/)
    expect(reg.stdout).toMatch(/<key>IsCharging<\/key>\s*<true\/>/)
  })

  it('idevicecrashreport -k -e pulls the crash-log folder byte-identically', async () => {
    const { s, udid } = await one()
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'sim-crash-'))
    try {
      const r = await runTool('idevicecrashreport', ['-u', udid, '-k', '-e', out], s.address)
      expect(r.code, r.stdout + r.stderr).toBe(0)
      expect(r.stdout).toContain('Done.')
      const src = s.devices[0]!.crashDir
      const want = await tree(src)
      const got = await tree(out)
      expect(Object.keys(want).length).toBeGreaterThanOrEqual(5)
      for (const [rel, content] of Object.entries(want)) expect(got[rel], rel).toEqual(content)
      // -e extracted the plist report's description into a .crash file next to it.
      expect(got['Camera-2024-02-29-235959.crash']).toContain('Process: Camera')
      // -k kept everything on the phone.
      expect(await tree(src)).toEqual(want)
    } finally {
      await fs.rm(out, { recursive: true, force: true })
    }
  })

  it('idevicecrashreport without -k moves the logs off the phone', async () => {
    const { s, udid } = await one()
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'sim-crash-'))
    try {
      const before = await tree(s.devices[0]!.crashDir)
      const r = await runTool('idevicecrashreport', ['-u', udid, out], s.address)
      expect(r.code, r.stdout + r.stderr).toBe(0)
      const got = await tree(out)
      for (const [rel, content] of Object.entries(before)) expect(got[rel], rel).toEqual(content)
      expect(Object.keys(await tree(s.devices[0]!.crashDir))).toEqual([])
    } finally {
      await fs.rm(out, { recursive: true, force: true })
    }
  })
})

/** Every file (content) and symlink ("-> target") under a folder, by relative path. */
async function tree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name)
      const rel = path.relative(root, full)
      if (e.isSymbolicLink()) out[rel] = `-> ${await fs.readlink(full)}`
      else if (e.isDirectory()) await walk(full)
      else out[rel] = await fs.readFile(full, 'latin1')
    }
  }
  await walk(root)
  return out
}
