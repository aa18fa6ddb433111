import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AfcOp, AfcOpenMode } from '../../../src/main/device/afc/opcodes.js'
import { cString, u64 } from '../../../src/main/device/afc/payloads.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import { connectPort, muxRequest, MuxRefused, openAfc, readMuxPlist, type AfcTestClient } from './helpers/sim-client.js'

let dir: string
const SIZE = 32 * 1024 * 1024

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sim-faults-'))
  await fs.mkdir(path.join(dir, '100APPLE'))
  const big = Buffer.alloc(SIZE)
  for (let i = 0; i + 4 <= SIZE; i += 4) big.writeUInt32LE(Math.imul(i, 2246822519) >>> 0, i)
  await fs.writeFile(path.join(dir, '100APPLE', 'IMG_0001.MOV'), big)
})
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

let sim: Simulator | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function openBig(c: AfcTestClient): Promise<number> {
  const r = await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(AfcOpenMode.RDONLY), cString('/DCIM/100APPLE/IMG_0001.MOV')]))
  return Number(r.body.readBigUInt64LE(0))
}

/**
 * Pipelines reads of `total` bytes in `chunk`-sized requests. Rates are taken over the whole
 * transfer (2–3 s, so a busy machine's stalls are small next to it); the link cannot run ahead of
 * its cap over that span, and it catches up after stalls while replies wait.
 */
async function readAll(c: AfcTestClient, h: number, chunk: number, total = SIZE): Promise<{ bytes: number; ms: number; start: number; end: number }> {
  const start = performance.now()
  const n = Math.ceil(total / chunk)
  for (let i = 0; i < n; i++) c.send(AfcOp.FileRefRead, u64(h, chunk))
  let bytes = 0
  for (let i = 0; i < n; i++) bytes += (await c.receive(30_000)).body.length
  const end = performance.now()
  return { bytes, ms: end - start, start, end }
}

describe('link shaping', () => {
  it('delays every reply by the latency but overlaps pipelined replies', async () => {
    sim = await startSimulator({ devices: [{ dcimDir: dir }], latencyMs: 200 })
    const c = await openAfc(sim.address, sim.devices[0]!)
    const t0 = performance.now()
    const sent = Array.from({ length: 10 }, () => c.send(AfcOp.GetDeviceInfo))
    for (const n of sent) expect((await c.receive()).packetNum).toBe(n)
    const pipelined = performance.now() - t0
    expect(pipelined).toBeGreaterThanOrEqual(190)
    expect(pipelined).toBeLessThan(1000) // serialised it would be ≥ 2000 ms
    const t1 = performance.now()
    for (let i = 0; i < 3; i++) await c.call(AfcOp.GetDeviceInfo)
    expect(performance.now() - t1).toBeGreaterThanOrEqual(3 * 190)
    sim.devices[0]!.setFaults({ latencyMs: 0 })
    const t2 = performance.now()
    await c.call(AfcOp.GetDeviceInfo)
    expect(performance.now() - t2).toBeLessThan(190) // below the old 200 ms latency
    c.socket.destroy()
  })

  it('caps device→host bandwidth within ±10% (megabytes per second)', async () => {
    sim = await startSimulator({ devices: [{ dcimDir: dir }], bandwidthMBps: 10 })
    const c = await openAfc(sim.address, sim.devices[0]!)
    const h = await openBig(c)
    const { bytes, ms } = await readAll(c, h, 1024 * 1024, 25 * 1024 * 1024)
    expect(bytes).toBe(25 * 1024 * 1024)
    const rate = bytes / 1e6 / (ms / 1000)
    expect(rate).toBeGreaterThan(9)
    expect(rate).toBeLessThan(11)
    c.socket.destroy()
  })

  it('shares one cap between the tunnels of a device', async () => {
    sim = await startSimulator({ devices: [{ dcimDir: dir }], bandwidthMBps: 20 })
    const [a, b] = [await openAfc(sim.address, sim.devices[0]!), await openAfc(sim.address, sim.devices[0]!)]
    const [ha, hb] = [await openBig(a), await openBig(b)]
    const [ra, rb] = await Promise.all([readAll(a, ha, 512 * 1024, 20 * 1024 * 1024), readAll(b, hb, 512 * 1024, 20 * 1024 * 1024)])
    const mbps = (ra.bytes + rb.bytes) / 1e6 / ((Math.max(ra.end, rb.end) - Math.min(ra.start, rb.start)) / 1000)
    expect(mbps).toBeGreaterThan(18)
    expect(mbps).toBeLessThan(22)
    // Round-robin: both finish at about the same time.
    expect(Math.abs(ra.ms - rb.ms)).toBeLessThan(0.25 * Math.max(ra.ms, rb.ms))
    a.socket.destroy()
    b.socket.destroy()
  })
})

