/**
 * Reused read buffers, and a file reader that yields views of them.
 *
 * Why: a `fs.createReadStream` allocates a new buffer for every read. Read-back verification,
 * re-checks and folder uploads stream gigabytes, so that is hundreds of dead 256 KiB–1 MiB
 * buffers a second; V8 frees ArrayBuffers only at a GC, which it starts for external memory
 * only after tens of MiB have piled up — that pile was most of `cradle serve`'s peak RSS while
 * uploading (bench/README.md, serve-memory). A pooled buffer is handed out again only after it
 * was given back, so a consumer that finishes with each chunk before asking for the next one
 * reads a whole file through one buffer.
 */
import fs from 'node:fs'

export class BufferPool {
  private readonly idle: Buffer[] = []
  private readonly out = new Set<Buffer>()

  /** `keep`: idle buffers kept for reuse (more are allocated when needed, and dropped when returned). */
  constructor(readonly bytes: number, private readonly keep = 4) {}

  /** A buffer that nobody holds: an idle one, or a new one. */
  acquire(): Buffer {
    const buf = this.idle.pop() ?? Buffer.allocUnsafeSlow(this.bytes)
    this.out.add(buf)
    return buf
  }

  /** Gives a buffer back; throws for one not handed out by this pool (or given back twice). */
  release(buf: Buffer): void {
    if (!this.out.delete(buf)) throw new Error('BufferPool.release: this buffer is not out of this pool')
    if (this.idle.length < this.keep) this.idle.push(buf)
  }

  /** Buffers handed out and not yet given back. */
  get inUse(): number {
    return this.out.size
  }
}

/** Shared by every pooled reader: 1 MiB reads, enough idle buffers for a few concurrent readers. */
export const READ_POOL = new BufferPool(1024 * 1024, 6)

/**
 * The bytes of `file` from `start` (inclusive) to `end` (exclusive; default: to the end of the
 * file), as views of one pooled buffer. A chunk is valid only until the next one is asked for:
 * the buffer is read into again then (and given back to the pool when the loop ends, however).
 */
export async function* readChunks(file: string, options: { start?: number; end?: number; signal?: AbortSignal; pool?: BufferPool } = {}): AsyncGenerator<Buffer, void, undefined> {
  const pool = options.pool ?? READ_POOL
  const fd = await fs.promises.open(file, 'r')
  const buf = pool.acquire()
  try {
    let position = options.start ?? 0
    const end = options.end ?? Infinity
    while (position < end) {
      options.signal?.throwIfAborted()
      const { bytesRead } = await fd.read(buf, 0, Math.min(buf.length, end - position), position)
      if (bytesRead === 0) break
      position += bytesRead
      yield buf.subarray(0, bytesRead)
    }
  } finally {
    pool.release(buf)
    await fd.close()
  }
}
