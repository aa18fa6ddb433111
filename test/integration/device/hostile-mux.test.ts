/**
 * The client against a hostile usbmuxd (seeded, thousands of cases): each connection answers with
 * garbage, huge lengths, wrong tags, mutated replies, unsolicited frames, early EOF, a stall, a
 * half frame or a slow drip — at the mux level, and after Connect as lockdownd and as AFC.
 * Every call must settle (timeouts fire) with a CradleError, the process must not crash, and the
 * heap must not grow without bound.
 */
import net from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CradleError } from '../../../src/shared/errors.js'
import { AfcClient } from '../../../src/main/device/afc/afc-client.js'
import { AfcOp } from '../../../src/main/device/afc/opcodes.js'
import { decodeAfcPacket, encodeAfcPacket } from '../../../src/main/device/afc/packet-codec.js'
import { encodeKeyValues, u64 } from '../../../src/main/device/afc/payloads.js'
import { LockdownClient } from '../../../src/main/device/lockdown/lockdown-client.js'
import { PlistServiceClient } from '../../../src/main/device/plist-service/plist-service-client.js'
import { decodePlistServiceFrame, encodePlistServiceFrame } from '../../../src/main/device/plist-service/plist-service-codec.js'
import type { PlistDict } from '../../../src/main/device/plist/plist-codec.js'
import { decodeMuxFrame } from '../../../src/main/device/usbmux/frame-codec.js'
import { encodePlistFrame, framePlist } from '../../../src/main/device/usbmux/messages.js'
import { MuxClient } from '../../../src/main/device/usbmux/mux-client.js'
import { Rng, mutate } from '../../unit/device/peers/fuzz.js'
import { attached, result } from '../../unit/device/peers/scripted-mux.js'
import { tempSocketPath } from '../../unit/device/peers/socket-pair.js'

const CASES = 2000
const CONCURRENCY = 25
const TIMEOUT = 150
const ALLOWED = new Set(['device-protocol', 'device-timeout', 'timeout', 'device-unplugged', 'usbmuxd-not-running', 'device-not-found', 'aborted', 'not-found', 'file-not-on-device', 'file-unreadable', 'device-locked', 'pairing-invalid', 'pairing-pending', 'pairing-denied', 'pairing-over-network'])

type Behaviour = 'valid' | 'garbage' | 'huge' | 'wrong-tag' | 'mutated' | 'eof' | 'stall' | 'partial' | 'drip' | 'flood'
const BEHAVIOURS: Behaviour[] = ['valid', 'valid', 'garbage', 'huge', 'wrong-tag', 'mutated', 'mutated', 'eof', 'stall', 'partial', 'drip', 'flood']

/** What a well-behaved usbmuxd would answer. */
function validReply(req: PlistDict): PlistDict {
  switch (req.MessageType) {
    case 'ListDevices': return { DeviceList: [attached(3, '00008110000A1B2C3D4E5F60'), attached(4, 'abc')] }
    case 'ReadBUID': return { BUID: 'B' }
    case 'ReadPairRecord': return { PairRecordData: Buffer.from('bplist00') }
    default: return result(0)
  }
}

/** Sends `reply` the way the case's behaviour says; returns false when the socket is done. */
function misbehave(rng: Rng, socket: net.Socket, b: Behaviour, reply: Buffer): void {
  switch (b) {
    case 'valid': socket.write(reply); return
    case 'garbage': socket.write(rng.bytes(1 + rng.int(300))); return
    case 'huge': { const h = Buffer.from(reply.subarray(0, 16)); h.writeUInt32LE(0xfffffff0, 0); socket.write(h); return }
    case 'wrong-tag': { const r = Buffer.from(reply); if (r.length >= 16) r.writeUInt32LE(r.readUInt32LE(12) + 7, 12); socket.write(r); return }
    case 'mutated': socket.write(mutate(rng, reply)); return
    case 'eof': socket.end(); return
    case 'stall': return
    case 'partial': socket.write(reply.subarray(0, Math.max(1, reply.length >> 1))); return
    case 'drip': {
      let i = 0
      const t = setInterval(() => (i < reply.length && !socket.destroyed ? socket.write(reply.subarray(i, ++i)) : clearInterval(t)), 1)
      return
    }
    case 'flood': for (let i = 0; i < 50; i++) socket.write(reply); return
  }
}

/** After Connect: a hostile lockdownd (u32be plists) or AFC service, chosen by the port. */
function hostileService(rng: Rng, socket: net.Socket, port: number, b: Behaviour): void {
  let buf: Buffer = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk])
    try {
      if (port === 62078) {
        for (;;) {
          const d = decodePlistServiceFrame(buf)
          if ('need' in d) return
          buf = d.rest
          const req = d.value
          const reply = encodePlistServiceFrame({ Request: String(req.Request), Type: 'com.apple.mobile.lockdown', Value: 'x' }, rng.int(2) ? 'xml' : 'binary')
          misbehave(rng, socket, rng.int(3) === 0 ? 'valid' : b, reply)
        }
      } else {
        for (;;) {
          const d = decodeAfcPacket(buf)
          if ('need' in d) return
          buf = d.rest
          const n = d.packet.packetNum
          const reply = d.packet.operation === AfcOp.GetFileInfo
            ? encodeAfcPacket({ packetNum: n, operation: AfcOp.Data, data: encodeKeyValues({ st_size: 100, st_ifmt: 'S_IFREG', st_mtime: 1 }) })
            : d.packet.operation === AfcOp.FileRefOpen
              ? encodeAfcPacket({ packetNum: n, operation: AfcOp.FileRefOpenResult, headerPayload: u64(1) })
              : d.packet.operation === AfcOp.FileRefRead
                ? encodeAfcPacket({ packetNum: n, operation: AfcOp.Data, data: Buffer.alloc(rng.int(120)) })
                : encodeAfcPacket({ packetNum: n + BigInt(rng.int(2)), operation: rng.pick([AfcOp.Status, AfcOp.Data]), headerPayload: u64(rng.int(3)), data: Buffer.from('a\0b\0') })
          misbehave(rng, socket, rng.int(3) === 0 ? 'valid' : b, reply)
        }
      }
    } catch {
      socket.destroy() // our own decoder choked on what the client sent: never expected
    }
  })
}

