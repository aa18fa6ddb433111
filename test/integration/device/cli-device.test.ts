/**
 * `cradle devices`, `cradle pair` and `cradle afc` as child processes (from source) against the
 * virtual iPhone, reached through USBMUXD_SOCKET_ADDRESS like a real usbmuxd.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import { runCliProcess } from '../../helpers/cli.js'

let tmp: string
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cradle-cli-dev-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

let sim: Simulator | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const cli = (args: string[], address: string) => runCliProcess(['--data', path.join(tmp, 'data'), ...args], { env: { ...process.env, USBMUXD_SOCKET_ADDRESS: address, CRADLE_LOG: 'silent' }, timeoutMs: 60_000 })

// Each CLI run starts tsx from source (seconds on a busy machine): generous per-test timeouts.
describe('cradle devices / pair / afc', { timeout: 180_000 }, () => {
  it('lists an unpaired phone, pairs it, then lists it as trusted with battery', async () => {
    sim = await startSimulator({ devices: [{ name: 'Ann’s iPhone', productType: 'iPhone16,1', battery: { level: 57, charging: true, externalPower: true } }] })
    const udid = sim.devices[0]!.udid
    const before = await cli(['devices', '--json'], sim.address)
    expect(before.code).toBe(0)
    const lines = before.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines[0]).toMatchObject({ udid, name: 'Ann’s iPhone', model: 'iPhone 15 Pro', ios: '17.5.1', trust: 'not-paired', connection: 'USB' })
    expect(lines.at(-1)).toEqual({ summary: { devices: 1, trusted: 0 } })

    const pair = await cli(['pair'], sim.address)
    expect(pair.stderr).toBe('')
    expect(pair.code).toBe(0)
    expect(pair.stdout).toContain(`Paired with Ann’s iPhone (iPhone 15 Pro, ${udid})`)

    const after = await cli(['devices'], sim.address)
    expect(after.code).toBe(0)
    expect(after.stdout).toContain('Ann’s iPhone  ·  iPhone 15 Pro  ·  iOS 17.5.1  ·  57% charging  ·  trusted  ·  USB')
    expect((await cli(['pair', udid], sim.address)).stdout).toContain('Already paired with')
  })

  it('pair walks the user through unlock and Trust, and exits 1 on Don\'t Trust', async () => {
    sim = await startSimulator({ devices: [{ trust: 'prompt', trustDelayMs: 1500 }, { trust: 'deny' }] })
    const [a, b] = sim.devices
    const ok = await cli(['pair', a!.udid], sim.address)
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain('Tap Trust on your iPhone')
    const denied = await cli(['pair', b!.udid], sim.address)
    expect(denied.code).toBe(1)
    expect(denied.stderr).toContain("said Don't Trust")
  })

  it('afc ls and pull (a file and a folder) give the phone\'s bytes', async () => {
    sim = await startSimulator({ devices: [{ photos: { count: 5, seed: 9 } }] })
    const roll = sim.roll(sim.devices[0]!.udid)!
    expect((await cli(['pair'], sim.address)).code).toBe(0)
    const ls = await cli(['afc', 'ls', '/DCIM', '--long'], sim.address)
    expect(ls.code).toBe(0)
    expect(ls.stdout).toMatch(/^d +\d+ +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +100APPLE$/m)
    const file = roll.files.find((f) => f.path.startsWith('100APPLE/') && f.size > 0)!
    const one = path.join(tmp, 'one.bin')
    const pulled = await cli(['afc', 'pull', `/DCIM/${file.path}`, one], sim.address)
    expect(pulled.code).toBe(0)
    expect(readFileSync(one)).toEqual(readFileSync(path.join(roll.dir, ...file.path.split('/'))))
    const dir = path.join(tmp, 'folder')
    const all = await cli(['afc', 'pull', '/DCIM/100APPLE', dir], sim.address)
    expect(all.code).toBe(0)
    const expected = roll.files.filter((f) => f.path.startsWith('100APPLE/') && !path.basename(f.path).startsWith('.')).map((f) => path.basename(f.path)).sort()
    expect(readdirSync(dir).sort()).toEqual(expected)
  })

  it('says so when no phone is connected, and when usbmuxd is not running', async () => {
    sim = await startSimulator({ devices: [{ attached: false }] })
    const none = await cli(['devices'], sim.address)
    expect(none.code).toBe(0)
    expect(none.stdout).toContain('No iPhone connected')
    const pair = await cli(['pair'], sim.address)
    expect(pair.code).toBe(1)
    expect(pair.stderr).toContain('That iPhone is not connected')
    const gone = await cli(['devices'], `UNIX:${path.join(tmp, 'no-such-socket')}`)
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain('The iPhone connection service is not running')
  })

  it('exits 2 on usage errors', async () => {
    const bad = await cli(['afc', 'frob', '/x'], 'UNIX:/nonexistent')
    expect(bad.code).toBe(2)
    expect((await cli(['devices', '--nope'], 'UNIX:/nonexistent')).code).toBe(2)
    expect((await cli(['pair', 'a', 'b'], 'UNIX:/nonexistent')).code).toBe(2)
  })
})
