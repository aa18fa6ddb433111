import { createHash, randomBytes } from 'node:crypto'
import { PassThrough, Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { AfcClient } from '../../../../src/main/device/afc/afc-client.js'
import { AfcOp } from '../../../../src/main/device/afc/opcodes.js'
import { encodeAfcPacket } from '../../../../src/main/device/afc/packet-codec.js'
import { u64 } from '../../../../src/main/device/afc/payloads.js'
import { AfcStatus } from '../../../../src/main/device/afc/status.js'
import { AfcPeer, type AfcPeerOptions, type Tree } from '../peers/afc-peer.js'
import { socketPair } from '../peers/socket-pair.js'

const big = randomBytes(10 * 1024 * 1024 + 12345)
const tree: Tree = {
  '/DCIM': 'dir',
  '/DCIM/.MISC': 'dir',
  '/DCIM/.MISC/Info.plist': Buffer.from('x'),
  '/DCIM/100APPLE': 'dir',
  '/DCIM/100APPLE/IMG_0001.HEIC': Buffer.from('heic-one'),
  '/DCIM/100APPLE/IMG_0001.MOV': big,
  '/DCIM/100APPLE/.hidden': Buffer.from('h'),
  '/DCIM/101APPLE': 'dir',
  '/DCIM/101APPLE/IMG_0002.JPG': Buffer.from('jpeg-two'),
}

let clients: AfcClient[] = []
afterEach(() => {
  clients.forEach((c) => c.close())
  clients = []
})

async function setup(opts: AfcPeerOptions = {}, t: Tree = tree): Promise<{ afc: AfcClient; peer: AfcPeer }> {
  const [client, server] = await socketPair()
  const peer = new AfcPeer(server, t, opts)
  const afc = new AfcClient({ stream: client, leftover: Buffer.alloc(0) }, { timeoutMs: 2000 })
  clients.push(afc)
  return { afc, peer }
}

function collect(): { sink: PassThrough; bytes: () => Buffer } {
  const sink = new PassThrough()
  const parts: Buffer[] = []
  sink.on('data', (d: Buffer) => parts.push(d))
  return { sink, bytes: () => Buffer.concat(parts) }
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

describe('AFC client: single operations', () => {
  it('lists without . and .., stats with nanosecond times, reads device info', async () => {
    const { afc } = await setup()
    expect(await afc.listDir('/DCIM')).toEqual(['.MISC', '100APPLE', '101APPLE'])
    const st = await afc.stat('/DCIM/100APPLE/IMG_0001.HEIC')
    expect(st).toEqual({ type: 'file', size: 8, mtimeNs: 1700000000123456789n, birthtimeNs: 1690000000987654321n, nlink: 1, blocks: 8 })
    expect((await afc.stat('/DCIM')).type).toBe('dir')
    expect(await afc.statOrNull('/nope')).toBeNull()
    await expect(afc.stat('/nope')).rejects.toMatchObject({ code: 'not-found', context: { afcStatus: 'OBJECT_NOT_FOUND', path: '/nope' } })
    expect(await afc.deviceInfo()).toEqual({ model: 'iPhone16,1', totalBytes: 128e9, freeBytes: 12e9, blockSize: 4096 })
  })

  it('opens, reads, seeks, tells and closes handles', async () => {
    const { afc, peer } = await setup()
    const h = await afc.open('/DCIM/101APPLE/IMG_0002.JPG')
    expect((await afc.read(h, 4)).toString()).toBe('jpeg')
    expect(await afc.tell(h)).toBe(4)
    await afc.seek(h, 1)
    expect((await afc.read(h, 100)).toString()).toBe('peg-two')
    expect((await afc.read(h, 100)).length).toBe(0) // EOF: a 0-byte Data reply
    await afc.closeFile(h)
    expect(peer.handles.size).toBe(0)
  })

  it('matches replies by packet number when they come back out of order', async () => {
    const { afc, peer } = await setup()
    peer.holding = true
    const stats = Promise.all(['/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/101APPLE/IMG_0002.JPG', '/DCIM'].map((p) => afc.stat(p)))
    await expect.poll(() => peer.received).toBe(3)
    peer.release(true)
    expect((await stats).map((s) => s.size)).toEqual([8, 8, 96])
  })
})

describe('AFC client: hostile replies close the connection with device-protocol', () => {
  it.each<[string, (p: { packetNum: bigint }) => Buffer]>([
    ['a reply for a packet never sent', (p) => encodeAfcPacket({ packetNum: p.packetNum + 100n, operation: AfcOp.Data })],
    ['a 2^60-byte length', (p) => { const b = encodeAfcPacket({ packetNum: p.packetNum, operation: AfcOp.Data }); b.writeBigUInt64LE(1n << 60n, 8); return b }],
    ['a bad magic', (p) => { const b = encodeAfcPacket({ packetNum: p.packetNum, operation: AfcOp.Data }); b.write('XXXX', 0); return b }],
    ['the wrong reply type', (p) => encodeAfcPacket({ packetNum: p.packetNum, operation: AfcOp.FileRefTellResult, data: u64(1) })],
    ['an odd key/value list', (p) => encodeAfcPacket({ packetNum: p.packetNum, operation: AfcOp.Data, data: Buffer.from('st_size\0') })],
    ['a non-numeric size', (p) => encodeAfcPacket({ packetNum: p.packetNum, operation: AfcOp.Data, data: Buffer.from('st_size\0lots\0') })],
    ['a Status without a code', (p) => encodeAfcPacket({ packetNum: p.packetNum, operation: AfcOp.Status })],
  ])('%s', async (_name, reply) => {
    const { afc } = await setup({ override: (p) => reply(p) })
    await expect(afc.stat('/DCIM')).rejects.toMatchObject({ code: 'device-protocol' })
    expect(afc.closed).toBe(true)
    await expect(afc.listDir('/DCIM')).rejects.toMatchObject({ code: 'device-protocol' })
  })

  it('fails every pending request with device-timeout when the device stalls', async () => {
    const { afc } = await setup({ override: () => null })
    const [client2, server2] = await socketPair()
    new AfcPeer(server2, tree, { override: () => null })
    const quick = new AfcClient({ stream: client2, leftover: Buffer.alloc(0) }, { timeoutMs: 200 })
    clients.push(quick)
    // The stalled peer never answers: only the client's 200 ms timer can end these requests.
    const results = await Promise.allSettled([quick.stat('/a'), quick.stat('/b')])
    expect(results.map((r) => r.status === 'rejected' && (r.reason as { code: string }).code)).toEqual(['device-timeout', 'device-timeout'])
    afc.close()
  })

  it('says device-unplugged when the tunnel ends mid-request', async () => {
    const { afc, peer } = await setup({ override: () => null })
    const pending = afc.stat('/DCIM')
    await expect.poll(() => peer.received).toBe(1)
    peer.socket.destroy()
    await expect(pending).rejects.toMatchObject({ code: 'device-unplugged' })
  })
})

describe('AFC download', () => {
  it('streams a large file with several reads in flight and the exact bytes', async () => {
    const { afc, peer } = await setup({ delayMs: 1 })
    const { sink, bytes } = collect()
    const progress: number[] = []
    const res = await afc.download('/DCIM/100APPLE/IMG_0001.MOV', sink, { chunkSize: 1024 * 1024, window: 4, onProgress: (d) => progress.push(d) })
    expect(res).toEqual({ size: big.length, bytesWritten: big.length })
    expect(sha(bytes())).toBe(sha(big))
    expect(peer.maxOutstanding).toBeGreaterThanOrEqual(3)
    expect(progress.at(-1)).toBe(big.length)
    expect(peer.handles.size).toBe(0)
  })

  it('resumes from an offset with Seek and the two halves make the file', async () => {
    const { afc, peer } = await setup()
    const first = collect()
    const cut = 3 * 1024 * 1024 + 7
    first.sink.write(big.subarray(0, cut))
    const res = await afc.download('/DCIM/100APPLE/IMG_0001.MOV', first.sink, { offset: cut })
    expect(res.bytesWritten).toBe(big.length - cut)
    expect(sha(first.bytes())).toBe(sha(big))
    expect(peer.ops).toContain(AfcOp.FileRefSeek)
    await expect(afc.download('/DCIM/100APPLE/IMG_0001.MOV', collect().sink, { offset: big.length + 1 })).rejects.toMatchObject({ code: 'invalid-input' })
  })

  it('reports an iCloud-only file as file-not-on-device and keeps the connection usable', async () => {
    const { afc, peer } = await setup({
      openError: { '/DCIM/100APPLE/IMG_0001.HEIC': AfcStatus.READ_ERROR },
      readError: { '/DCIM/101APPLE/IMG_0002.JPG': { status: AfcStatus.IO_ERROR, afterBytes: 0 } },
    })
    await expect(afc.download('/DCIM/100APPLE/IMG_0001.HEIC', collect().sink)).rejects.toMatchObject({ code: 'file-not-on-device' })
    await expect(afc.download('/DCIM/101APPLE/IMG_0002.JPG', collect().sink)).rejects.toMatchObject({ code: 'file-not-on-device' })
    await expect(afc.download('/DCIM/100APPLE/GONE.HEIC', collect().sink)).rejects.toMatchObject({ code: 'file-not-on-device' })
    await expect.poll(() => peer.handles.size).toBe(0) // the read-error handle was closed too
    expect(afc.closed).toBe(false)
    expect(await afc.listDir('/DCIM/101APPLE')).toEqual(['IMG_0002.JPG'])
  })

  it('any other AFC status on one file is that file\'s problem (file-unreadable, status in message and context), never "locked" or the run\'s', async () => {
    const { afc, peer } = await setup({
      openError: { '/DCIM/100APPLE/IMG_0001.HEIC': AfcStatus.UNKNOWN_ERROR, '/DCIM/101APPLE/IMG_0002.JPG': AfcStatus.PERM_DENIED },
      readError: { '/DCIM/100APPLE/IMG_0001.MOV': { status: AfcStatus.NO_RESOURCES, afterBytes: 0 } },
      statError: { '/DCIM/101APPLE/IMG_0002.JPG': AfcStatus.PERM_DENIED },
    })
    await expect(afc.download('/DCIM/100APPLE/IMG_0001.HEIC', collect().sink, { size: 8 })).rejects.toMatchObject({
      code: 'file-unreadable',
      message: 'AFC FileRefOpen /DCIM/100APPLE/IMG_0001.HEIC: UNKNOWN_ERROR (status 1)',
      context: { afcStatus: 'UNKNOWN_ERROR', afcStatusCode: 1, path: '/DCIM/100APPLE/IMG_0001.HEIC' },
    })
    await expect(afc.download('/DCIM/101APPLE/IMG_0002.JPG', collect().sink, { size: 8 })).rejects.toMatchObject({ code: 'file-unreadable', context: { afcStatusCode: 10 } })
    await expect(afc.download('/DCIM/100APPLE/IMG_0001.MOV', collect().sink)).rejects.toMatchObject({ code: 'file-unreadable', context: { afcStatus: 'NO_RESOURCES' } })
    // A resume's seek refused: the file's problem too, named with its path.
    peer.opts.seekError = { '/DCIM/100APPLE/IMG_0001.MOV': AfcStatus.OP_INTERRUPTED }
    delete peer.opts.readError
    await expect(afc.download('/DCIM/100APPLE/IMG_0001.MOV', collect().sink, { offset: 100 })).rejects.toMatchObject({
      code: 'file-unreadable',
      message: 'AFC FileRefSeek /DCIM/100APPLE/IMG_0001.MOV: OP_INTERRUPTED (status 21)',
    })
    // A stat refused for one file: statEach keeps it in that file's slot; statMany fails the batch as before.
    const each = await afc.statEach(['/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/101APPLE/IMG_0002.JPG', '/DCIM/100APPLE/GONE.HEIC'])
    expect(each[0]).toMatchObject({ type: 'file', size: 8 })
    expect(each[1]).toMatchObject({ code: 'file-unreadable', context: { afcStatus: 'PERM_DENIED', path: '/DCIM/101APPLE/IMG_0002.JPG' } })
    expect(each[2]).toBeNull()
    await expect(afc.statMany(['/DCIM/101APPLE/IMG_0002.JPG'])).rejects.toMatchObject({ code: 'file-unreadable' })
    await expect.poll(() => peer.handles.size).toBe(0)
    expect(afc.closed).toBe(false)
  })

  it('a status that says our packet made no sense is framing (device-protocol)', async () => {
    const { afc } = await setup({ openError: { '/DCIM/100APPLE/IMG_0001.HEIC': AfcStatus.OP_HEADER_INVALID, '/DCIM/101APPLE/IMG_0002.JPG': AfcStatus.UNKNOWN_PACKET_TYPE } })
    await expect(afc.download('/DCIM/100APPLE/IMG_0001.HEIC', collect().sink, { size: 8 })).rejects.toMatchObject({ code: 'device-protocol' })
    await expect(afc.download('/DCIM/101APPLE/IMG_0002.JPG', collect().sink, { size: 8 })).rejects.toMatchObject({ code: 'device-protocol' })
  })

  it('checks the byte count against st_size', async () => {
    const { afc } = await setup({ shortBy: { '/DCIM/100APPLE/IMG_0001.MOV': 1000 } })
    await expect(afc.download('/DCIM/100APPLE/IMG_0001.MOV', collect().sink)).rejects.toMatchObject({ code: 'file-not-on-device' })
  })

  it('closes the handle when aborted and leaves the connection usable', async () => {
    const { afc, peer } = await setup({ delayMs: 5 })
    const ac = new AbortController()
    const { sink } = collect()
    const run = afc.download('/DCIM/100APPLE/IMG_0001.MOV', sink, { chunkSize: 256 * 1024, signal: ac.signal, onProgress: (d) => d > 1024 * 1024 && ac.abort() })
    await expect(run).rejects.toMatchObject({ code: 'aborted' })
    await expect.poll(() => peer.handles.size).toBe(0)
    expect(await afc.listDir('/DCIM/101APPLE')).toEqual(['IMG_0002.JPG'])
  })

  it('holds back reads while the sink is full (bounded memory)', async () => {
    const { afc, peer } = await setup()
    let release: (() => void) | undefined
    let written = 0
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        written += chunk.length
        release = () => {
          release = undefined
          cb()
        }
      },
    })
    const run = afc.download('/DCIM/100APPLE/IMG_0001.MOV', slow, { chunkSize: 512 * 1024, window: 2 })
    await expect.poll(() => written).toBeGreaterThan(0)
    // Barrier instead of a sleep: two round trips on the same connection. The peer answers in
    // order, so every read the client sent before them has been answered and handed back to it.
    await afc.stat('/DCIM')
    await afc.stat('/DCIM')
    // One chunk in the sink, at most the window in flight: nothing more was asked for.
    expect(peer.ops.filter((op) => op === AfcOp.FileRefRead).length).toBeLessThanOrEqual(3)
    const pump = setInterval(() => release?.(), 1)
    await run
    clearInterval(pump)
    expect(written).toBe(big.length)
  })

  it('passes a sink error through and still closes the handle', async () => {
    const { afc, peer } = await setup()
    const failing = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('no space'), { code: 'ENOSPC' })) })
    failing.on('error', () => undefined)
    await expect(afc.download('/DCIM/100APPLE/IMG_0001.MOV', failing)).rejects.toMatchObject({ code: 'ENOSPC' })
    await expect.poll(() => peer.handles.size).toBe(0)
  })
})