let server: net.Server
let tmp: ReturnType<typeof tempSocketPath>
let connections = 0
const SEED = 20260301

beforeAll(async () => {
  tmp = tempSocketPath('hostile')
  server = net.createServer((socket) => {
    const rng = new Rng(SEED + connections++)
    const b = rng.pick(BEHAVIOURS)
    socket.on('error', () => undefined)
    let buf: Buffer = Buffer.alloc(0)
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk])
      const d = decodeMuxFrame(buf)
      if ('need' in d) return
      socket.off('data', onData)
      const req = framePlist(d.frame)
      const tag = d.frame.tag
      if (req.MessageType === 'Connect' && (b === 'valid' || rng.int(2) === 0)) {
        socket.write(encodePlistFrame(result(0), tag))
        const port = ((Number(req.PortNumber) & 0xff) << 8) | (Number(req.PortNumber) >> 8)
        hostileService(rng, socket, port, rng.pick(BEHAVIOURS))
        return
      }
      if (req.MessageType === 'Listen') {
        misbehave(rng, socket, b, Buffer.concat([encodePlistFrame(result(0), tag), encodePlistFrame(attached(5, 'x'), 0), encodePlistFrame({ MessageType: 'Bogus' }, 0)]))
        return
      }
      misbehave(rng, socket, b, encodePlistFrame(validReply(req), tag))
    }
    socket.on('data', onData)
  })
  await new Promise<void>((r) => server.listen(tmp.path, r))
})

afterAll(async () => {
  await new Promise((r) => server.close(r))
  tmp.cleanup()
})

/** One client operation of the kind chosen by the case number. */
async function clientCase(i: number, mux: MuxClient, rng: Rng): Promise<void> {
  switch (i % 7) {
    case 0: await mux.listDevices(); return
    case 1: await mux.readBuid(); return
    case 2: await mux.readPairRecord('U'); return
    case 3: await mux.savePairRecord('U', Buffer.from('x'), { deviceId: 3 }); return
    case 4: {
      const handle = await mux.listen(() => undefined, () => undefined)
      await new Promise((r) => setTimeout(r, 20))
      handle.close()
      return
    }
    case 5: {
      const lockdown = new LockdownClient(new PlistServiceClient(await mux.connect(3, 62078), 'lockdownd', { timeoutMs: TIMEOUT }))
      try {
        await lockdown.queryType()
        await lockdown.getValue('DeviceName')
      } finally {
        lockdown.close()
      }
      return
    }
    default: {
      const afc = new AfcClient(await mux.connect(3, 49152), { timeoutMs: TIMEOUT })
      try {
        if (rng.int(2)) await afc.walk('/DCIM', { window: 4 })
        else await afc.download('/a', new (await import('node:stream')).PassThrough().resume(), { size: 1000, chunkSize: 100 })
      } finally {
        afc.close()
      }
    }
  }
}

describe('client against a hostile usbmuxd', () => {
  it(`settles ${CASES} seeded cases with CradleErrors, without hanging or growing the heap`, async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const mux = new MuxClient({ address: `UNIX:${tmp.path}`, timeoutMs: TIMEOUT })
    const codes = new Map<string, number>()
    let ok = 0
    const run = async (i: number): Promise<void> => {
      const rng = new Rng(SEED * 7 + i)
      const settled = clientCase(i, mux, rng).then(
        () => 'ok' as const,
        (error: unknown) => error,
      )
      const watchdog = new Promise((r) => setTimeout(() => r('hang'), 5000))
      const outcome = await Promise.race([settled, watchdog])
      if (outcome === 'hang') throw new Error(`case ${i} did not settle within 5 s`)
      if (outcome === 'ok') ok++
      else if (outcome instanceof CradleError && ALLOWED.has(outcome.code)) codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1)
      else throw new Error(`case ${i} failed with ${String((outcome as Error)?.stack ?? outcome)}`)
    }
    const runBatch = async (from: number, to: number): Promise<void> => {
      let next = from
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < to) await run(next++)
      }))
    }
    await runBatch(0, 200) // warm up: module loading, TLS, JIT
    gc()
    const before = process.memoryUsage().heapUsed
    await runBatch(200, CASES)
    await new Promise((r) => setTimeout(r, 300))
    gc()
    const growth = process.memoryUsage().heapUsed - before
    expect(ok).toBeGreaterThan(CASES / 20) // the valid paths are exercised too
    expect(codes.get('device-protocol') ?? 0).toBeGreaterThan(CASES / 20)
    expect(codes.get('timeout') ?? codes.get('device-timeout') ?? 0).toBeGreaterThan(0)
    expect(growth).toBeLessThan(30 * 1024 * 1024)
    console.log(`hostile mux: ${CASES} cases, ${ok} ok, errors ${JSON.stringify(Object.fromEntries(codes))}, heap growth ${(growth / 2 ** 20).toFixed(1)} MiB`)
  }, 180_000)
})
