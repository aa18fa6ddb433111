/**
 * The TLS path against a hostile phone (seeded, reproducible: SEED and the case number pick every
 * choice). Each connection answers StartSession with EnableSessionSSL and then, per case: a real
 * handshake; EOF or a reset at the ClientHello; the phone's first flight then a hang-up (the host
 * writes into a closed socket: EPIPE); a truncated, mutated or dripped flight; garbage; a fatal
 * alert; silence; a good handshake followed by a hang-up, garbage records or close_notify. The
 * same behaviours meet the service path (startTls on a raw tunnel, EnableServiceSSL).
 * Every call must settle with a CradleError of the expected kinds, and no socket error may escape
 * (vitest fails the run on an unhandled 'error' event).
 */
import net from 'node:net'
import { Duplex } from 'node:stream'
import tls from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CradleError } from '../../../src/shared/errors.js'
import { startTls } from '../../../src/main/device/io/tls-carrier.js'
import { emulateBoringSsl } from '../../../src/main/device/io/tls-runtime.js'
import { generatePairCertificates } from '../../../src/main/device/lockdown/certificates.js'
import { LockdownClient } from '../../../src/main/device/lockdown/lockdown-client.js'
import { newPairRecord, type PairRecord } from '../../../src/main/device/lockdown/pair-record.js'
import { PlistServiceClient } from '../../../src/main/device/plist-service/plist-service-client.js'
import { decodePlistServiceFrame, encodePlistServiceFrame } from '../../../src/main/device/plist-service/plist-service-codec.js'
import { deviceKeys, type DeviceKeys } from '../../unit/device/peers/lockdown-peer.js'
import { Rng, mutate } from '../../unit/device/peers/fuzz.js'
import { tempSocketPath } from '../../unit/device/peers/socket-pair.js'

const SEED = 20261202
const CASES = 400
const CONCURRENCY = 8
const TIMEOUT = 1000
/**
 * A well-behaved phone's cases wait much longer: TLS handshakes are CPU work, and on a loaded
 * machine a 1 s timeout turned valid cases into timeouts. Each valid case must end ok, so that
 * count is fixed by the seed, not by the machine's speed.
 */
const PATIENT_TIMEOUT = 20_000
/** A failed TLS path may end in any of these; anything else (or a non-CradleError) is a bug. */
const ALLOWED = new Set(['device-handshake-failed', 'device-unplugged', 'device-timeout', 'device-protocol'])

type Behaviour = 'valid' | 'eof-at-hello' | 'reset-at-hello' | 'flight-then-hangup' | 'truncated-flight' | 'mutated-flight' | 'drip-flight' | 'garbage' | 'alert' | 'silence' | 'secure-then-hangup' | 'secure-then-garbage' | 'secure-then-close-notify'
const BEHAVIOURS: Behaviour[] = ['valid', 'valid', 'eof-at-hello', 'reset-at-hello', 'flight-then-hangup', 'flight-then-hangup', 'truncated-flight', 'mutated-flight', 'drip-flight', 'garbage', 'alert', 'silence', 'secure-then-hangup', 'secure-then-garbage', 'secure-then-close-notify']

/** A fatal handshake_failure alert record (TLS 1.2 framing). */
const ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])

let keys: DeviceKeys
let record: PairRecord
let server: net.Server
let tmp: ReturnType<typeof tempSocketPath>
const behaviourOf = new Map<number, Behaviour>()
const seen = new Map<Behaviour, number>()

/** The phone's TLS side after StartSession (or right away on a service port). */
function hostileTls(rng: Rng, socket: net.Socket, b: Behaviour, initial: Buffer): void {
  seen.set(b, (seen.get(b) ?? 0) + 1)
  const firstBytes = (fn: () => void): void => {
    if (initial.length > 0) fn()
    else socket.once('data', fn)
  }
  switch (b) {
    case 'eof-at-hello': return firstBytes(() => socket.end())
    case 'reset-at-hello': return firstBytes(() => socket.destroy()) // unread bytes left: a reset where the socket type has one
    case 'garbage': return firstBytes(() => socket.write(rng.bytes(1 + rng.int(400))))
    case 'alert': return firstBytes(() => socket.end(ALERT))
    case 'silence': socket.resume(); return
    default: break
  }
  // A real TLS server whose output passes through the behaviour's filter.
  let flights = 0
  const out = (chunk: Buffer): void => {
    if (socket.destroyed) return
    flights++
    switch (b) {
      case 'flight-then-hangup': if (flights === 1) { socket.end(chunk, () => socket.destroy()); return } break
      case 'truncated-flight': if (flights === 1) { socket.write(chunk.subarray(0, rng.int(chunk.length))); if (rng.int(2)) socket.end(); return } break
      case 'mutated-flight': if (flights === 1) { socket.write(mutate(rng, chunk)); return } break
      case 'drip-flight': if (flights === 1) {
        let i = 0
        const t = setInterval(() => (i < chunk.length && !socket.destroyed ? socket.write(chunk.subarray(i, (i += 1 + rng.int(40)))) : clearInterval(t)), 1)
        return
      } break
      default: break
    }
    socket.write(chunk)
  }
  const bridge = new Duplex({ read() {}, write(chunk: Buffer, _e, cb) { out(chunk); cb() }, final(cb) { cb() } })
  socket.on('data', (d: Buffer) => bridge.push(d))
  socket.on('end', () => bridge.push(null))
  if (initial.length > 0) bridge.push(initial)
  const t = new tls.TLSSocket(bridge, { isServer: true, cert: keys.certPem, key: keys.privateKeyPem, requestCert: true, rejectUnauthorized: false, ciphers: 'ALL:@SECLEVEL=0', minVersion: 'TLSv1', maxVersion: rng.int(2) ? 'TLSv1.2' : 'TLSv1.3' })
  t.on('error', () => socket.destroy())
  t.once('secure', () => {
    if (b === 'secure-then-hangup') return void socket.destroy()
    if (b === 'secure-then-garbage') return void socket.write(Buffer.concat([Buffer.from([0x17, 0x03, 0x03, 0x00, 0x20]), rng.bytes(32)]))
    if (b === 'secure-then-close-notify') return void t.end()
  })
  // Inside TLS: answer plist requests (GetValue, StopSession) properly.
  let pending: Buffer = Buffer.alloc(0)
  t.on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d])
    for (;;) {
      const frame = decodePlistServiceFrame(pending)
      if ('need' in frame) return
      pending = frame.rest
      t.write(encodePlistServiceFrame({ Request: String(frame.value.Request), Value: 'iPhone' }))
    }
  })
}

