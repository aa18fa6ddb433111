/**
 * Our mux client against the REAL usbmuxd (Debian usbmuxd 1.1.1), started here as root in the
 * foreground with no phone attached. usbmuxd 1.1.1 has no socket-path option, so it runs in a
 * private mount namespace (unshare -m) where /run and /var/lib are bind mounts of a temp folder:
 * its socket appears at <tmp>/run/usbmuxd and its pair records under <tmp>/lib/lockdown, and it
 * cannot clash with anything on this machine. If it cannot start, these tests fail (no skip).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MuxClient, watchDevices, type DeviceEvent } from '../../../src/main/device/index.js'
import { decodePlistDict, encodeBinaryPlist } from '../../../src/main/device/plist/plist-codec.js'
import { generatePairCertificates } from '../../../src/main/device/lockdown/certificates.js'
import { encodePairRecord, newPairRecord, parsePairRecord } from '../../../src/main/device/lockdown/pair-record.js'

let tmp: string
let daemon: ChildProcess | undefined
let log = ''
const socketPath = (): string => path.join(tmp, 'run', 'usbmuxd')

async function startDaemon(): Promise<void> {
  log = ''
  const script = `mount --bind "${tmp}/run" /run && mount --bind "${tmp}/lib" /var/lib && exec usbmuxd -f -v`
  const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  daemon = child
  const deadline = Date.now() + 10_000
  while (!existsSync(socketPath())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`usbmuxd did not start (exit ${child.exitCode}); id -u must be 0 and unshare must work. Log:\n${log}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function stopDaemon(): Promise<void> {
  const child = daemon
  daemon = undefined
  if (!child || child.exitCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cradle-usbmuxd-'))
  mkdirSync(path.join(tmp, 'run'))
  mkdirSync(path.join(tmp, 'lib', 'lockdown'), { recursive: true })
  await startDaemon()
})

afterAll(async () => {
  await stopDaemon()
  rmSync(tmp, { recursive: true, force: true })
})

describe('the real usbmuxd 1.1.1 daemon', () => {
  it('answers ListDevices with no devices', async () => {
    const mux = new MuxClient({ address: `UNIX:${socketPath()}` })
    expect(await mux.listDevices()).toEqual([])
    expect(log).toMatch(/usbmuxd v1\.1\.1/)
  })

  it('answers ReadBUID with the SystemBUID it keeps in SystemConfiguration.plist', async () => {
    const mux = new MuxClient({ address: `UNIX:${socketPath()}` })
    const buid = await mux.readBuid()
    expect(buid).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/)
    expect(await mux.readBuid()).toBe(buid)
    const config = decodePlistDict(readFileSync(path.join(tmp, 'lib', 'lockdown', 'SystemConfiguration.plist')))
    expect(config.SystemBUID).toBe(buid)
  })

  it('stores, returns and deletes pair records (as XML on disk)', async () => {
    const mux = new MuxClient({ address: `UNIX:${socketPath()}` })
    const udid = '00008110-000A1B2C3D4E5F60'
    expect(await mux.readPairRecord(udid)).toBeUndefined()
    await mux.savePairRecord(udid, encodeBinaryPlist({ HostID: 'ABC', SystemBUID: 'X' }))
    const file = path.join(tmp, 'lib', 'lockdown', `${udid}.plist`)
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('<?xml')
    expect(decodePlistDict((await mux.readPairRecord(udid))!)).toEqual({ HostID: 'ABC', SystemBUID: 'X' })
    await mux.deletePairRecord(udid)
    expect(await mux.readPairRecord(udid)).toBeUndefined()
  })

  it('keeps the mark Cradle puts on the records it writes (so Cradle knows which it may delete)', async () => {
    const mux = new MuxClient({ address: `UNIX:${socketPath()}` })
    const udid = '00008110-000A1B2C3D4E5F61'
    const phoneKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'pkcs1', format: 'pem' })
    const record = newPairRecord(await generatePairCertificates(phoneKey), 'BUID', udid)
    await mux.savePairRecord(udid, encodePairRecord(record))
    const back = parsePairRecord((await mux.readPairRecord(udid))!)
    expect(back.CradleCreated).toBe(true)
    expect(back.HostID).toBe(record.HostID)
    await mux.deletePairRecord(udid)
  })

  it('refuses Connect to a device that is not there', async () => {
    const mux = new MuxClient({ address: `UNIX:${socketPath()}` })
    await expect(mux.connect(1, 62078)).rejects.toMatchObject({ code: 'device-not-found' })
  })

  it('accepts Listen, and the watcher rides out a daemon restart', async () => {
    const events: DeviceEvent['type'][] = []
    const watcher = watchDevices(new MuxClient({ address: `UNIX:${socketPath()}` }), (e) => events.push(e.type), { minBackoffMs: 100, maxBackoffMs: 300 })
    await expect.poll(() => events).toEqual(['mux-up'])
    await stopDaemon()
    await expect.poll(() => events, { timeout: 10_000 }).toEqual(['mux-up', 'mux-down'])
    await startDaemon()
    await expect.poll(() => events, { timeout: 10_000 }).toEqual(['mux-up', 'mux-down', 'mux-up'])
    expect(watcher.devices()).toEqual([])
    watcher.close()
    await watcher.done
  })

  it('reports usbmuxd-not-running once the daemon is gone', async () => {
    await stopDaemon()
    await expect(new MuxClient({ address: `UNIX:${socketPath()}` }).listDevices()).rejects.toMatchObject({ code: 'usbmuxd-not-running' })
    await startDaemon()
  })
})
