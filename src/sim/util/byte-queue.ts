/**
 * A FIFO of received bytes that avoids re-concatenating on every chunk: parsers peek at the
 * front (concatenating only what they ask for) and consume what they used. Large FileRefWrite
 * payloads and pipelined requests arrive split across many TCP chunks.
 */
export class ByteQueue {
  private chunks: Buffer[] = []
  private head = 0 // offset into chunks[0]
  length = 0

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.length += chunk.length
  }

  /** The first `n` bytes (n ≤ length) as one buffer; copies only when they span chunks. */
  peek(n: number): Buffer {
    if (n > this.length) throw new RangeError(`peek(${n}) beyond ${this.length} queued bytes`)
    if (n === 0) return Buffer.alloc(0)
    const first = this.chunks[0]
    if (first && first.length - this.head >= n) return first.subarray(this.head, this.head + n)
    const out = Buffer.allocUnsafe(n)
    let copied = 0
    let i = 0
    let offset = this.head
    while (copied < n) {
      const c = this.chunks[i++]!
      const take = Math.min(c.length - offset, n - copied)
      c.copy(out, copied, offset, offset + take)
      copied += take
      offset = 0
    }
    // Keep the merged bytes as the new head so a second peek does not copy again. The chunk
    // now second may be partly consumed: cut its consumed part off before head resets to 0.
    this.consume(n)
    if (this.head > 0) this.chunks[0] = this.chunks[0]!.subarray(this.head)
    this.chunks.unshift(out)
    this.head = 0
    this.length += n
    return out
  }

  /** Removes and returns the first `n` bytes. */
  take(n: number): Buffer {
    const out = this.peek(n)
    this.consume(n)
    return out
  }

  /** Drops the first `n` bytes. */
  consume(n: number): void {
    let left = n
    while (left > 0) {
      const c = this.chunks[0]!
      const avail = c.length - this.head
      if (avail > left) {
        this.head += left
        break
      }
      left -= avail
      this.chunks.shift()
      this.head = 0
    }
    this.length -= n
  }

  /** Everything queued, emptying the queue. */
  drain(): Buffer {
    const out = this.length === 0 ? Buffer.alloc(0) : this.take(this.length)
    return out
  }
}
