/**
 * One AFC connection's state and operations (protocol.md §4): directory listing, file info,
 * device info, file handles (open/read/seek/tell/close, and writes outside read-only mounts).
 * Each operation returns the reply to send; the wire loop (afc-server.ts) keeps them in order.
 * Choices where the sources are silent are marked "choice" and listed in src/sim/README.md.
 */
import { lstatSync, promises as fs, type Stats } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { AfcOp, AfcOpenMode, AfcWhence } from '../../main/device/afc/opcodes.js'
import { AfcStatus } from '../../main/device/afc/status.js'
import { encodeKeyValues, joinCStrings, readPath, readU64, u64 } from '../../main/device/afc/payloads.js'
import { isCradleError } from '../../shared/errors.js'
import { PathEscapeError, type AfcTree, type Resolved } from './afc-tree.js'
import type { BufferPool } from './buffer-pool.js'
import { dirInfo, errnoStatus, OPEN_FLAGS, statInfo } from './afc-stat.js'
import type { UnreadablePolicy } from './unreadable.js'

export interface AfcReply {
  op: number
  /** Goes in the header payload (Status, FileRefOpenResult, FileRefTellResult). */
  payload?: Buffer
  /** Goes after the header payload (Data replies). */
  data?: Buffer
  /** Returns a pooled data buffer once sent. */
  release?: () => void
}

export interface AfcDeviceInfo {
  model: string
  totalBytes: number
  freeBytes: number
}

export interface AfcSessionOptions {
  tree: AfcTree
  pool: BufferPool
  unreadable?: UnreadablePolicy
  /**
   * True while the phone's data protection keeps DCIM files closed (locked with the switch on):
   * FileRefOpen of a file under /DCIM answers PERM_DENIED.
   */
  filesLocked?: () => boolean
  /** Folders (virtual paths) whose every request answers PERM_DENIED, themselves and all below. */
  denied?: () => readonly string[]
  /** "No file slots" past this many open handles (afcd logs that; libimobiledevice #284). */
  maxHandles: number
  deviceInfo: () => AfcDeviceInfo
}

/** Data replies are capped here; clients loop until st_size anyway (protocol.md §4.5). */
export const AFC_MAX_READ = 8 * 1024 * 1024

interface OpenFile {
  fh: FileHandle
  vpath: string
  pos: number
  writable: boolean
  /** The AFC status this handle's reads (or seeks) answer, from the unreadable rule. */
  failRead: number | undefined
  failSeek: number | undefined
  /** Known for read-only handles (DCIM does not change under us): reads then reserve their range at once. */
  size: number | undefined
}

const status = (code: number): AfcReply => ({ op: AfcOp.Status, payload: u64(code) })
const OK = (): AfcReply => status(AfcStatus.SUCCESS)

class AfcFailure extends Error {
  constructor(readonly code: number) {
    super(`AFC status ${code}`)
  }
}

export class AfcSession {
  private readonly handles = new Map<number, OpenFile>()
  /** Set once the connection is gone; a FileRefOpen still in flight then closes its own handle. */
  private closed = false
  private nextHandle = 1

  constructor(private readonly o: AfcSessionOptions) {}

  /** Runs one request; never throws (every failure becomes a Status reply). */
  async handle(op: number, payload: Buffer, data: Buffer): Promise<AfcReply> {
    try {
      return await this.dispatch(op, payload, data)
    } catch (error) {
      if (error instanceof AfcFailure) return status(error.code)
      if (error instanceof PathEscapeError) return status(AfcStatus.PERM_DENIED)
      // A malformed payload (no NUL after a path, a short u64) is the client's fault.
      if (isCradleError(error)) return status(AfcStatus.INVALID_ARG)
      const code = (error as NodeJS.ErrnoException).code
      return status(errnoStatus(code))
    }
  }

