/**
 * A FIFO of received byte chunks. Protocol readers append what the socket delivers and take
 * exactly one frame's bytes once they have arrived, so a large AFC Data reply is copied once
 * (when it is complete) instead of on every chunk. Holds only bytes that really arrived: a
 * header announcing a huge length allocates nothing.
 */
export class ChunkBuffer {
  private chunks: Buffer[] = []
  private head = 0
  /** Bytes buffered. */
  length = 0

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.length += chunk.length
  }

  /** The first `n` bytes as one Buffer without consuming them (copies only across chunks). */
  peek(n: number): Buffer {
    if (n > this.length) throw new RangeError(`peek(${n}) beyond ${this.length} buffered bytes`)
    const first = this.chunks[this.head]!
    if (first.length >= n) return first.subarray(0, n)
    const out = Buffer.allocUnsafe(n)
    let copied = 0
    for (let i = this.head; copied < n; i++) {
      const c = this.chunks[i]!
      copied += c.copy(out, copied, 0, Math.min(c.length, n - copied))
    }
    return out
  }

  /** Removes and returns the first `n` bytes. */
  take(n: number): Buffer {
    if (n > this.length) throw new RangeError(`take(${n}) beyond ${this.length} buffered bytes`)
    if (n === 0) return Buffer.alloc(0)
    const first = this.chunks[this.head]!
    let out: Buffer
    if (first.length > n) {
      out = first.subarray(0, n)
      this.chunks[this.head] = first.subarray(n)
    } else if (first.length === n) {
      out = first
      this.dropHead()
    } else {
      out = Buffer.allocUnsafe(n)
      let copied = 0
      while (copied < n) {
        const c = this.chunks[this.head]!
        const want = n - copied
        if (c.length <= want) {
          c.copy(out, copied)
          copied += c.length
          this.dropHead()
        } else {
          c.copy(out, copied, 0, want)
          this.chunks[this.head] = c.subarray(want)
          copied += want
        }
      }
    }
    this.length -= n
    return out
  }

  /**
   * Removes the first `n` bytes and returns them as the received pieces, without copying: a
   * 4 MiB AFC read reply goes to the sink as the socket's own 64 KiB buffers.
   */
  takeChunks(n: number): Buffer[] {
    if (n > this.length) throw new RangeError(`takeChunks(${n}) beyond ${this.length} buffered bytes`)
    const out: Buffer[] = []
    let left = n
    while (left > 0) {
      const c = this.chunks[this.head]!
      if (c.length <= left) {
        out.push(c)
        left -= c.length
        this.dropHead()
      } else {
        out.push(c.subarray(0, left))
        this.chunks[this.head] = c.subarray(left)
        left = 0
      }
    }
    this.length -= n
    return out
  }

  /** Drops the first `n` bytes. */
  skip(n: number): void {
    this.takeChunks(n)
  }

  /** Everything buffered, emptying the buffer (used when a socket changes hands). */
  takeAll(): Buffer {
    return this.take(this.length)
  }

  clear(): void {
    this.chunks = []
    this.head = 0
    this.length = 0
  }

  private dropHead(): void {
    this.chunks[this.head] = undefined as unknown as Buffer
    this.head++
    // Compact now and then so the array does not grow without bound on a long transfer.
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head)
      this.head = 0
    }
  }
}
