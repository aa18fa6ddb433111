/**
 * The virtual iPhone's own speed: (1) camera-roll generation for 10,000 items; (2) unshaped AFC
 * read throughput on loopback, measured by a minimal raw AFC reader (pipelined 4 MiB reads) in
 * the main thread while the simulator runs in a worker thread, as a separate daemon would.
 *   npx tsx bench/sim.bench.ts [--items 10000] [--mib 1024] [--window 4] [--connections 1] [--passes 5] [--in-process]
 */
import { promises as fs } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { AfcOp, AfcOpenMode } from '../src/main/device/afc/opcodes.js'
import { encodeAfcPacket } from '../src/main/device/afc/packet-codec.js'
import { cString, u64 } from '../src/main/device/afc/payloads.js'
import { encodeXmlPlist, decodePlistDict } from '../src/main/device/plist/plist-codec.js'
import { swapPort } from '../src/main/device/usbmux/messages.js'
import { generateCameraRoll } from '../src/sim/roll/generator.js'
import { startSimulator } from '../src/sim/simulator.js'

interface Ready {
  address: string
  deviceId: number
  port: number
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { items: { type: 'string', default: '10000' }, mib: { type: 'string', default: '1024' }, window: { type: 'string', default: '4' }, connections: { type: 'string', default: '1' }, passes: { type: 'string', default: '5' }, 'in-process': { type: 'boolean', default: false } } })
  const items = Number(values.items)
  const mib = Number(values.mib)
  const window = Number(values.window)
  const connections = Number(values.connections)
  const passes = Number(values.passes)
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'sim-bench-'))
  try {
    // 1. Generation.
    const rollDir = path.join(work, 'roll')
    const t0 = performance.now()
    const roll = await generateCameraRoll(rollDir, { count: items, seed: 1 })
    const genMs = performance.now() - t0
    console.log(`generation: ${items} items (${roll.files.length} files, ${(roll.totalBytes / 1e6).toFixed(1)} MB) in ${(genMs / 1000).toFixed(2)} s`)

    // 2. AFC read throughput: one big file, read through the mux tunnel.
    const dcim = path.join(work, 'DCIM')
    await fs.mkdir(path.join(dcim, '100APPLE'), { recursive: true })
    const file = path.join(dcim, '100APPLE', 'IMG_0001.MOV')
    const block = Buffer.alloc(4 * 1024 * 1024)
    for (let i = 0; i + 4 <= block.length; i += 4) block.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, i)
    const fh = await fs.open(file, 'w')
    for (let i = 0; i < mib / 4; i++) await fh.write(block)
    await fh.close()
    // The worker loads this same file from source: register tsx inside it first. --in-process
    // runs the simulator on the main thread instead (one CPU profile shows both sides).
    let stop: () => Promise<void>
    let ready: Ready & { ports: number[] }
    if (values['in-process']) {
      const sim = await startSimulator({ devices: [{ dcimDir: dcim }], socket: `UNIX:${path.join(work, 'mux.sock')}` })
      const phone = sim.devices[0]!
      ready = { address: sim.address, deviceId: phone.deviceId!, port: 0, ports: Array.from({ length: 8 }, () => phone.startService('com.apple.afc')!) }
      stop = () => sim.close()
    } else {
      const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}) })`
      const worker = new Worker(boot, { eval: true, workerData: { dcim, mib } })
      ready = await new Promise<Ready & { ports: number[] }>((resolve) => worker.once('message', resolve))
      stop = async () => {
        worker.postMessage('stop')
        await new Promise((resolve) => worker.once('exit', resolve))
      }
    }
    // Warm-up pass (page cache, JIT), then the measured passes: the machine may be shared, so
    // print every pass and the median rather than trusting one number.
    await readThroughput(ready, '/DCIM/100APPLE/IMG_0001.MOV', Math.min(mib, 256) * 1024 * 1024, window, connections)
    const rates: number[] = []
    for (let pass = 0; pass < passes; pass++) {
      const { bytes, ms } = await readThroughput(ready, '/DCIM/100APPLE/IMG_0001.MOV', mib * 1024 * 1024, window, connections)
      rates.push(bytes / 1e6 / (ms / 1000))
      console.log(`  pass ${pass + 1}: ${(bytes / 1e6).toFixed(0)} MB in ${(ms / 1000).toFixed(2)} s = ${rates[pass]!.toFixed(0)} MB/s`)
    }
    if (!values['in-process']) {
      // A reference taken now: plain Node sockets moving the same bytes between the same threads.
      const ceiling: number[] = []
      for (let pass = 0; pass < passes; pass++) ceiling.push(await rawThroughput(path.join(work, 'raw.sock')))
      ceiling.sort((a, b) => a - b)
      console.log(`reference: a raw Node socket moving the same bytes between the same threads: median ${ceiling[Math.floor(ceiling.length / 2)]!.toFixed(0)} MB/s, best ${ceiling[ceiling.length - 1]!.toFixed(0)} MB/s`)
    }
    const sorted = [...rates].sort((a, b) => a - b)
    console.log(`afc read: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} MB/s, best ${sorted[sorted.length - 1]!.toFixed(0)} MB/s (4 MiB reads, ${window} in flight, ${connections} connection(s), unshaped, Unix socket, simulator ${values['in-process'] ? 'on the same thread' : 'in a worker thread'})`)
    await stop()
  } finally {
    await fs.rm(work, { recursive: true, force: true })
  }
}

/** A server that writes `mib` MiB to every connection and closes it. */
async function rawServer(socketPath: string, mib: number): Promise<void> {
  const block = Buffer.alloc(4 * 1024 * 1024, 0x5a)
  const server = net.createServer((s) => {
    let left = mib / 4
    const pump = (): void => {
      while (left > 0) {
        left--
        if (!s.write(block)) return void s.once('drain', pump)
      }
      s.end()
    }
    pump()
  })
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
}

async function rawThroughput(socketPath: string): Promise<number> {
  const t0 = performance.now()
  let bytes = 0
  const s = net.connect(socketPath)
  s.on('data', (d: Buffer) => (bytes += d.length))
  await new Promise((resolve) => s.on('end', resolve))
  return bytes / 1e6 / ((performance.now() - t0) / 1000)
}

/** Opens `connections` AFC tunnels and reads the file through each (split into ranges). */
async function readThroughput(ready: Ready & { ports: number[] }, vpath: string, total: number, window: number, connections: number): Promise<{ bytes: number; ms: number }> {
  const readers = await Promise.all(Array.from({ length: connections }, (_, i) => RawAfc.connect(ready.address, ready.deviceId, ready.ports[i]!)))
  const per = Math.ceil(total / connections / (4 * 1024 * 1024)) * 4 * 1024 * 1024
  const t0 = performance.now()
  const counts = await Promise.all(readers.map((r, i) => r.readRange(vpath, i * per, Math.min(per, total - i * per), window)))
  const ms = performance.now() - t0
  for (const r of readers) r.socket.destroy()
  return { bytes: counts.reduce((a, b) => a + b, 0), ms }
}

/** A minimal AFC reader: parses reply headers in place and only counts data bytes. */
class RawAfc {
  private packetNum = 0n
  private pending: Buffer[] = []
  private pendingBytes = 0
  private onReply: ((op: number, body: Buffer | number) => void) | undefined
  private need = 40
  private inBody = false
  private op = 0
  private bodyLen = 0
  private bodyIsData = false

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.feed(chunk))
  }

  static async connect(address: string, deviceId: number, port: number): Promise<RawAfc> {
    const socket = net.connect(address.slice('UNIX:'.length))
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
    const body = encodeXmlPlist({ MessageType: 'Connect', DeviceID: deviceId, PortNumber: swapPort(port), ProgName: 'bench', ClientVersionString: 'bench', kLibUSBMuxVersion: 3 })
    const h = Buffer.alloc(16)
    h.writeUInt32LE(16 + body.length, 0)
    h.writeUInt32LE(1, 4)
    h.writeUInt32LE(8, 8)
    h.writeUInt32LE(1, 12)
    socket.write(Buffer.concat([h, body]))
    const reply = await new Promise<Buffer>((resolve) => {
      let buf = Buffer.alloc(0)
      const on = (d: Buffer): void => {
        buf = Buffer.concat([buf, d])
        if (buf.length >= 16 && buf.length >= buf.readUInt32LE(0)) {
          socket.off('data', on)
          resolve(buf)
        }
      }
      socket.on('data', on)
    })
    if (decodePlistDict(reply.subarray(16)).Number !== 0) throw new Error('mux Connect refused')
    return new RawAfc(socket)
  }

  private feed(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      if (this.inBody && this.bodyIsData) {
        // Data bytes are only counted, never copied.
        const take = Math.min(this.need, chunk.length - at)
        this.need -= take
        at += take
        if (this.need === 0) this.finish(this.bodyLen)
        continue
      }
      const take = Math.min(this.need - this.pendingBytes, chunk.length - at)
      this.pending.push(chunk.subarray(at, at + take))
      this.pendingBytes += take
      at += take
      if (this.pendingBytes < this.need) continue
      const buf = Buffer.concat(this.pending)
      this.pending = []
      this.pendingBytes = 0
      if (!this.inBody) {
        this.op = Number(buf.readBigUInt64LE(32))
        this.bodyLen = Number(buf.readBigUInt64LE(8)) - 40
        this.inBody = true
        this.bodyIsData = this.op === AfcOp.Data
        this.need = this.bodyLen
        if (this.need === 0) this.finish(0)
      } else this.finish(buf)
    }
  }

  private finish(body: Buffer | number): void {
    this.inBody = false
    this.need = 40
    this.onReply?.(this.op, body)
  }

  private send(op: number, payload: Buffer): void {
    this.socket.write(encodeAfcPacket({ packetNum: ++this.packetNum, operation: op, headerPayload: payload }))
  }

  async readRange(vpath: string, offset: number, length: number, window: number): Promise<number> {
    const replies: ((op: number, body: Buffer | number) => void)[] = []
    this.onReply = (op, body) => replies.shift()!(op, body)
    const call = (op: number, payload: Buffer): Promise<{ op: number; body: Buffer | number }> =>
      new Promise((resolve) => {
        replies.push((o, b) => resolve({ op: o, body: b }))
        this.send(op, payload)
      })
    const opened = await call(AfcOp.FileRefOpen, Buffer.concat([u64(AfcOpenMode.RDONLY), cString(vpath)]))
    const handle = (opened.body as Buffer).readBigUInt64LE(0)
    await call(AfcOp.FileRefSeek, Buffer.concat([u64(handle, 0), u64(offset)]))
    const chunk = 4 * 1024 * 1024
    const count = Math.ceil(length / chunk)
    let sent = 0
    let received = 0
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (sent < count && sent - Math.floor(received / chunk) < window) {
          sent++
          void call(AfcOp.FileRefRead, u64(handle, chunk)).then(({ body }) => {
            received += typeof body === 'number' ? body : body.length
            if (received >= length || (typeof body === 'number' && body === 0)) resolve()
            else pump()
          })
        }
      }
      pump()
    })
    return received
  }
}

if (!isMainThread) {
  // Worker: the simulator, serving `dcim`; reports the mux address and an AFC service port.
  const { dcim } = workerData as { dcim: string }
  const sim = await startSimulator({ devices: [{ dcimDir: dcim }], socket: `UNIX:${path.join(dcim, '..', 'mux.sock')}` })
  await rawServer(path.join(dcim, '..', 'raw.sock'), (workerData as { mib: number }).mib)
  const phone = sim.devices[0]!
  const ports = Array.from({ length: 8 }, () => phone.startService('com.apple.afc')!)
  parentPort!.postMessage({ address: sim.address, deviceId: phone.deviceId!, ports })
  parentPort!.on('message', () => void sim.close().then(() => process.exit(0)))
} else {
  await main()
}