describe('AFC walk', () => {
  it('lists and stats the tree, skipping dot names, pipelined', async () => {
    const { afc, peer } = await setup({ delayMs: 1 })
    const found: string[] = []
    const res = await afc.walk('/DCIM', { onFile: (e) => found.push(e.path) })
    expect(res.files.map((f) => f.path)).toEqual(['/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/100APPLE/IMG_0001.MOV', '/DCIM/101APPLE/IMG_0002.JPG'])
    expect(res.files[1]!.stat.size).toBe(big.length)
    expect(res.dirs.map((d) => [d.path, d.names])).toEqual([['/DCIM/100APPLE', ['IMG_0001.HEIC', 'IMG_0001.MOV']], ['/DCIM/101APPLE', ['IMG_0002.JPG']]])
    expect(found.sort()).toEqual(res.files.map((f) => f.path))
    expect(peer.maxOutstanding).toBeGreaterThan(1)
  })

  it('leaves out files and folders that vanish between listing and stat', async () => {
    const t: Tree = { ...tree }
    const { afc } = await setup({ override: (p) => (p.operation === AfcOp.ReadDir && Buffer.concat([p.headerPayload, p.data]).includes('101APPLE') ? encodeAfcPacket({ packetNum: p.packetNum, operation: AfcOp.Status, headerPayload: u64(AfcStatus.OBJECT_NOT_FOUND) }) : undefined) }, t)
    delete t['/DCIM/100APPLE/IMG_0001.MOV']
    const res = await afc.walk('/DCIM')
    expect(res.files.map((f) => f.path)).toEqual(['/DCIM/100APPLE/IMG_0001.HEIC'])
    expect(await afc.walk('/NoSuchRoot')).toEqual({ files: [], dirs: [] })
  })

  it('statMany keeps order and gives null for missing paths', async () => {
    const { afc } = await setup()
    const res = await afc.statMany(['/DCIM/101APPLE/IMG_0002.JPG', '/gone', '/DCIM'], { window: 2 })
    expect(res.map((s) => s?.type ?? null)).toEqual(['file', null, 'dir'])
  })

  it('fails the walk with device-unplugged when the tunnel drops', async () => {
    const { afc, peer } = await setup({ delayMs: 30 })
    const run = afc.walk('/DCIM')
    await expect.poll(() => peer.received).toBeGreaterThan(2)
    peer.socket.destroy()
    await expect(run).rejects.toMatchObject({ code: 'device-unplugged' })
  })
})