beforeAll(async () => {
  keys = await deviceKeys()
  const certs = await generatePairCertificates(keys.publicKeyPem)
  record = newPairRecord(certs, 'BUID')
  tmp = tempSocketPath('hostile-tls')
  server = net.createServer((socket) => {
    socket.on('error', () => undefined)
    // The client writes a one-byte case number first, so the server knows its behaviour.
    socket.once('data', (hello: Buffer) => {
      const i = hello.readUInt16BE(0)
      const b = behaviourOf.get(i)!
      const rng = new Rng(SEED + i * 31) // one connection per case: its answers depend on the case alone
      const service = hello[2] === 1
      const rest = hello.subarray(3)
      if (service) return hostileTls(rng, socket, b, rest)
      // lockdownd: StartSession → EnableSessionSSL, then TLS on the same socket.
      let buf: Buffer = rest
      const onData = (d: Buffer): void => {
        buf = Buffer.concat([buf, d])
        const frame = decodePlistServiceFrame(buf)
        if ('need' in frame) return
        socket.off('data', onData)
        socket.write(encodePlistServiceFrame({ Request: 'StartSession', SessionID: 'S', EnableSessionSSL: true }))
        hostileTls(rng, socket, b, frame.rest)
      }
      socket.on('data', onData)
      if (rest.length > 0) onData(Buffer.alloc(0))
    })
  })
  await new Promise<void>((r) => server.listen(tmp.path, r))
})

afterAll(async () => {
  await new Promise((r) => server.close(r))
  tmp.cleanup()
})

async function connect(i: number, service: boolean): Promise<net.Socket> {
  const socket = net.connect(tmp.path)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const hello = Buffer.alloc(3)
  hello.writeUInt16BE(i, 0)
  hello[2] = service ? 1 : 0
  socket.write(hello)
  return socket
}

/** One client run: a lockdown session (request inside TLS, StopSession) or a service TLS tunnel. */
async function clientCase(i: number, rng: Rng, timeoutMs: number): Promise<void> {
  const runtime = rng.int(2) ? emulateBoringSsl() : undefined
  const creds = { cert: record.HostCertificate, key: record.HostPrivateKey, legacy: rng.int(4) === 0, ...(runtime ? { runtime } : {}) }
  if (i % 3 === 2) {
    const socket = await connect(i, true)
    const { socket: secure, carrier } = await startTls(socket, Buffer.alloc(0), creds, { timeoutMs })
    secure.destroy()
    carrier.detach()
    socket.destroy()
    return
  }
  const lockdown = new LockdownClient(new PlistServiceClient({ stream: await connect(i, false), leftover: Buffer.alloc(0) }, 'lockdownd', { timeoutMs }))
  try {
    await lockdown.startSession(record, { ...(creds.legacy ? { productVersion: '9.3' } : {}), ...(runtime ? { tlsRuntime: runtime } : {}) })
    expect(await lockdown.getValue('DeviceName')).toBe('iPhone')
    await lockdown.stopSession()
  } finally {
    lockdown.close()
  }
}

describe('the TLS path against a hostile phone', () => {
  it(`settles ${CASES} seeded cases with CradleErrors and lets no socket error escape`, async () => {
    const codes = new Map<string, number>()
    let ok = 0
    const run = async (i: number): Promise<void> => {
      const rng = new Rng(SEED * 7 + i)
      const behaviour = rng.pick(BEHAVIOURS)
      behaviourOf.set(i, behaviour)
      const outcome = await clientCase(i, rng, behaviour === 'valid' ? PATIENT_TIMEOUT : TIMEOUT).then(() => 'ok' as const, (error: unknown) => error)
      if (behaviour === 'valid' && outcome !== 'ok') throw new Error(`case ${i} (valid) did not succeed: ${String((outcome as Error)?.stack ?? outcome)}`)
      if (outcome === 'ok') ok++
      else if (outcome instanceof CradleError && ALLOWED.has(outcome.code)) codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1)
      else throw new Error(`case ${i} (${behaviourOf.get(i)}) failed with ${String((outcome as Error)?.stack ?? outcome)}`)
    }
    let next = 0
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < CASES) await run(next++)
    }))
    // Late errors (an EPIPE after the case settled) get a chance to surface before the test ends.
    await new Promise((r) => setImmediate(r))
    const valid = [...behaviourOf.values()].filter((b) => b === 'valid').length
    expect(valid).toBeGreaterThan(CASES / 20) // the valid path, under both rule sets, is a fixed share of the cases
    expect(ok).toBeGreaterThanOrEqual(valid)
    expect(codes.get('device-handshake-failed') ?? 0).toBeGreaterThan(CASES / 10)
    for (const b of BEHAVIOURS) expect(seen.get(b) ?? 0, b).toBeGreaterThan(0)
    console.log(`hostile TLS: ${CASES} cases, ${ok} ok, errors ${JSON.stringify(Object.fromEntries(codes))}`)
  }, 240_000)
})
