/**
 * One token bucket shared by every destination (Settings.uploadLimitMBps), and the Transform that
 * meters a file stream through it while counting progress. None of the SDKs throttle, so the limit
 * is applied where the bytes leave the disk (destinations.md §5).
 */
import { Transform, type TransformCallback } from 'node:stream'

/** Bytes per MB as every figure in Cradle uses it (10^6). */
export const BYTES_PER_MB = 1_000_000

export class BandwidthLimiter {
  private rate: number | null = null
  private tokens = 0
  private last = 0
  /** Takers queue up so a big reader cannot starve the others. */
  private chain: Promise<void> = Promise.resolve()
  /** Bytes that went through the bucket while a limit was set (what the limit governed). */
  private governed = 0

  constructor(bytesPerSecond: number | null = null, private readonly now: () => number = () => performance.now()) {
    this.setRate(bytesPerSecond)
  }

  /** null = unlimited. Takes effect for the next chunk. */
  setRate(bytesPerSecond: number | null): void {
    this.rate = bytesPerSecond !== null && bytesPerSecond > 0 ? bytesPerSecond : null
    this.tokens = 0
    this.last = this.now()
  }

  get bytesPerSecond(): number | null {
    return this.rate
  }

  get bytesGoverned(): number {
    return this.governed
  }

  /** Burst allowance: a quarter second of bytes, at least 64 KiB (one fs read chunk). */
  private capacity(rate: number): number {
    return Math.max(64 * 1024, rate / 4)
  }

  /** Resolves when `bytes` may be sent. */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (this.rate === null || bytes <= 0) return Promise.resolve()
    const run = this.chain.then(() => this.consume(bytes, signal))
    this.chain = run.catch(() => undefined)
    return run
  }

  private async consume(bytes: number, signal?: AbortSignal): Promise<void> {
    let left = bytes
    while (left > 0) {
      const rate = this.rate
      if (rate === null) return
      signal?.throwIfAborted()
      const cap = this.capacity(rate)
      const t = this.now()
      this.tokens = Math.min(cap, this.tokens + ((t - this.last) / 1000) * rate)
      this.last = t
      const want = Math.min(left, cap)
      if (this.tokens >= want) {
        this.tokens -= want
        left -= want
        this.governed += want
        continue
      }
      await delay(((want - this.tokens) / rate) * 1000, signal)
    }
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, Math.max(1, Math.ceil(ms)))
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason ?? new Error('aborted'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** A pass-through that waits for the limiter before each chunk and reports bytes passed. */
export class MeteredStream extends Transform {
  constructor(
    private readonly limiter: BandwidthLimiter | null,
    private readonly onBytes: (n: number) => void,
    private readonly signal?: AbortSignal,
  ) {
    super()
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const pass = (): void => {
      this.onBytes(chunk.length)
      done(null, chunk)
    }
    if (!this.limiter || this.limiter.bytesPerSecond === null) return pass()
    this.limiter.take(chunk.length, this.signal).then(pass, (error: unknown) => done(error as Error))
  }
}
