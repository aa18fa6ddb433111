/**
 * The device codecs and the capture-date readers against hostile input (issue 13): what the unit
 * tests check for correctness only, timed here. The binary-plist guard refusing a 150-byte
 * "billion laughs" (2^40 values), the seeded codec fuzz (cases per second per codec, including
 * the re-encode round trip), the QuickTime date reader on hostile movie files, and the plist
 * codec's module load and parse speed (of the built dist/; `--before <other worktree>` times that
 * build's codec too, interleaved, each in fresh node processes).
 *
 *   npm run build && npx tsx bench/codecs.bench.ts [--cases 3000] [--runs 5] [--before /path/to/worktree]
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { decodeAfcPacket, encodeAfcPacket } from '../src/main/device/afc/packet-codec.js'
import { AfcOp } from '../src/main/device/afc/opcodes.js'
import { decodeKeyValues, encodeKeyValues, u64 } from '../src/main/device/afc/payloads.js'
import { checkBinaryPlist } from '../src/main/device/plist/bplist-guard.js'
import { decodePlist, encodeBinaryPlist, encodeXmlPlist } from '../src/main/device/plist/plist-codec.js'
import { decodeMuxFrame, encodeMuxFrame } from '../src/main/device/usbmux/frame-codec.js'
import { encodePlistFrame, framePlist } from '../src/main/device/usbmux/messages.js'
import { readQuickTimeDate } from '../src/main/library/quicktime-date.js'
import { Rng, mutate } from '../test/unit/device/peers/fuzz.js'

const { values } = parseArgs({ options: { cases: { type: 'string' }, runs: { type: 'string' }, before: { type: 'string' } } })
const cases = Number(values.cases ?? 3000)
const runs = Number(values.runs ?? 5)

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}
const ms = (x: number): string => `${x.toFixed(2)} ms`

// 1. The billion laughs: 40 arrays of two references to the next, then an integer.
{
  const objects = Array.from({ length: 40 }, (_, i) => [0xa2, i + 1, i + 1])
  objects.push([0x10, 1])
  const offsets: number[] = []
  let off = 8
  for (const o of objects) {
    offsets.push(off)
    off += o.length
  }
  const trailer = Buffer.alloc(32)
  trailer[6] = 1
  trailer[7] = 1
  trailer.writeUInt32BE(objects.length, 12)
  trailer.writeUInt32BE(off, 28)
  const bytes = Buffer.concat([Buffer.from('bplist00'), ...objects.map((o) => Buffer.from(o)), Buffer.from(offsets), trailer])
  const times = Array.from({ length: runs * 20 }, () => {
    const t = performance.now()
    try {
      decodePlist(bytes)
    } catch {
      // refused, as it must be
    }
    return performance.now() - t
  })
  const big = encodeBinaryPlist({ List: Array.from({ length: 20_000 }, (_, i) => ({ n: i, s: `item ${i}` })) })
  const guard = median(Array.from({ length: runs }, () => {
    const t = performance.now()
    checkBinaryPlist(big)
    return performance.now() - t
  }))
  console.log(`bplist guard: billion laughs (${bytes.length} bytes, 2^40 values) refused in median ${ms(median(times))}; a legitimate ${(big.length / 1024).toFixed(0)} KiB plist (an array of 20,000 dicts) checked in ${ms(guard)}`)
}

// 2. Seeded fuzz with round trips, as test/unit/device/fuzz/codec-fuzz.test.ts runs it.
{
  const tryIt = (fn: () => void): void => {
    try {
      fn()
    } catch {
      // device-protocol, the expected refusal
    }
  }
  const fuzzers: [string, Buffer[], (b: Buffer) => void][] = [
    ['usbmux', [encodePlistFrame({ MessageType: 'Result', Number: 0 }, 2), encodePlistFrame({ BUID: 'X' }, 3)], (b) => tryIt(() => {
      const d = decodeMuxFrame(b)
      if ('frame' in d) decodeMuxFrame(encodeMuxFrame(d.frame))
      if ('frame' in d) framePlist(d.frame)
    })],
    ['plist', [encodeXmlPlist({ Request: 'QueryType', Type: 'com.apple.mobile.lockdown' }), encodeBinaryPlist({ a: [[[[1]]]], d: new Date(0), s: 'x' })], (b) => tryIt(() => {
      const v = decodePlist(b)
      decodePlist(encodeBinaryPlist(v))
    })],
    ['AFC', [encodeAfcPacket({ packetNum: 1, operation: AfcOp.Data, data: encodeKeyValues({ st_size: 12, st_ifmt: 'S_IFREG' }) }), encodeAfcPacket({ packetNum: 2, operation: AfcOp.Status, headerPayload: u64(8) })], (b) => tryIt(() => {
      const d = decodeAfcPacket(b)
      if (!('packet' in d)) return
      decodeAfcPacket(encodeAfcPacket(d.packet))
      decodeKeyValues(encodeKeyValues(decodeKeyValues(d.packet.data)))
    })],
  ]
  const figures = fuzzers.map(([name, seeds, run]) => {
    const rng = new Rng(1)
    const inputs = Array.from({ length: cases }, () => {
      let input = rng.pick(seeds)
      for (let m = 0, n = 1 + rng.int(3); m < n; m++) input = mutate(rng, input)
      return input
    })
    const t = performance.now()
    for (const input of inputs) run(input)
    const s = (performance.now() - t) / 1000
    return `${name} ${Math.round(cases / s).toLocaleString('en')}/s`
  })
  console.log(`codec fuzz, ${cases} mutated inputs each (decode + round trip): ${figures.join(', ')}`)
}

// 3. The QuickTime date reader on hostile movies (each must end with null, never hang).
{
  const box = (type: string, ...body: Buffer[]): Buffer => {
    const payload = Buffer.concat(body)
    const head = Buffer.alloc(8)
    head.writeUInt32BE(8 + payload.length)
    head.write(type, 4, 'latin1')
    return Buffer.concat([head, payload])
  }
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4)
    b.writeUInt32BE(n)
    return b
  }
  const hostile: [string, Buffer][] = [
    ['deeply nested moov', (() => {
      let b = box('mvhd', Buffer.alloc(4))
      for (let i = 0; i < 200; i++) b = box('trak', b)
      return box('moov', b)
    })()],
    ['keys with a lying count', box('moov', box('meta', box('hdlr', Buffer.alloc(25)), box('keys', u32(0), u32(0xffffffff), u32(0xffff)), box('ilst')))],
    ['5,000 top-level boxes', Buffer.concat(Array.from({ length: 5000 }, () => box('free')))],
  ]
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-codecs-bench-'))
  try {
    const figures: string[] = []
    for (const [name, bytes] of hostile) {
      const file = path.join(dir, `${name.replace(/\W/g, '_')}.MOV`)
      fs.writeFileSync(file, bytes)
      const times: number[] = []
      for (let i = 0; i < runs; i++) {
        const t = performance.now()
        await readQuickTimeDate(file)
        times.push(performance.now() - t)
      }
      figures.push(`${name} ${ms(median(times))}`)
    }
    console.log(`QuickTime date reader on hostile movies (median of ${runs}): ${figures.join(', ')}`)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

// 4. The plist codec: module load (a fresh node importing the built codec) and parse/write speed
// on the device fixtures, for this build and optionally another, interleaved.
{
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const fixtures = ['listdevices-reply.xml', 'lockdown-getvalue-reply.xml'].map((f) => path.join(root, 'test/fixtures/device', f))
  const child = `
    const t0 = performance.now()
    const c = await import(process.argv[1])
    const load = performance.now() - t0
    const fs = await import('node:fs')
    const out = { load }
    for (const file of process.argv.slice(2)) {
      const xml = fs.readFileSync(file)
      const bin = c.encodeBinaryPlist(c.decodePlist(xml))
      const time = (fn) => { for (let i = 0; i < 200; i++) fn(); const n = 2000, t = performance.now(); for (let i = 0; i < n; i++) fn(); return (performance.now() - t) * 1000 / n }
      const value = c.decodePlist(xml)
      out[file.split('/').pop()] = { xml: time(() => c.decodePlist(xml)), bin: time(() => c.decodePlist(bin)), writeXml: time(() => c.encodeXmlPlist(value)), writeBin: time(() => c.encodeBinaryPlist(value)) }
    }
    console.log(JSON.stringify(out))`
  const builds: [string, string][] = [['after', root]]
  if (values.before) builds.unshift(['before', path.resolve(values.before)])
  const results = new Map<string, Record<string, number | Record<string, number>>[]>()
  for (let r = 0; r < runs; r++) {
    for (const [name, dir] of builds) {
      const codec = pathToFileURL(path.join(dir, 'dist/main/device/plist/plist-codec.js')).href
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', child, codec, ...fixtures], { encoding: 'utf8' })
      results.set(name, [...(results.get(name) ?? []), JSON.parse(out) as Record<string, number | Record<string, number>>])
    }
  }
  const us = (x: number): string => `${x.toFixed(1)} µs`
  for (const [name] of builds) {
    const rs = results.get(name)!
    const parts = [`module load ${ms(median(rs.map((x) => x.load as number)))}`]
    for (const f of fixtures.map((x) => path.basename(x))) {
      const m = (k: string): string => us(median(rs.map((x) => (x[f] as Record<string, number>)[k]!)))
      parts.push(`${f}: read XML ${m('xml')}, read binary ${m('bin')}, write XML ${m('writeXml')}, write binary ${m('writeBin')}`)
    }
    console.log(`plist codec (${name}, median of ${runs} processes): ${parts.join('; ')}`)
  }
}
