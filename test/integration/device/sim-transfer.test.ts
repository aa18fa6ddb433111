/**
 * Transfers against the virtual iPhone: unplug mid-download and resume byte-identical, a phone
 * detaching during walk, a slow phone, two phones at once, iCloud-only files.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { connectDevice, MuxClient, type DeviceSession } from '../../../src/main/device/index.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'

let sim: Simulator | undefined
let tmp: string | undefined
const sessions: DeviceSession[] = []
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close().catch(() => undefined)
  await sim?.close()
  sim = undefined
  if (tmp) rmSync(tmp, { recursive: true, force: true })
  tmp = undefined
})

async function open(udid: string): Promise<DeviceSession> {
  const s = await connectDevice(new MuxClient({ address: sim!.address }), udid)
  sessions.push(s)
  return s
}

const sha = (file: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const h = createHash('sha256')
    createReadStream(file).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject)
  })

async function writeTo(file: string, flags: 'w' | 'a'): Promise<ReturnType<typeof createWriteStream>> {
  const out = createWriteStream(file, { flags })
  await new Promise((r) => out.once('open', r))
  return out
}

const closeStream = (s: ReturnType<typeof createWriteStream>): Promise<void> => new Promise((r) => s.end(r))

describe('transfers against the simulator', () => {
  it('unplug mid-download: device-unplugged, then resume from the offset gives the same file', async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cradle-dl-'))
    sim = await startSimulator({ devices: [{ photos: { count: 3, seed: 2, videoBytes: 12_000_000, photoBytes: 3_000_000 } }] })
    const phone = sim.devices[0]!
    const roll = sim.roll(phone.udid)!
    const video = roll.files.filter((f) => f.kind === 'mov').sort((a, b) => b.size - a.size)[0]!
    const remote = `/DCIM/${video.path}`
    const local = path.join(tmp, 'video.part')

    const session = await open(phone.udid)
    const afc = await session.openAfc()
    expect(video.size).toBeGreaterThan(2_000_000)
    phone.setFaults({ dropAfterBytes: Math.floor(video.size / 2) })
    const first = await writeTo(local, 'w')
    let done = 0
    await expect(afc.download(remote, first, { chunkSize: 1 << 20, onProgress: (d) => (done = d) })).rejects.toMatchObject({ code: 'device-unplugged' })
    await closeStream(first)
    const have = statSync(local).size
    expect(have).toBe(done)
    expect(have).toBeGreaterThan(0)
    expect(have).toBeLessThan(video.size)

    // The phone is still there (only the tunnels dropped): a new session resumes at `have`.
    phone.setFaults({ dropAfterBytes: 0 })
    const again = await (await open(phone.udid)).openAfc()
    const rest = await writeTo(local, 'a')
    const res = await again.download(remote, rest, { offset: have })
    await closeStream(rest)
    expect(res).toEqual({ size: video.size, bytesWritten: video.size - have })
    expect(await sha(local)).toBe(await sha(path.join(roll.dir, ...video.path.split('/'))))
    again.close()
  })

  it('a phone detaching during walk fails it with device-unplugged', async () => {
    sim = await startSimulator({ devices: [{ photos: { count: 400, seed: 3 } }], latencyMs: 2 })
    const phone = sim.devices[0]!
    const afc = await (await open(phone.udid)).openAfc()
    let seen = 0
    const walking = afc.walk('/DCIM', { window: 4, onFile: () => ++seen === 20 && phone.detach() })
    await expect(walking).rejects.toMatchObject({ code: 'device-unplugged' })
  })

  it('a slow phone (20 ms per reply): walk and pull still work, pipelining keeps the window in flight', async () => {
    sim = await startSimulator({ devices: [{ photos: { count: 40, seed: 5 } }], latencyMs: 20 })
    const phone = sim.devices[0]!
    const afc = await (await open(phone.udid)).openAfc()
    // Requests in flight at once, counted on the client: what pipelining is, whatever the
    // machine's speed (the time it saves is a bench figure: bench/device.bench.ts, "walk").
    let inFlight = 0
    let peak = 0
    const request = afc.conn.request.bind(afc.conn)
    afc.conn.request = async (...args: Parameters<typeof request>) => {
      peak = Math.max(peak, ++inFlight)
      try {
        return await request(...args)
      } finally {
        inFlight--
      }
    }
    const piped = await afc.walk('/DCIM', { window: 32 })
    const pipedPeak = peak
    peak = 0
    const lockstep = await afc.walk('/DCIM', { window: 1 })
    expect(piped.files.map((f) => f.path)).toEqual(lockstep.files.map((f) => f.path))
    expect(piped.files.length).toBe(sim.roll(phone.udid)!.files.filter((f) => !f.path.split('/').some((p) => p.startsWith('.'))).length)
    expect(peak).toBe(1)
    expect(pipedPeak).toBeGreaterThan(8) // 40 photos' stats do not wait for each other's 20 ms
    expect(pipedPeak).toBeLessThanOrEqual(32)
  })

  it('two phones at once: independent sessions and the right bytes from each', async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cradle-two-'))
    sim = await startSimulator({ devices: [{ name: 'One', photos: { count: 6, seed: 10 } }, { name: 'Two', photos: { count: 6, seed: 11 } }] })
    const [a, b] = sim.devices
    const [sa, sb] = await Promise.all([open(a!.udid), open(b!.udid)])
    expect([sa.info.name, sb.info.name]).toEqual(['One', 'Two'])
    const pull = async (s: DeviceSession, udid: string, name: string): Promise<void> => {
      const afc = await s.openAfc()
      const { files } = await afc.walk('/DCIM')
      const roll = sim!.roll(udid)!
      for (const f of files.slice(0, 8)) {
        const out = path.join(tmp!, `${name}-${path.basename(f.path)}`)
        const sink = await writeTo(out, 'w')
        await afc.download(f.path, sink, { size: f.stat.size })
        await closeStream(sink)
        expect(readFileSync(out)).toEqual(readFileSync(path.join(roll.dir, ...f.path.slice('/DCIM/'.length).split('/'))))
      }
      afc.close()
    }
    await Promise.all([pull(sa, a!.udid, 'a'), pull(sb, b!.udid, 'b')])
  })

  it('iCloud-only files: file-not-on-device on open or read, the rest still downloads', async () => {
    sim = await startSimulator({ devices: [{ photos: { count: 8, seed: 7 } }] })
    const phone = sim.devices[0]!
    const afc = await (await open(phone.udid)).openAfc()
    const { files } = await afc.walk('/DCIM')
    const [onRead, onOpen, fine] = files
    phone.setUnreadable({ paths: [onRead!.path], failOn: 'read' })
    const sink = (): PassThrough => new PassThrough().resume()
    await expect(afc.download(onRead!.path, sink())).rejects.toMatchObject({ code: 'file-not-on-device' })
    phone.setUnreadable({ paths: [onOpen!.path], failOn: 'open' })
    await expect(afc.download(onOpen!.path, sink())).rejects.toMatchObject({ code: 'file-not-on-device' })
    expect((await afc.download(fine!.path, sink())).bytesWritten).toBe(fine!.stat.size)
    afc.close()
  })
})