  private dispatch(op: number, payload: Buffer, data: Buffer): Promise<AfcReply> | AfcReply {
    switch (op) {
      case AfcOp.ReadDir:
        return this.readDir(readPath(payload))
      case AfcOp.GetFileInfo:
        return this.fileInfo(readPath(payload))
      case AfcOp.GetDeviceInfo:
        return this.deviceInfo()
      case AfcOp.FileRefOpen:
        return this.open(readU64(payload, 0), readPath(payload, 8))
      case AfcOp.FileRefRead:
        return this.read(readU64(payload, 0), readU64(payload, 8))
      case AfcOp.FileRefWrite:
        // The handle is the header payload and the bytes follow as data (this_length = 48).
        return this.write(readU64(payload, 0), payload.length > 8 ? Buffer.concat([payload.subarray(8), data]) : data)
      case AfcOp.FileRefSeek:
        return this.seek(readU64(payload, 0), readU64(payload, 8), payload.length >= 24 ? payload.readBigInt64LE(16) : 0n)
      case AfcOp.FileRefTell:
        return this.tell(readU64(payload, 0))
      case AfcOp.FileRefClose:
        return this.close(readU64(payload, 0))
      case AfcOp.RemovePath:
        return this.remove(readPath(payload))
      case AfcOp.MakeDir:
        return this.makeDir(readPath(payload))
      default:
        // choice: opcodes in the table we do not serve get OP_NOT_SUPPORTED, unknown ones UNKNOWN_PACKET_TYPE.
        return status(op > 0 && op <= AfcOp.FileRefWriteWithOffset && op !== AfcOp.Status && op !== AfcOp.Data ? AfcStatus.OP_NOT_SUPPORTED : AfcStatus.UNKNOWN_PACKET_TYPE)
    }
  }

  private async real(path: string): Promise<Extract<Resolved, { kind: 'real' }> | Extract<Resolved, { kind: 'virtual' }>> {
    const r = await this.o.tree.resolve(path)
    this.refuseDenied(r.vpath)
    if (r.kind === 'missing') throw new AfcFailure(AfcStatus.OBJECT_NOT_FOUND)
    return r
  }

  private refuseDenied(vpath: string): void {
    const denied = this.o.denied?.() ?? []
    if (denied.some((d) => vpath === d || vpath.startsWith(`${d}/`))) throw new AfcFailure(AfcStatus.PERM_DENIED)
  }

  private async readDir(path: string): Promise<AfcReply> {
    const r = await this.real(path)
    let names: string[]
    if (r.kind === 'virtual') names = r.children
    else {
      const target = await this.o.tree.confine(r)
      if (target === undefined) throw new AfcFailure(AfcStatus.OBJECT_NOT_FOUND)
      names = (await fs.readdir(target)).sort()
    }
    return { op: AfcOp.Data, data: joinCStrings(['.', '..', ...names]) }
  }

  private async fileInfo(path: string): Promise<AfcReply> {
    const r = await this.o.tree.resolve(path)
    this.refuseDenied(r.vpath)
    // choice: a missing path answers READ_ERROR, as pymobiledevice3's stat() expects from real
    // phones (it maps READ_ERROR from GetFileInfo to "file not found"); other ops use OBJECT_NOT_FOUND.
    if (r.kind === 'missing') throw new AfcFailure(AfcStatus.READ_ERROR)
    if (r.kind === 'virtual') return { op: AfcOp.Data, data: encodeKeyValues(dirInfo()) }
    const rule = this.o.unreadable?.match(r.vpath)
    if (rule?.failOn === 'stat') throw new AfcFailure(rule.status)
    const target = await this.o.tree.confineParent(r)
    if (target === undefined) throw new AfcFailure(AfcStatus.READ_ERROR)
    let st: Stats
    try {
      // Sync: microseconds, and no thread-pool round trip per file during a walk.
      st = lstatSync(target)
    } catch {
      throw new AfcFailure(AfcStatus.READ_ERROR)
    }
    const info: Record<string, string | number | bigint> = statInfo(st)
    if (st.isSymbolicLink()) info.LinkTarget = await fs.readlink(target)
    return { op: AfcOp.Data, data: encodeKeyValues(info) }
  }

