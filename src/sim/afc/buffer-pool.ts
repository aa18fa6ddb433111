/**
 * Reusable read buffers for AFC FileRefRead replies. A 4 MiB reply is read from disk into a
 * pooled buffer, written to the socket as is, and handed back once the kernel took it
 * (Tunnel.send's release callback), so steady-state reads allocate nothing.
 */
const MIN_CLASS = 64 * 1024
/** Buffers kept per size class; more are left to the GC. */
const KEEP_PER_CLASS = 16

export class BufferPool {
  private readonly free = new Map<number, Buffer[]>()

  /** A buffer of at least `size` bytes (its length is the size class). */
  acquire(size: number): Buffer {
    const cls = sizeClass(size)
    const list = this.free.get(cls)
    return list?.pop() ?? Buffer.allocUnsafeSlow(cls)
  }

  release(buf: Buffer): void {
    const cls = buf.length
    let list = this.free.get(cls)
    if (!list) this.free.set(cls, (list = []))
    if (list.length < KEEP_PER_CLASS && !list.includes(buf)) list.push(buf)
  }
}

function sizeClass(size: number): number {
  let cls = MIN_CLASS
  while (cls < size) cls *= 2
  return cls
}

/** One pool per process: the simulator's AFC connections share it. */
export const sharedBufferPool = new BufferPool()
