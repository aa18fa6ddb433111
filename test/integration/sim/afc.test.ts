import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AfcOp, AfcOpenMode, AfcWhence } from '../../../src/main/device/afc/opcodes.js'
import { AfcStatus } from '../../../src/main/device/afc/status.js'
import { cString, decodeKeyValues, i64, splitCStrings, u64 } from '../../../src/main/device/afc/payloads.js'
import { startSimulator, type Simulator, type VirtualDevice } from '../../../src/sim/index.js'
import { openAfc, statusOf, type AfcTestClient } from './helpers/sim-client.js'

let sim: Simulator
let phone: VirtualDevice
let root: string
let dcim: string
let outside: string
const BIG = 9 * 1024 * 1024 + 12345
let bigBytes: Buffer

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'sim-afc-'))
  dcim = path.join(root, 'DCIM')
  outside = path.join(root, 'secret.txt')
  await fs.mkdir(path.join(dcim, '100APPLE'), { recursive: true })
  await fs.writeFile(outside, 'top secret')
  await fs.writeFile(path.join(dcim, '100APPLE', 'IMG_0001.HEIC'), 'hello world')
  await fs.utimes(path.join(dcim, '100APPLE', 'IMG_0001.HEIC'), 1_600_000_000, 1_600_000_000.5)
  await fs.writeFile(path.join(dcim, '100APPLE', 'IMG_0002.JPG'), 'unreadable placeholder')
  bigBytes = Buffer.alloc(BIG)
  for (let i = 0; i + 4 <= BIG; i += 4) bigBytes.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, i)
  await fs.writeFile(path.join(dcim, '100APPLE', 'IMG_0003.MOV'), bigBytes)
  await fs.symlink(outside, path.join(dcim, '100APPLE', 'escape.JPG'))
  await fs.symlink('IMG_0001.HEIC', path.join(dcim, '100APPLE', 'alias.HEIC'))
  sim = await startSimulator({ devices: [{ dcimDir: dcim, maxHandles: 4, unreadable: { paths: ['/DCIM/100APPLE/IMG_0002.JPG'] } }] })
  phone = sim.devices[0]!
})

afterAll(async () => {
  await sim?.close()
  await fs.rm(root, { recursive: true, force: true })
})

const afc = (): Promise<AfcTestClient> => openAfc(sim.address, phone)

async function open(c: AfcTestClient, p: string, mode: number = AfcOpenMode.RDONLY): Promise<number> {
  const r = await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(mode), cString(p)]))
  if (r.op !== AfcOp.FileRefOpenResult) throw new Error(`open ${p} failed with status ${statusOf(r)}`)
  return Number(r.body.readBigUInt64LE(0))
}