  private deviceInfo(): AfcReply {
    const d = this.o.deviceInfo()
    return { op: AfcOp.Data, data: encodeKeyValues({ Model: d.model, FSTotalBytes: d.totalBytes, FSFreeBytes: d.freeBytes, FSBlockSize: 4096 }) }
  }

  private async open(mode: number, path: string): Promise<AfcReply> {
    if (mode < AfcOpenMode.RDONLY || mode > AfcOpenMode.RDAPPEND) throw new AfcFailure(AfcStatus.INVALID_ARG)
    // "No file slots": afcd refuses once its table is full (libimobiledevice #284).
    if (this.handles.size >= this.o.maxHandles) throw new AfcFailure(AfcStatus.NO_RESOURCES)
    const r = await this.real(path)
    if (r.kind === 'virtual') throw new AfcFailure(AfcStatus.OBJECT_IS_DIR)
    const writable = mode !== AfcOpenMode.RDONLY
    if (writable && r.mount.readOnly) throw new AfcFailure(AfcStatus.PERM_DENIED)
    let target = await this.o.tree.confine(r)
    if (target === undefined) {
      if (!writable) throw new AfcFailure(AfcStatus.OBJECT_NOT_FOUND)
      target = await this.o.tree.confineParent(r)
      if (target === undefined) throw new AfcFailure(AfcStatus.OBJECT_NOT_FOUND)
    }
    const st = await fs.stat(target).catch(() => undefined)
    if (st?.isDirectory()) throw new AfcFailure(AfcStatus.OBJECT_IS_DIR)
    const rule = st !== undefined ? this.o.unreadable?.match(r.vpath) ?? null : null
    if (rule?.failOn === 'open') throw new AfcFailure(rule.status)
    // choice: data protection shows at FileRefOpen, as PERM_DENIED (protocol.md §6 is uncertain).
    if (!writable && st !== undefined && r.vpath.startsWith('/DCIM/') && this.o.filesLocked?.() === true) throw new AfcFailure(AfcStatus.PERM_DENIED)
    const fh = await fs.open(target, OPEN_FLAGS[mode]!)
    if (this.closed) {
      // The connection went away while the file was opening: nobody will ever close this handle.
      await fh.close().catch(() => undefined)
      throw new AfcFailure(AfcStatus.SERVICE_NOT_CONNECTED)
    }
    const handle = this.nextHandle++
    const pos = mode === AfcOpenMode.APPEND || mode === AfcOpenMode.RDAPPEND ? (st?.size ?? 0) : 0
    this.handles.set(handle, {
      fh, vpath: r.vpath, pos, writable,
      failRead: rule?.failOn === 'read' ? rule.status : undefined,
      failSeek: rule?.failOn === 'seek' ? rule.status : undefined,
      size: writable ? undefined : st?.size,
    })
    return { op: AfcOp.FileRefOpenResult, payload: u64(handle) }
  }

  private file(handle: number): OpenFile {
    const f = this.handles.get(handle)
    if (!f) throw new AfcFailure(AfcStatus.INVALID_ARG)
    return f
  }

  /**
   * True for a FileRefRead on a read-only handle: such reads may run while earlier ones are still
   * reading from disk (the wire loop keeps replies in order), because each reserves its byte
   * range synchronously when it starts.
   */
  canOverlap(op: number, payload: Buffer): boolean {
    if (op !== AfcOp.FileRefRead || payload.length < 16) return false
    const f = this.handles.get(Number(payload.readBigUInt64LE(0)))
    return f !== undefined && f.size !== undefined && f.failRead === undefined
  }

