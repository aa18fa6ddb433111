/**
 * A scripted AFC service for unit tests, written from protocol.md §4: an in-memory tree, file
 * handles with positions, Status errors, optional reply delay, holding replies (to see how many
 * requests the client pipelines) and answering a held batch in reverse order. The full virtual
 * iPhone (src/sim) is what the integration tests use.
 */
import type { Duplex } from 'node:stream'
import { AfcOp } from '../../../../src/main/device/afc/opcodes.js'
import { decodeAfcPacket, encodeAfcPacket, type AfcPacket } from '../../../../src/main/device/afc/packet-codec.js'
import { encodeKeyValues, joinCStrings, readPath, u64 } from '../../../../src/main/device/afc/payloads.js'
import { AfcStatus } from '../../../../src/main/device/afc/status.js'

export type Tree = Record<string, Buffer | 'dir'>

export interface AfcPeerOptions {
  delayMs?: number
  /** Paths whose open fails with this status (e.g. READ_ERROR for iCloud-only files). */
  openError?: Record<string, number>
  /** Paths whose FileRefSeek fails with this status. */
  seekError?: Record<string, number>
  /** Paths whose GetFileInfo fails with this status. */
  statError?: Record<string, number>
  /** Paths whose reads fail with this status after `afterBytes`. */
  readError?: Record<string, { status: number; afterBytes: number }>
  /** Paths whose contents end early (EOF before st_size). */
  shortBy?: Record<string, number>
  /** Replace the reply to a request (raw bytes, or null to stay silent). */
  override?: (p: AfcPacket) => Buffer | null | undefined
}

export class AfcPeer {
  readonly handles = new Map<number, { path: string; pos: number }>()
  readonly ops: number[] = []
  received = 0
  answered = 0
  maxOutstanding = 0
  holding = false
  private held: { p: AfcPacket; reply: Buffer | null }[] = []
  private nextHandle = 1
  private buf: Buffer = Buffer.alloc(0)

  constructor(readonly socket: Duplex, readonly tree: Tree, readonly opts: AfcPeerOptions = {}) {
    socket.on('error', () => undefined)
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk])
      for (;;) {
        const d = decodeAfcPacket(this.buf)
        if ('need' in d) return
        this.buf = d.rest
        this.handle(d.packet)
      }
    })
  }

  /** Sends every held reply, in order or reversed. */
  release(reverse = false): void {
    const batch = reverse ? this.held.reverse() : this.held
    this.held = []
    this.holding = false
    for (const { reply } of batch) this.send(reply)
  }

  private send(reply: Buffer | null): void {
    this.answered++
    if (reply && !this.socket.destroyed) this.socket.write(reply)
  }

  private handle(p: AfcPacket): void {
    this.received++
    this.ops.push(p.operation)
    this.maxOutstanding = Math.max(this.maxOutstanding, this.received - this.answered)
    const custom = this.opts.override?.(p)
    const reply = custom !== undefined ? custom : this.answer(p)
    if (this.holding) this.held.push({ p, reply })
    else if (this.opts.delayMs) setTimeout(() => this.send(reply), this.opts.delayMs)
    else this.send(reply)
  }

  private status(p: AfcPacket, code: number): Buffer {
    return encodeAfcPacket({ packetNum: p.packetNum, operation: AfcOp.Status, headerPayload: u64(code) })
  }

  private data(p: AfcPacket, data: Buffer, op: number = AfcOp.Data): Buffer {
    return encodeAfcPacket({ packetNum: p.packetNum, operation: op, data })
  }

  private answer(p: AfcPacket): Buffer {
    const body = Buffer.concat([p.headerPayload, p.data])
    switch (p.operation) {
      case AfcOp.ReadDir: {
        const dir = readPath(body)
        if (this.tree[dir] !== 'dir') return this.status(p, AfcStatus.OBJECT_NOT_FOUND)
        const prefix = dir.endsWith('/') ? dir : `${dir}/`
        const names = Object.keys(this.tree).filter((k) => k.startsWith(prefix) && k.length > prefix.length && !k.slice(prefix.length).includes('/')).map((k) => k.slice(prefix.length))
        return this.data(p, joinCStrings(['.', '..', ...names]))
      }
      case AfcOp.GetFileInfo: {
        const path = readPath(body)
        const node = this.tree[path]
        const serr = this.opts.statError?.[path]
        if (serr !== undefined) return this.status(p, serr)
        if (node === undefined) return this.status(p, AfcStatus.OBJECT_NOT_FOUND)
        const isDir = node === 'dir'
        return this.data(p, encodeKeyValues({ st_size: isDir ? 96 : node.length, st_blocks: 8, st_nlink: 1, st_ifmt: isDir ? 'S_IFDIR' : 'S_IFREG', st_mtime: '1700000000123456789', st_birthtime: '1690000000987654321' }))
      }
      case AfcOp.GetDeviceInfo:
        return this.data(p, encodeKeyValues({ Model: 'iPhone16,1', FSTotalBytes: 128e9, FSFreeBytes: 12e9, FSBlockSize: 4096 }))
      case AfcOp.FileRefOpen: {
        const path = readPath(body, 8)
        const err = this.opts.openError?.[path]
        if (err !== undefined) return this.status(p, err)
        if (!Buffer.isBuffer(this.tree[path])) return this.status(p, AfcStatus.OBJECT_NOT_FOUND)
        const h = this.nextHandle++
        this.handles.set(h, { path, pos: 0 })
        return this.data(p, u64(h), AfcOp.FileRefOpenResult)
      }
      case AfcOp.FileRefRead: {
        const h = this.handles.get(Number(body.readBigUInt64LE(0)))
        if (!h) return this.status(p, AfcStatus.INVALID_ARG)
        const want = Number(body.readBigUInt64LE(8))
        const file = this.tree[h.path] as Buffer
        const end = file.length - (this.opts.shortBy?.[h.path] ?? 0)
        const rerr = this.opts.readError?.[h.path]
        if (rerr && h.pos >= rerr.afterBytes) return this.status(p, rerr.status)
        const chunk = file.subarray(h.pos, Math.min(end, h.pos + want))
        h.pos += chunk.length
        return this.data(p, chunk)
      }
      case AfcOp.FileRefSeek: {
        const h = this.handles.get(Number(body.readBigUInt64LE(0)))
        if (!h) return this.status(p, AfcStatus.INVALID_ARG)
        const serr = this.opts.seekError?.[h.path]
        if (serr !== undefined) return this.status(p, serr)
        const whence = Number(body.readBigUInt64LE(8))
        const off = Number(body.readBigInt64LE(16))
        const size = (this.tree[h.path] as Buffer).length
        h.pos = whence === 0 ? off : whence === 1 ? h.pos + off : size + off
        return this.status(p, AfcStatus.SUCCESS)
      }
      case AfcOp.FileRefTell: {
        const h = this.handles.get(Number(body.readBigUInt64LE(0)))
        return h ? this.data(p, u64(h.pos), AfcOp.FileRefTellResult) : this.status(p, AfcStatus.INVALID_ARG)
      }
      case AfcOp.FileRefClose: {
        const ok = this.handles.delete(Number(body.readBigUInt64LE(0)))
        return this.status(p, ok ? AfcStatus.SUCCESS : AfcStatus.INVALID_ARG)
      }
      default:
        return this.status(p, AfcStatus.UNKNOWN_PACKET_TYPE)
    }
  }
}
