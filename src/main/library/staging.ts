/**
 * The staging file of one import: `<library>/.cradle-staging/f<deviceFileId>.part`, on the same
 * volume as the library so the final step is a link/rename, never a copy. Bytes are hashed as
 * they are written (SHA-256 = identity, SHA-1 for Immich; content-hasher.ts); a resumed import re-reads and re-hashes
 * the staged prefix so the digest always covers the whole file.
 */
import path from 'node:path'
import { Writable } from 'node:stream'
import type fsp from 'node:fs/promises'
import type { ContentHasher } from './content-hasher.js'
import type { LibraryFs } from './library-fs.js'

export const STAGING_DIR = '.cradle-staging'
/** fsync and record the staged length this often, so a crash loses at most this much. */
export const CHECKPOINT_BYTES = 64 * 1024 * 1024
const REHASH_CHUNK = 1024 * 1024

export function stagingPath(root: string, deviceFileId: number): string {
  return path.join(root, STAGING_DIR, `f${deviceFileId}.part`)
}

/** The device file id a staging name belongs to, or null for a name we did not make. */
export function stagingFileId(name: string): number | null {
  const m = /^f(\d+)\.part$/.exec(name)
  return m ? Number(m[1]) : null
}

/** Thrown by the sink when the source sends more bytes than it listed: the file changed. */
export class SourceGrewError extends Error {
  constructor(readonly expected: number) {
    super(`source sent more than the listed ${expected} bytes`)
    this.name = 'SourceGrewError'
  }
}

/** Fs errors from the sink are tagged, so the importer can tell them from source errors. */
export class SinkFsError extends Error {
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original))
    this.name = 'SinkFsError'
  }
}

export interface StagingSinkOptions {
  fh: fsp.FileHandle
  /** Bytes already in the file (resume); writing continues here. */
  position: number
  expectedSize: number
  hasher: ContentHasher
  onProgress?: (bytes: number) => void
  /** Called after an fsync with the durable length (the catalog records it for resume). */
  onCheckpoint?: (bytes: number) => void
}

/** A Writable into the staging file that hashes everything it writes. */
export class StagingSink extends Writable {
  bytes: number
  private nextCheckpoint: number
  private failure: Error | null = null
  private inflight: Promise<void> = Promise.resolve()
  private syncing: Promise<void> | null = null

  constructor(private readonly o: StagingSinkOptions) {
    // Two of the AFC client's 1 MiB replies (coalesced into 2 MiB writes) may queue: more is only RSS.
    super({ highWaterMark: 2 * 1024 * 1024 })
    this.bytes = o.position
    this.nextCheckpoint = o.position + CHECKPOINT_BYTES
    // The importer reads `error` after the copy; a source that writes without a pipeline must not
    // turn our write failure into an uncaught 'error' event.
    this.on('error', () => undefined)
  }

  /**
   * Resolves once everything the source wrote has reached the file (or failed), whether the source
   * ended the sink, destroyed it (pipeline on error) or left it open as the contract asks.
   */
  async settle(): Promise<void> {
    if (!this.destroyed && !this.failure && !this.writableFinished) {
      await new Promise<void>((resolve) => {
        const done = (): void => resolve()
        this.once('finish', done)
        this.once('error', done)
        this.once('close', done)
        if (!this.writableEnded) this.end()
      })
    }
    await this.inflight
    await this.syncing
  }

  /** The first error the sink hit (fs or size), if any. */
  get error(): Error | null {
    return this.failure
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.settleWrite(this.writeChunks([chunk], chunk.length), cb)
  }

  /**
   * The pieces of one AFC read arrive corked (a socket's 64 KiB reads): one positioned writev and
   * one message to the hash worker for all of them, instead of one of each per piece (which cost
   * a pooled 1 MiB buffer per piece, and with it most of the import's garbage collection).
   */
  override _writev(chunks: { chunk: Buffer }[], cb: (e?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk)
    let length = 0
    for (const b of buffers) length += b.length
    this.settleWrite(this.writeChunks(buffers, length), cb)
  }