  private async read(handle: number, length: number): Promise<AfcReply> {
    const f = this.file(handle)
    if (f.failRead !== undefined) throw new AfcFailure(f.failRead)
    let want = Math.min(length, AFC_MAX_READ)
    const pos = f.pos
    // Reserve the range now (before any await) so overlapping reads get consecutive ranges.
    if (f.size !== undefined) {
      want = Math.max(0, Math.min(want, f.size - pos))
      f.pos += want
    }
    if (want === 0) return { op: AfcOp.Data }
    const buf = this.o.pool.acquire(want)
    let n = 0
    try {
      while (n < want) {
        const { bytesRead } = await f.fh.read(buf, n, want - n, pos + n)
        if (bytesRead === 0) break
        n += bytesRead
      }
    } catch (error) {
      this.o.pool.release(buf)
      throw error
    }
    if (f.size === undefined) f.pos += n
    // EOF is a Data reply with 0 bytes (protocol.md §4.5).
    if (n === 0) {
      this.o.pool.release(buf)
      return { op: AfcOp.Data }
    }
    return { op: AfcOp.Data, data: buf.subarray(0, n), release: () => this.o.pool.release(buf) }
  }

  private async write(handle: number, bytes: Buffer): Promise<AfcReply> {
    const f = this.file(handle)
    if (!f.writable) throw new AfcFailure(AfcStatus.PERM_DENIED)
    let off = 0
    while (off < bytes.length) {
      const { bytesWritten } = await f.fh.write(bytes, off, bytes.length - off, f.pos)
      off += bytesWritten
      f.pos += bytesWritten
    }
    return OK()
  }

  private async seek(handle: number, whence: number, offset: bigint): Promise<AfcReply> {
    const f = this.file(handle)
    if (f.failSeek !== undefined) throw new AfcFailure(f.failSeek)
    let base: number
    if (whence === AfcWhence.SET) base = 0
    else if (whence === AfcWhence.CUR) base = f.pos
    else if (whence === AfcWhence.END) base = (await f.fh.stat()).size
    else throw new AfcFailure(AfcStatus.INVALID_ARG)
    const next = BigInt(base) + offset
    if (next < 0n || next > BigInt(Number.MAX_SAFE_INTEGER)) throw new AfcFailure(AfcStatus.INVALID_ARG)
    f.pos = Number(next)
    return OK()
  }

  private tell(handle: number): AfcReply {
    return { op: AfcOp.FileRefTellResult, payload: u64(this.file(handle).pos) }
  }

  private async close(handle: number): Promise<AfcReply> {
    const f = this.file(handle)
    this.handles.delete(handle)
    await f.fh.close()
    return OK()
  }

  private async remove(path: string): Promise<AfcReply> {
    const r = await this.real(path)
    if (r.kind === 'virtual') throw new AfcFailure(AfcStatus.PERM_DENIED)
    if (r.mount.readOnly || r.real === r.mount.dir) throw new AfcFailure(AfcStatus.PERM_DENIED)
    const target = await this.o.tree.confineParent(r)
    if (target === undefined) throw new AfcFailure(AfcStatus.OBJECT_NOT_FOUND)
    const st = await fs.lstat(target).catch(() => undefined)
    if (!st) throw new AfcFailure(AfcStatus.OBJECT_NOT_FOUND)
    if (st.isDirectory()) {
      try {
        await fs.rmdir(target)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY') throw new AfcFailure(AfcStatus.DIR_NOT_EMPTY)
        throw error
      }
    } else await fs.unlink(target)
    return OK()
  }

  private async makeDir(path: string): Promise<AfcReply> {
    const r = await this.o.tree.resolve(path)
    if (r.kind === 'virtual') return OK()
    if (r.kind === 'missing') throw new AfcFailure(AfcStatus.PERM_DENIED)
    if (r.mount.readOnly) throw new AfcFailure(AfcStatus.PERM_DENIED)
    // AFC MakeDir creates intermediate folders and succeeds if the folder exists (like mkdir -p).
    await fs.mkdir(await this.o.tree.confineCreate(r), { recursive: true })
    return OK()
  }

  /** Closes every handle (connection gone). */
  async closeAll(): Promise<void> {
    this.closed = true
    const files = [...this.handles.values()]
    this.handles.clear()
    await Promise.all(files.map((f) => f.fh.close().catch(() => undefined)))
  }

  get openHandles(): number {
    return this.handles.size
  }
}
