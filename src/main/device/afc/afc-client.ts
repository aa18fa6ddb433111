/**
 * AFC operations a photo puller needs (protocol.md §4): list, stat, device info, and reading
 * files through handles (open/read/seek/tell/close). Read-only on purpose: a backup tool must
 * not write or delete in DCIM (§5). Bulk helpers (walk, statMany, download) live beside it and
 * pipeline these calls.
 */
import type { Writable } from 'node:stream'
import { CradleError } from '../../../shared/errors.js'
import type { Channel } from '../io/channel.js'
import { protocolError } from '../protocol-error.js'
import { AfcConnection, replyBody, type AfcReply } from './afc-connection.js'
import { afcError, type AfcAction } from './afc-errors.js'
import { downloadFile, type DownloadOptions, type DownloadResult } from './afc-download.js'
import { statPaths, statPathsEach, walkTree, type AfcEntry, type WalkOptions, type WalkResult } from './afc-walk.js'
import { AfcOp, AfcOpenMode, AfcWhence } from './opcodes.js'
import { cString, decodeKeyValues, i64, readU64, splitCStrings, u64 } from './payloads.js'
import { AfcStatus } from './status.js'

export type AfcFileType = 'file' | 'dir' | 'link' | 'other'

export interface AfcStat {
  type: AfcFileType
  size: number
  /** Nanoseconds since the Unix epoch (st_mtime / st_birthtime are ns, protocol.md §4.4). */
  mtimeNs: bigint
  birthtimeNs: bigint
  nlink?: number
  blocks?: number
  linkTarget?: string
}

export interface AfcDeviceInfo {
  model?: string
  totalBytes?: number
  freeBytes?: number
  blockSize?: number
}

const TYPES: Record<string, AfcFileType> = { S_IFREG: 'file', S_IFDIR: 'dir', S_IFLNK: 'link' }
const DIGITS = /^\d{1,20}$/

function decimal(text: string | undefined, key: string): number | undefined {
  if (text === undefined) return undefined
  if (!DIGITS.test(text)) throw protocolError(`AFC ${key} is not a number: ${text.slice(0, 40)}`)
  const n = Number(text)
  if (!Number.isSafeInteger(n)) throw protocolError(`AFC ${key} is too large: ${text}`)
  return n
}

function nanos(text: string | undefined, key: string): bigint {
  if (text === undefined) return 0n
  if (!DIGITS.test(text)) throw protocolError(`AFC ${key} is not a number: ${text.slice(0, 40)}`)
  return BigInt(text)
}

/** GetFileInfo key/values → AfcStat; unknown keys are ignored, a missing st_size is an error. */
export function parseAfcStat(kv: Record<string, string>): AfcStat {
  const size = decimal(kv.st_size, 'st_size')
  if (size === undefined) throw protocolError('AFC GetFileInfo without st_size')
  const mtimeNs = nanos(kv.st_mtime, 'st_mtime')
  const stat: AfcStat = {
    type: TYPES[kv.st_ifmt ?? ''] ?? 'other',
    size,
    mtimeNs,
    birthtimeNs: kv.st_birthtime === undefined ? mtimeNs : nanos(kv.st_birthtime, 'st_birthtime'),
  }
  const nlink = decimal(kv.st_nlink, 'st_nlink')
  const blocks = decimal(kv.st_blocks, 'st_blocks')
  if (nlink !== undefined) stat.nlink = nlink
  if (blocks !== undefined) stat.blocks = blocks
  if (kv.LinkTarget !== undefined) stat.linkTarget = kv.LinkTarget
  return stat
}

export class AfcClient {
  readonly conn: AfcConnection

  constructor(channel: Channel, opts: { timeoutMs?: number } = {}) {
    this.conn = new AfcConnection(channel, opts)
  }

  get closed(): boolean {
    return this.conn.closed
  }

  /** Sends one request and checks the reply type; a Status reply with an error code throws. */
  async call(op: number, payload: Buffer, expect: number, what: { name: string; action: AfcAction; path?: string }, signal?: AbortSignal): Promise<Buffer> {
    return replyBody(await this.callRaw(op, payload, expect, what, signal))
  }

  /** As call(), keeping a large body in the pieces it arrived in (no copy). */
  async callRaw(op: number, payload: Buffer, expect: number, what: { name: string; action: AfcAction; path?: string }, signal?: AbortSignal): Promise<AfcReply> {
    const reply: AfcReply = await this.conn.request(op, payload, signal)
    if (reply.operation === AfcOp.Status) {
      const status = this.parse(() => readU64(replyBody(reply)))
      if (status === AfcStatus.SUCCESS && expect === AfcOp.Status) return reply
      if (status === AfcStatus.SUCCESS) throw this.protocol(`AFC ${what.name} answered Status SUCCESS instead of data`)
      throw afcError(status, what.name, what.action, what.path)
    }
    if (reply.operation !== expect) throw this.protocol(`AFC ${what.name} answered operation ${reply.operation}, expected ${expect}`)
    return reply
  }

  /** Runs a reply parser; a malformed reply closes the connection (its state is now unknown). */
  parse<T>(fn: () => T): T {
    try {
      return fn()
    } catch (error) {
      if (error instanceof CradleError && error.code === 'device-protocol') this.conn.close(error)
      throw error
    }
  }

