import { once } from 'node:events'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AfcOp, AfcOpenMode } from '../../../src/main/device/afc/opcodes.js'
import { cString, u64 } from '../../../src/main/device/afc/payloads.js'
import { startSimulator, USB2_LINK, type Simulator } from '../../../src/sim/index.js'
import { SLICE, type DeviceLink, type Tunnel } from '../../../src/sim/link/device-link.js'
import { ManualLinkClock } from '../../fakes/manual-link-clock.js'
import { spawnCli } from '../../helpers/cli.js'
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

/** Pipelines reads of `total` bytes in `chunk`-sized requests and counts what comes back. */
async function readAll(c: AfcTestClient, h: number, chunk: number, total = SIZE): Promise<{ bytes: number }> {
  const n = Math.ceil(total / chunk)
  for (let i = 0; i < n; i++) c.send(AfcOp.FileRefRead, u64(h, chunk))
  let bytes = 0
  for (let i = 0; i < n; i++) bytes += (await c.receive(30_000)).body.length
  return { bytes }
}

/** Counts a link's events; `until` resolves once one has happened n times in all. */
class LinkWatch {
  readonly counts = new Map<string, number>()
  readonly tunnels = new Map<string, Tunnel[]>()
  private waiters: { event: string; n: number; resolve: () => void }[] = []

  constructor(link: DeviceLink) {
    for (const event of ['queued', 'handed-over', 'window-full'])
      link.on(event, (t: Tunnel) => {
        this.counts.set(event, this.count(event) + 1)
        this.tunnels.set(event, [...(this.tunnels.get(event) ?? []), t])
        for (const w of this.waiters.filter((x) => x.event === event && this.count(event) >= x.n)) {
          this.waiters.splice(this.waiters.indexOf(w), 1)
          w.resolve()
        }
      })
  }

  count(event: string): number {
    return this.counts.get(event) ?? 0
  }

  until(event: string, n: number): Promise<void> {
    if (this.count(event) >= n) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ event, n, resolve }))
  }
}

/** One turn of the event loop: the link pump a new reply scheduled (setImmediate) has run after it. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Shaping is checked on a manual clock: the link moves only when the test advances time, so
 * every check counts bytes at a known instant and none depends on how busy the machine is.
 * Shaping is switched on after the AFC connection is open (setup traffic is not the subject).
 */