  private settleWrite(p: Promise<void>, cb: (e?: Error | null) => void): void {
    this.inflight = p.then(() => cb(), (e: Error) => {
      this.failure ??= e
      cb(e)
    })
  }

  private async writeChunks(chunks: Buffer[], length: number): Promise<void> {
    if (this.bytes + length > this.o.expectedSize) throw new SourceGrewError(this.o.expectedSize)
    // The write runs on libuv's thread pool while the worker hashes the same bytes.
    const writing = this.writeAt(chunks, this.bytes)
    const hashing = this.o.hasher.update(chunks)
    await writing
    await hashing
    this.bytes += length
    this.o.onProgress?.(this.bytes)
    if (this.bytes >= this.nextCheckpoint && !this.syncing) {
      // fsync in the background while writing goes on; only the length it covers is recorded.
      this.nextCheckpoint = this.bytes + CHECKPOINT_BYTES
      const covered = this.bytes
      this.syncing = this.o.fh.sync().then(
        () => {
          this.syncing = null
          this.o.onCheckpoint?.(covered)
        },
        (e: unknown) => {
          this.syncing = null
          this.failure ??= new SinkFsError(e)
        },
      )
    }
    if (this.failure) throw this.failure
  }

  /** Writes every byte of `chunks` at `position`; a short writev continues where it stopped. */
  private async writeAt(chunks: Buffer[], position: number): Promise<void> {
    let rest = chunks
    try {
      while (rest.length > 0) {
        const { bytesWritten } = rest.length === 1
          ? await this.o.fh.write(rest[0]!, 0, rest[0]!.length, position)
          : await this.o.fh.writev(rest, position)
        position += bytesWritten
        rest = dropBytes(rest, bytesWritten)
      }
    } catch (e) {
      throw new SinkFsError(e)
    }
  }

}

/** `chunks` without their first `n` bytes. */
export function dropBytes(chunks: Buffer[], n: number): Buffer[] {
  let i = 0
  while (i < chunks.length && n >= chunks[i]!.length) n -= chunks[i++]!.length
  if (i === chunks.length) return []
  return n === 0 ? chunks.slice(i) : [chunks[i]!.subarray(n), ...chunks.slice(i + 1)]
}

/**
 * Opens the staging file for writing from `resumeFrom` (0 = fresh). A shorter file than the
 * catalog recorded (lost with the page cache) starts over; a longer one is cut back to the
 * recorded, fsynced length. Returns the hashes primed with the kept prefix.
 */
export async function openStaging(fsOps: LibraryFs, file: string, resumeFrom: number, makeHasher: () => ContentHasher): Promise<{ fh: fsp.FileHandle; position: number; hasher: ContentHasher }> {
  if (resumeFrom > 0) {
    let fh: fsp.FileHandle | undefined
    try {
      fh = await fsOps.open(file, 'r+')
    } catch {
      fh = undefined
    }
    if (fh) {
      const hasher = makeHasher()
      try {
        const { size } = await fh.stat()
        if (size >= resumeFrom) {
          await fh.truncate(resumeFrom)
          let pos = 0
          while (pos < resumeFrom) {
            const buf = Buffer.allocUnsafe(Math.min(REHASH_CHUNK, resumeFrom - pos))
            const { bytesRead } = await fh.read(buf, 0, buf.length, pos)
            if (bytesRead === 0) break
            await hasher.update(buf.subarray(0, bytesRead))
            pos += bytesRead
          }
          if (pos === resumeFrom) return { fh, position: pos, hasher }
        }
      } catch {
        // An unreadable prefix is no prefix: start over below.
      }
      hasher.discard()
      await fh.close().catch(() => undefined)
    }
    return openStaging(fsOps, file, 0, makeHasher)
  }
  // Never written through whatever is at this name (a leftover, or a link someone who can write
  // to the library put there): removed, then created exclusively.
  await fsOps.unlink(file).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  })
  const fh = await fsOps.open(file, 'wx')
  return { fh, position: 0, hasher: makeHasher() }
}