  /** Names in a directory, without "." and "..". */
  async listDir(path: string, signal?: AbortSignal): Promise<string[]> {
    const body = await this.call(AfcOp.ReadDir, cString(path), AfcOp.Data, { name: 'ReadDir', action: 'lookup', path }, signal)
    return this.parse(() => splitCStrings(body)).filter((n) => n !== '.' && n !== '..' && n !== '')
  }

  async stat(path: string, signal?: AbortSignal): Promise<AfcStat> {
    const body = await this.call(AfcOp.GetFileInfo, cString(path), AfcOp.Data, { name: 'GetFileInfo', action: 'lookup', path }, signal)
    return this.parse(() => parseAfcStat(decodeKeyValues(body)))
  }

  /** stat, or null when the path does not exist (OBJECT_NOT_FOUND / READ_ERROR). */
  async statOrNull(path: string, signal?: AbortSignal): Promise<AfcStat | null> {
    try {
      return await this.stat(path, signal)
    } catch (error) {
      if (error instanceof CradleError && error.code === 'not-found') return null
      throw error
    }
  }

  /** Stats many paths with up to `window` requests in flight; null where a file vanished. */
  statMany(paths: readonly string[], opts: { signal?: AbortSignal; window?: number } = {}): Promise<(AfcStat | null)[]> {
    return statPaths(this, paths, opts)
  }

  /**
   * As statMany, but a path the phone refuses with any other AFC status comes back as its
   * 'file-unreadable' CradleError instead of failing the batch: one file's problem stays its own.
   */
  statEach(paths: readonly string[], opts: { signal?: AbortSignal; window?: number } = {}): Promise<(AfcStat | CradleError | null)[]> {
    return statPathsEach(this, paths, opts)
  }

  /** Lists and stats a whole tree (e.g. /DCIM) with pipelining, skipping dot names. */
  walk(root: string, opts: WalkOptions = {}): Promise<WalkResult> {
    return walkTree(this, root, opts)
  }

  async deviceInfo(signal?: AbortSignal): Promise<AfcDeviceInfo> {
    const body = await this.call(AfcOp.GetDeviceInfo, Buffer.alloc(0), AfcOp.Data, { name: 'GetDeviceInfo', action: 'lookup' }, signal)
    const kv = this.parse(() => decodeKeyValues(body))
    const info: AfcDeviceInfo = {}
    if (kv.Model !== undefined) info.model = kv.Model
    const [total, free, block] = this.parse(() => [decimal(kv.FSTotalBytes, 'FSTotalBytes'), decimal(kv.FSFreeBytes, 'FSFreeBytes'), decimal(kv.FSBlockSize, 'FSBlockSize')])
    if (total !== undefined) info.totalBytes = total
    if (free !== undefined) info.freeBytes = free
    if (block !== undefined) info.blockSize = block
    return info
  }

  /** Opens a file read-only; returns the handle. */
  async open(path: string, signal?: AbortSignal): Promise<number> {
    const body = await this.call(AfcOp.FileRefOpen, Buffer.concat([u64(AfcOpenMode.RDONLY), cString(path)]), AfcOp.FileRefOpenResult, { name: 'FileRefOpen', action: 'file', path }, signal)
    return this.parse(() => readU64(body))
  }

  /** Up to `length` bytes from the handle's position; an empty Buffer at end of file. */
  read(handle: number, length: number, signal?: AbortSignal, path?: string): Promise<Buffer> {
    return this.call(AfcOp.FileRefRead, u64(handle, length), AfcOp.Data, { name: 'FileRefRead', action: 'file', ...(path ? { path } : {}) }, signal)
  }

  /** read() as the received pieces (no copy), for streaming large files. */
  async readChunks(handle: number, length: number, signal?: AbortSignal, path?: string): Promise<{ chunks: Buffer[]; length: number }> {
    const reply = await this.callRaw(AfcOp.FileRefRead, u64(handle, length), AfcOp.Data, { name: 'FileRefRead', action: 'file', ...(path ? { path } : {}) }, signal)
    return { chunks: reply.chunks, length: reply.length }
  }

  async seek(handle: number, offset: number, whence: number = AfcWhence.SET, signal?: AbortSignal, path?: string): Promise<void> {
    await this.call(AfcOp.FileRefSeek, Buffer.concat([u64(handle, whence), i64(offset)]), AfcOp.Status, { name: 'FileRefSeek', action: 'file', ...(path ? { path } : {}) }, signal)
  }

  async tell(handle: number, signal?: AbortSignal): Promise<number> {
    const body = await this.call(AfcOp.FileRefTell, u64(handle), AfcOp.FileRefTellResult, { name: 'FileRefTell', action: 'file' }, signal)
    return this.parse(() => readU64(body))
  }

  async closeFile(handle: number, signal?: AbortSignal): Promise<void> {
    await this.call(AfcOp.FileRefClose, u64(handle), AfcOp.Status, { name: 'FileRefClose', action: 'file' }, signal)
  }

  /**
   * Streams a file into `sink` (not ended: the caller owns it), from `offset` on, with
   * pipelined large reads, backpressure and a byte count checked against st_size.
   */
  download(path: string, sink: Writable, opts: DownloadOptions = {}): Promise<DownloadResult> {
    return downloadFile(this, path, sink, opts)
  }

  close(): void {
    this.conn.close()
  }

  private protocol(detail: string): CradleError {
    const error = protocolError(detail)
    this.conn.close(error)
    return error
  }
}

export type { AfcEntry, DownloadOptions, DownloadResult, WalkOptions, WalkResult }