describe('link shaping (manual clock: counted, never timed)', () => {
  let clock: ManualLinkClock
  async function shapedPhone(): Promise<{ phone: Simulator['devices'][0]; c: AfcTestClient; watch: LinkWatch; h: number }> {
    clock = new ManualLinkClock()
    sim = await startSimulator({ devices: [{ dcimDir: dir }], linkClock: clock })
    const phone = sim.devices[0]!
    const c = await openAfc(sim.address, phone)
    const h = await openBig(c)
    return { phone, c, watch: new LinkWatch(phone.link), h }
  }

  it('holds every reply for the latency; pipelined replies overlap, lock-step ones pay it each time', async () => {
    const { phone, c, watch } = await shapedPhone()
    phone.setFaults({ latencyMs: 200 })
    const before = phone.link.bytesSent
    const sent = Array.from({ length: 10 }, () => c.send(AfcOp.GetDeviceInfo))
    await watch.until('handed-over', 10) // all ten left the phone at once
    clock.advance(199)
    expect(phone.link.bytesSent).toBe(before)
    clock.advance(1)
    for (const n of sent) expect((await c.receive()).packetNum).toBe(n)
    expect(clock.now()).toBe(200) // ten replies within one latency (serialised: 2,000 ms)
    for (let i = 1; i <= 3; i++) {
      const reply = c.call(AfcOp.GetDeviceInfo)
      await watch.until('handed-over', 10 + i)
      const held = phone.link.bytesSent
      clock.advance(199)
      expect(phone.link.bytesSent).toBe(held)
      clock.advance(1)
      expect((await reply).op).toBe(AfcOp.Data)
    }
    expect(clock.now()).toBe(800)
    phone.setFaults({ latencyMs: 0 })
    expect((await c.call(AfcOp.GetDeviceInfo)).op).toBe(AfcOp.Data) // without the clock moving
    expect(clock.now()).toBe(800)
    c.socket.destroy()
  })

  it('caps bandwidth; a link idle for a second may send only its burst at once', async () => {
    const { phone, c, h } = await shapedPhone()
    phone.setFaults({ bandwidthMBps: 10, burstBytes: 64 * 1024 }) // 10,000 bytes per ms
    clock.advance(1000) // idle: earns no more than the burst
    const before = phone.link.bytesSent
    c.send(AfcOp.FileRefRead, u64(h, 4 * 1024 * 1024))
    await c.reader.read(64 * 1024)
    expect(phone.link.bytesSent - before).toBe(64 * 1024)
    // Backlogged: 100 ms lets through 100 × 10,000 bytes, less at most one 16 KiB slice still earning credit.
    clock.advance(100)
    const sent = phone.link.bytesSent - before - 64 * 1024
    expect(sent).toBeLessThanOrEqual(1_000_000)
    expect(sent).toBeGreaterThanOrEqual(1_000_000 - SLICE)
    clock.advance(400)
    await c.reader.read(40 + 4 * 1024 * 1024 - 64 * 1024)
    expect(phone.link.bytesSent - before).toBe(40 + 4 * 1024 * 1024)
    c.socket.destroy()
  })

  it('shares one cap between the tunnels of a device, slice by slice', async () => {
    const { phone, c: a, watch, h: ha } = await shapedPhone()
    const b = await openAfc(sim!.address, phone)
    const hb = await openBig(b)
    phone.setFaults({ bandwidthMBps: 10 })
    a.send(AfcOp.FileRefRead, u64(ha, 1024 * 1024))
    b.send(AfcOp.FileRefRead, u64(hb, 1024 * 1024))
    await watch.until('queued', 2)
    await turn() // the pump that spends the burst has run; from here only the clock lets bytes out
    const [ta, tb] = watch.tunnels.get('queued')!
    expect(ta).not.toBe(tb)
    const [a0, b0] = [ta!.bytesSent, tb!.bytesSent]
    clock.advance(50)
    const [da, db] = [ta!.bytesSent - a0, tb!.bytesSent - b0]
    expect(da + db).toBeLessThanOrEqual(500_000)
    expect(da + db).toBeGreaterThanOrEqual(500_000 - SLICE)
    expect(Math.abs(da - db)).toBeLessThanOrEqual(SLICE) // round-robin
    a.socket.destroy()
    b.socket.destroy()
  })

  it('bounds the bytes in flight per connection: a phone whose host does not read waits, and serves nothing more', async () => {
    const { phone, c, watch, h } = await shapedPhone()
    const WINDOW = 128 * 1024
    phone.setFaults({ windowBytes: WINDOW })
    let most = 0
    phone.link.on('window-full', (t: Tunnel) => void (most = Math.max(most, t.inFlight)))
    c.socket.pause() // the host stops reading
    const before = phone.link.bytesSent
    const sent = Array.from({ length: 3 }, () => c.send(AfcOp.FileRefRead, u64(h, 1024 * 1024)))
    await watch.until('window-full', 1)
    // What the host's socket holds is bounded by the kernel's buffer, not by the phone: far less than one reply.
    expect(phone.link.bytesSent - before).toBeLessThan(1024 * 1024)
    expect(watch.count('handed-over')).toBe(0) // the first reply has not left the phone; the next are not served
    expect(watch.count('queued')).toBe(1)
    c.socket.resume()
    const expected = (await fs.readFile(path.join(dir, '100APPLE', 'IMG_0001.MOV'))).subarray(0, 3 * 1024 * 1024)
    const got: Buffer[] = []
    for (const n of sent) {
      const r = await c.receive()
      expect(r.packetNum).toBe(n)
      got.push(r.body)
    }
    expect(Buffer.concat(got).equals(expected)).toBe(true)
    expect(watch.count('handed-over')).toBe(3)
    expect(most).toBeGreaterThan(0)
    expect(most).toBeLessThanOrEqual(WINDOW)
    c.socket.destroy()
  })

  it('serves one request at a time: pipelining hides the latency, not the service time', async () => {
    const { phone, c, watch } = await shapedPhone()
    const size = 40 + (await c.call(AfcOp.GetDeviceInfo)).body.length
    phone.setFaults({ latencyMs: 100, serviceMs: 50 })
    const before = phone.link.bytesSent
    const delivered = (): number => (phone.link.bytesSent - before) / size
    const sent = Array.from({ length: 5 }, () => c.send(AfcOp.GetDeviceInfo))
    // Reply k leaves the phone at 50·k ms (one at a time) and reaches the host 100 ms later.
    const seen: number[] = []
    for (let k = 1; k <= 7; k++) {
      if (k <= 5) await watch.until('queued', k) // its request is in the phone's hands
      await turn()
      clock.advance(50)
      seen.push(delivered())
    }
    expect(seen).toEqual([0, 0, 1, 2, 3, 4, 5]) // at 50, 100, 150, … 350 ms
    for (const n of sent) expect((await c.receive()).packetNum).toBe(n)
    // Lock-step: every request pays latency and service time, 150 ms.
    const t0 = clock.now()
    for (let i = 1; i <= 2; i++) {
      const reply = c.call(AfcOp.GetDeviceInfo)
      await watch.until('queued', 5 + i)
      await turn()
      clock.advance(149)
      expect(delivered()).toBe(4 + i)
      clock.advance(1)
      expect((await reply).op).toBe(AfcOp.Data)
    }
    expect(clock.now() - t0).toBe(300)
    c.socket.destroy()
  })
})

describe('the link model as knobs', () => {
  it('`cradle sim --usb2` shapes like a USB 2 iPhone, a single flag overrides its part, and control commands change each knob', async () => {
    const child = spawnCli(['sim', '--usb2', '--service-ms', '0.3'])
    // An iterator, not once('line'): several answers can arrive in one chunk.
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
    const next = async (): Promise<Record<string, unknown>> => JSON.parse(String((await lines.next()).value)) as Record<string, unknown>
    try {
      expect(await next()).toMatchObject({ event: 'ready' })
      child.stdin!.write('status\n')
      const faults = (((await next()).status as { devices: { faults: unknown }[] }).devices[0]!).faults
      expect(faults).toEqual({ ...USB2_LINK, serviceMs: 0.3, dropAfterBytes: 0, dropRepeat: false })
      child.stdin!.write('window 0 65536\nservice 2\nburst all 32768\nstatus\n')
      for (let i = 0; i < 3; i++) expect(await next()).toMatchObject({ event: 'ok' })
      expect((((await next()).status as { devices: { faults: unknown }[] }).devices[0]!).faults).toMatchObject({ windowBytes: 65536, serviceMs: 2, burstBytes: 32768 })
      child.stdin!.write('window 0 lots\n')
      expect(await next()).toMatchObject({ event: 'error', message: 'BYTES must be a number ≥ 0' })
    } finally {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
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