describe('faults', () => {
  it('drops the connection after exactly N device→host bytes, once', async () => {
    sim = await startSimulator({ devices: [{ dcimDir: dir }] })
    const phone = sim.devices[0]!
    const c = await openAfc(sim.address, phone)
    const h = await openBig(c)
    const before = phone.link.bytesSent
    phone.setFaults({ dropAfterBytes: 3_000_000 })
    c.send(AfcOp.FileRefRead, u64(h, 4 * 1024 * 1024))
    const got = await c.reader.readToEnd()
    expect(got.length).toBe(3_000_000)
    expect(phone.link.bytesSent - before).toBe(3_000_000)
    // One-shot: the next connection reads the whole file.
    const d = await openAfc(sim.address, phone)
    const { bytes } = await readAll(d, await openBig(d), 4 * 1024 * 1024)
    expect(bytes).toBe(SIZE)
    d.socket.destroy()
  })

  it('drops every N bytes when repeating, on every tunnel of the device', async () => {
    sim = await startSimulator({ devices: [{ dcimDir: dir }], dropAfterBytes: 1_000_000, dropRepeat: true })
    const phone = sim.devices[0]!
    for (let round = 0; round < 2; round++) {
      const c = await openAfc(sim.address, phone)
      const open = await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(AfcOpenMode.RDONLY), cString('/DCIM/100APPLE/IMG_0001.MOV')]))
      const spent = 40 + open.body.length
      c.send(AfcOp.FileRefRead, u64(Number(open.body.readBigUInt64LE(0)), 2 * 1024 * 1024))
      expect((await c.reader.readToEnd()).length + spent).toBe(1_000_000)
    }
  })

  it('detach closes tunnels with EOF, sends Detached, refuses the old DeviceID; re-attach gets a new one', async () => {
    sim = await startSimulator({ devices: [{ dcimDir: dir }, {}] })
    const [phone, other] = sim.devices as [NonNullable<Simulator['devices'][0]>, NonNullable<Simulator['devices'][0]>]
    const listen = await muxRequest(sim.address, { MessageType: 'Listen' })
    await readMuxPlist(listen.reader)
    await readMuxPlist(listen.reader)
    const c = await openAfc(sim.address, phone)
    const keep = await openAfc(sim.address, other)
    const h = await openBig(c)
    const oldId = phone.deviceId!
    const eof = c.reader.readToEnd()
    c.send(AfcOp.FileRefRead, u64(h, 1024))
    await c.receive()
    phone.detach()
    await expect(eof).resolves.toBeDefined()
    expect(await readMuxPlist(listen.reader)).toMatchObject({ MessageType: 'Detached', DeviceID: oldId })
    await expect(connectPort(sim.address, oldId, 62078)).rejects.toEqual(new MuxRefused(2))
    // The other phone's tunnel is untouched.
    expect((await keep.call(AfcOp.GetDeviceInfo)).op).toBe(AfcOp.Data)
    phone.attach()
    const attached = await readMuxPlist(listen.reader)
    expect(attached).toMatchObject({ MessageType: 'Attached' })
    expect(attached.DeviceID).not.toBe(oldId)
    expect(phone.deviceId).toBe(attached.DeviceID)
    const again = await openAfc(sim.address, phone)
    expect((await again.call(AfcOp.GetDeviceInfo)).op).toBe(AfcOp.Data)
    for (const s of [listen.socket, keep.socket, again.socket]) s.destroy()
  })
})