describe('simulated AFC', () => {
  it('lists folders with . and .., and the media root with DCIM', async () => {
    const c = await afc()
    const top = await c.call(AfcOp.ReadDir, cString('/'))
    expect(top.op).toBe(AfcOp.Data)
    expect(splitCStrings(top.body)).toEqual(['.', '..', 'Books', 'DCIM', 'Downloads', 'PhotoData'])
    const dir = await c.call(AfcOp.ReadDir, cString('DCIM/100APPLE/'))
    expect(splitCStrings(dir.body)).toEqual(['.', '..', 'IMG_0001.HEIC', 'IMG_0002.JPG', 'IMG_0003.MOV', 'alias.HEIC', 'escape.JPG'])
    expect(statusOf(await c.call(AfcOp.ReadDir, cString('/DCIM/nope')))).toBe(AfcStatus.OBJECT_NOT_FOUND)
    c.socket.destroy()
  })

  it('reports file info with times in nanoseconds', async () => {
    const c = await afc()
    const info = decodeKeyValues((await c.call(AfcOp.GetFileInfo, cString('/DCIM/100APPLE/IMG_0001.HEIC'))).body)
    expect(info).toMatchObject({ st_size: '11', st_ifmt: 'S_IFREG', st_nlink: '1', st_mtime: '1600000000500000000' })
    expect(Number(info.st_blocks)).toBeGreaterThanOrEqual(0)
    expect(BigInt(info.st_birthtime!)).toBeLessThanOrEqual(BigInt(info.st_mtime!))
    expect(decodeKeyValues((await c.call(AfcOp.GetFileInfo, cString('/DCIM'))).body).st_ifmt).toBe('S_IFDIR')
    expect(decodeKeyValues((await c.call(AfcOp.GetFileInfo, cString('/'))).body).st_ifmt).toBe('S_IFDIR')
    const link = decodeKeyValues((await c.call(AfcOp.GetFileInfo, cString('/DCIM/100APPLE/alias.HEIC'))).body)
    expect(link).toMatchObject({ st_ifmt: 'S_IFLNK', LinkTarget: 'IMG_0001.HEIC' })
    // A missing path: READ_ERROR, which pymobiledevice3 maps to "not found" (protocol.md §4.3).
    expect(statusOf(await c.call(AfcOp.GetFileInfo, cString('/DCIM/100APPLE/IMG_9999.HEIC')))).toBe(AfcStatus.READ_ERROR)
    const dev = decodeKeyValues((await c.call(AfcOp.GetDeviceInfo)).body)
    expect(dev).toMatchObject({ Model: 'iPhone14,5', FSBlockSize: '4096' })
    expect(Number(dev.FSTotalBytes)).toBeGreaterThan(Number(dev.FSFreeBytes))
    c.socket.destroy()
  })

  it('opens, reads at most what was asked, seeks, tells, and ends with a 0-byte Data reply', async () => {
    const c = await afc()
    const h = await open(c, '/DCIM/100APPLE/IMG_0001.HEIC')
    const r1 = await c.call(AfcOp.FileRefRead, u64(h, 5))
    expect(r1.op).toBe(AfcOp.Data)
    expect(r1.body.toString()).toBe('hello')
    expect((await c.call(AfcOp.FileRefTell, u64(h))).body.readBigUInt64LE(0)).toBe(5n)
    expect(statusOf(await c.call(AfcOp.FileRefSeek, Buffer.concat([u64(h, AfcWhence.CUR), i64(1)])))).toBe(0)
    expect((await c.call(AfcOp.FileRefRead, u64(h, 100))).body.toString()).toBe('world')
    const eof = await c.call(AfcOp.FileRefRead, u64(h, 100))
    expect(eof.op).toBe(AfcOp.Data)
    expect(eof.body.length).toBe(0)
    expect(statusOf(await c.call(AfcOp.FileRefSeek, Buffer.concat([u64(h, AfcWhence.END), i64(-5)])))).toBe(0)
    expect((await c.call(AfcOp.FileRefRead, u64(h, 100))).body.toString()).toBe('world')
    expect(statusOf(await c.call(AfcOp.FileRefSeek, Buffer.concat([u64(h, AfcWhence.SET), i64(-1)])))).toBe(AfcStatus.INVALID_ARG)
    expect(statusOf(await c.call(AfcOp.FileRefClose, u64(h)))).toBe(0)
    expect(statusOf(await c.call(AfcOp.FileRefRead, u64(h, 1)))).toBe(AfcStatus.INVALID_ARG)
    c.socket.destroy()
  })

  it('serves large reads (4 MiB and a capped 16 MiB request) byte-exactly', async () => {
    const c = await afc()
    const h = await open(c, '/DCIM/100APPLE/IMG_0003.MOV')
    const a = await c.call(AfcOp.FileRefRead, u64(h, 4 * 1024 * 1024))
    expect(a.body.length).toBe(4 * 1024 * 1024)
    expect(a.thisLength).toBe(40) // file bytes travel as data after the header
    const b = await c.call(AfcOp.FileRefRead, u64(h, 16 * 1024 * 1024))
    expect(b.body.length).toBe(BIG - 4 * 1024 * 1024) // ≤ 8 MiB cap, and only what is left
    const got = Buffer.concat([a.body, b.body])
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(bigBytes).digest('hex'))
    c.socket.destroy()
  })

  it('answers pipelined requests in order with their packet numbers', async () => {
    const c = await afc()
    const h = await open(c, '/DCIM/100APPLE/IMG_0003.MOV')
    const sent: { n: bigint; op: number }[] = []
    for (let i = 0; i < 60; i++) {
      if (i % 3 === 0) sent.push({ n: c.send(AfcOp.FileRefRead, u64(h, 256 * 1024)), op: AfcOp.Data })
      else if (i % 3 === 1) sent.push({ n: c.send(AfcOp.GetFileInfo, cString('/DCIM/100APPLE/IMG_0001.HEIC')), op: AfcOp.Data })
      else sent.push({ n: c.send(AfcOp.FileRefTell, u64(h)), op: AfcOp.FileRefTellResult })
    }
    let offset = 0
    for (const s of sent) {
      const r = await c.receive()
      expect(r.packetNum).toBe(s.n)
      expect(r.op).toBe(s.op)
      if (r.op === AfcOp.Data && r.body.length === 256 * 1024) {
        expect(r.body.equals(bigBytes.subarray(offset, offset + r.body.length))).toBe(true)
        offset += r.body.length
      }
    }
    expect(offset).toBe(20 * 256 * 1024)
    c.socket.destroy()
  })

  it('overlaps pipelined reads yet returns consecutive ranges, then 0-byte EOF replies', async () => {
    const c = await afc()
    const h = await open(c, '/DCIM/100APPLE/IMG_0003.MOV')
    const sent = Array.from({ length: 12 }, () => c.send(AfcOp.FileRefRead, u64(h, 1024 * 1024)))
    const parts: Buffer[] = []
    for (const n of sent) {
      const r = await c.receive()
      expect(r.packetNum).toBe(n)
      expect(r.op).toBe(AfcOp.Data)
      parts.push(r.body)
    }
    expect(parts.map((p) => p.length)).toEqual([...Array(9).fill(1024 * 1024), 12345, 0, 0])
    expect(Buffer.concat(parts).equals(bigBytes)).toBe(true)
    expect((await c.call(AfcOp.FileRefTell, u64(h))).body.readBigUInt64LE(0)).toBe(BigInt(BIG))
    c.socket.destroy()
  })

  it('refuses writes, removals and new folders under DCIM', async () => {
    const c = await afc()
    for (const mode of [AfcOpenMode.RW, AfcOpenMode.WRONLY, AfcOpenMode.WR, AfcOpenMode.APPEND, AfcOpenMode.RDAPPEND]) {
      expect(statusOf(await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(mode), cString('/DCIM/100APPLE/IMG_0001.HEIC')])))).toBe(AfcStatus.PERM_DENIED)
    }
    expect(statusOf(await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(AfcOpenMode.WRONLY), cString('/DCIM/100APPLE/NEW.JPG')])))).toBe(AfcStatus.PERM_DENIED)
    expect(statusOf(await c.call(AfcOp.RemovePath, cString('/DCIM/100APPLE/IMG_0001.HEIC')))).toBe(AfcStatus.PERM_DENIED)
    expect(statusOf(await c.call(AfcOp.MakeDir, cString('/DCIM/999APPLE')))).toBe(AfcStatus.PERM_DENIED)
    await expect(fs.stat(path.join(dcim, '100APPLE', 'IMG_0001.HEIC'))).resolves.toBeDefined()
    await expect(fs.stat(path.join(dcim, '999APPLE'))).rejects.toThrow()
    expect(statusOf(await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(AfcOpenMode.RDONLY), cString('/DCIM/100APPLE/missing.JPG')])))).toBe(AfcStatus.OBJECT_NOT_FOUND)
    expect(statusOf(await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(AfcOpenMode.RDONLY), cString('/DCIM/100APPLE')])))).toBe(AfcStatus.OBJECT_IS_DIR)
    expect(statusOf(await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(9), cString('/DCIM/100APPLE/IMG_0001.HEIC')])))).toBe(AfcStatus.INVALID_ARG)
    c.socket.destroy()
  })

  it('makes escaping the served root impossible (.. and symlinks out)', async () => {
    const c = await afc()
    for (const p of ['/DCIM/../../secret.txt', '../secret.txt', '/../../../../etc/passwd', 'DCIM/100APPLE/../../../secret.txt']) {
      expect(statusOf(await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(AfcOpenMode.RDONLY), cString(p)])))).toBe(AfcStatus.PERM_DENIED)
      expect(statusOf(await c.call(AfcOp.ReadDir, cString(p)))).toBe(AfcStatus.PERM_DENIED)
      expect(statusOf(await c.call(AfcOp.GetFileInfo, cString(p)))).toBe(AfcStatus.PERM_DENIED)
    }
    expect(statusOf(await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(AfcOpenMode.RDONLY), cString('/DCIM/100APPLE/escape.JPG')])))).toBe(AfcStatus.PERM_DENIED)
    // ".." that stays inside is fine, and so is a symlink that stays inside.
    const h = await open(c, '/DCIM/100APPLE/../100APPLE/alias.HEIC')
    expect((await c.call(AfcOp.FileRefRead, u64(h, 100))).body.toString()).toBe('hello world')
    c.socket.destroy()
  })

  it('lists unreadable (iCloud-only) files with their size but fails the read', async () => {
    const c = await afc()
    const info = decodeKeyValues((await c.call(AfcOp.GetFileInfo, cString('/DCIM/100APPLE/IMG_0002.JPG'))).body)
    expect(info.st_size).toBe('22')
    const h = await open(c, '/DCIM/100APPLE/IMG_0002.JPG')
    expect(statusOf(await c.call(AfcOp.FileRefRead, u64(h, 100)))).toBe(AfcStatus.READ_ERROR)
    await c.call(AfcOp.FileRefClose, u64(h))
    phone.setUnreadable({ paths: ['/DCIM/100APPLE/IMG_0002.JPG'], failOn: 'open', status: AfcStatus.IO_ERROR })
    expect(statusOf(await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(AfcOpenMode.RDONLY), cString('/DCIM/100APPLE/IMG_0002.JPG')])))).toBe(AfcStatus.IO_ERROR)
    phone.setUnreadable({ paths: ['/DCIM/100APPLE/IMG_0002.JPG'] })
    c.socket.destroy()
  })

  it('gives each unreadable file its own AFC status at its own stage (stat, open, read, seek)', async () => {
    const c = await afc()
    const heic = '/DCIM/100APPLE/IMG_0001.HEIC'
    const jpg = '/DCIM/100APPLE/IMG_0002.JPG'
    const mov = '/DCIM/100APPLE/IMG_0003.MOV'
    phone.setUnreadable({ files: { [heic]: { failOn: 'stat', status: AfcStatus.UNKNOWN_ERROR }, [jpg]: { failOn: 'open', status: AfcStatus.PERM_DENIED } } })
    phone.addUnreadable({ [mov]: { failOn: 'seek', status: 33 } })
    expect(statusOf(await c.call(AfcOp.GetFileInfo, cString(heic)))).toBe(AfcStatus.UNKNOWN_ERROR)
    expect(statusOf(await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(AfcOpenMode.RDONLY), cString(jpg)])))).toBe(AfcStatus.PERM_DENIED)
    // A seek rule: open and plain reads work; only the resume's FileRefSeek fails.
    const h = await open(c, mov)
    expect((await c.call(AfcOp.FileRefRead, u64(h, 4))).body).toEqual(bigBytes.subarray(0, 4))
    expect(statusOf(await c.call(AfcOp.FileRefSeek, Buffer.concat([u64(h, AfcWhence.SET), i64(100)])))).toBe(33)
    await c.call(AfcOp.FileRefClose, u64(h))
    // A read rule with any status; the file still stats with its size.
    phone.setUnreadable({ files: { [heic]: { failOn: 'read', status: AfcStatus.OBJECT_NOT_FOUND } } })
    expect(decodeKeyValues((await c.call(AfcOp.GetFileInfo, cString(heic))).body).st_size).toBe('11')
    const h2 = await open(c, heic)
    expect(statusOf(await c.call(AfcOp.FileRefRead, u64(h2, 100)))).toBe(AfcStatus.OBJECT_NOT_FOUND)
    await c.call(AfcOp.FileRefClose, u64(h2))
    phone.setUnreadable({ paths: [jpg] })
    c.socket.destroy()
  })

  it('with data protection on, a locked phone refuses to open DCIM files (PERM_DENIED) until unlocked', async () => {
    const c = await afc()
    const heic = '/DCIM/100APPLE/IMG_0001.HEIC'
    phone.lock()
    expect((await c.call(AfcOp.FileRefRead, u64(await open(c, heic), 100))).body.toString()).toBe('hello world') // off by default
    phone.setDataProtection(true)
    expect(statusOf(await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(AfcOpenMode.RDONLY), cString(heic)])))).toBe(AfcStatus.PERM_DENIED)
    expect(decodeKeyValues((await c.call(AfcOp.GetFileInfo, cString(heic))).body).st_size).toBe('11')
    phone.unlock()
    expect((await c.call(AfcOp.FileRefRead, u64(await open(c, heic), 100))).body.toString()).toBe('hello world')
    phone.setDataProtection(false)
    c.socket.destroy()
  })

  it('refuses more open files than its slots ("No file slots" → NO_RESOURCES)', async () => {
    const c = await afc()
    const handles = [] as number[]
    for (let i = 0; i < 4; i++) handles.push(await open(c, '/DCIM/100APPLE/IMG_0001.HEIC'))
    expect(new Set(handles).size).toBe(4)
    expect(statusOf(await c.call(AfcOp.FileRefOpen, Buffer.concat([u64(AfcOpenMode.RDONLY), cString('/DCIM/100APPLE/IMG_0001.HEIC')])))).toBe(AfcStatus.NO_RESOURCES)
    await c.call(AfcOp.FileRefClose, u64(handles[0]!))
    await expect(open(c, '/DCIM/100APPLE/IMG_0001.HEIC')).resolves.toBeGreaterThan(0)
    // A new connection has its own slots; closing the socket frees the old ones.
    c.socket.destroy()
    const d = await afc()
    await expect(open(d, '/DCIM/100APPLE/IMG_0001.HEIC')).resolves.toBeGreaterThan(0)
    d.socket.destroy()
  })

  it('answers unknown and unserved opcodes with a status, and hangs up on a bad magic', async () => {
    const c = await afc()
    expect(statusOf(await c.call(0x7777))).toBe(AfcStatus.UNKNOWN_PACKET_TYPE)
    expect(statusOf(await c.call(AfcOp.RenamePath, Buffer.concat([cString('/a'), cString('/b')])))).toBe(AfcStatus.OP_NOT_SUPPORTED)
    expect(statusOf(await c.call(AfcOp.ReadDir, Buffer.from('no terminator')))).toBe(AfcStatus.INVALID_ARG)
    c.socket.write(Buffer.alloc(80, 0x41))
    await c.reader.readToEnd(5000)
    const d = await afc()
    expect((await d.call(AfcOp.GetDeviceInfo)).op).toBe(AfcOp.Data)
    d.socket.destroy()
  })

  it('lets crashreportcopymobile write and remove in its folder', async () => {
    const c = await openAfc(sim.address, phone, 'com.apple.crashreportcopymobile')
    const h = await open(c, '/test.ips', AfcOpenMode.WR)
    // FileRefWrite: the handle is the header payload, the bytes follow as data.
    expect(statusOf(await c.call(AfcOp.FileRefWrite, u64(h), Buffer.from('crash!')))).toBe(0)
    await c.call(AfcOp.FileRefClose, u64(h))
    expect(await fs.readFile(path.join(phone.crashDir, 'test.ips'), 'utf8')).toBe('crash!')
    expect(statusOf(await c.call(AfcOp.RemovePath, cString('test.ips')))).toBe(0)
    await expect(fs.stat(path.join(phone.crashDir, 'test.ips'))).rejects.toThrow()
    expect(statusOf(await c.call(AfcOp.MakeDir, cString('/Retired/a/b')))).toBe(0)
    expect(statusOf(await c.call(AfcOp.RemovePath, cString('/Retired')))).toBe(AfcStatus.DIR_NOT_EMPTY)
    c.socket.destroy()
  })
})
