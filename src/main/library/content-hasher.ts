/**
 * SHA-256 (identity) of a file's bytes as they stream by, plus SHA-1 when a destination keys on it
 * (Immich, Nextcloud; library/sha1.ts): without one, SHA-1 is not computed at all (half the hashing CPU),
 * and the catalog records it as unknown until an upload needs it.
 *
 * Hashing both costs about 1.6 ms per MiB of CPU; done on the main thread it competes with
 * the AFC socket and the file writes. A worker thread takes it off the main thread: chunks are
 * copied (a memcpy, ~0.05 ms per MiB) into pooled buffers that travel to the worker and back
 * (transferred, not cloned); at most IN_FLIGHT_BYTES wait, so memory stays bounded. The worker is
 * shared and started on first use; it keeps Node alive only while a job waits for it (otherwise a
 * process whose last pending work is a digest would exit under it), never when idle.
 * The worker source is plain JS evaluated in place, so it runs the same under tsx, vitest and
 * a bundled build.
 */
import crypto from 'node:crypto'
import { Worker } from 'node:worker_threads'

/** `sha1` is SHA1_UNKNOWN ('') when the hasher was made without it. */
export interface Digests { sha256: string; sha1: string }

export interface HasherOptions {
  /** Compute SHA-1 too. */
  sha1: boolean
}

export interface ContentHasher {
  /**
   * Adds bytes (one chunk, or several in order: a socket's pieces of one read go in one message
   * to the worker); the promise resolves when the hasher can take more (backpressure).
   */
  update(chunks: Buffer | readonly Buffer[]): Promise<void> | void
  digest(): Promise<Digests>
  /** Drops the job (import abandoned). */
  discard(): void
}

/** Hashes on the calling thread (small files, tests, or when no worker can start). */
export function inlineHasher(opts: HasherOptions): ContentHasher {
  const a = crypto.createHash('sha256')
  const b = opts.sha1 ? crypto.createHash('sha1') : null
  return {
    update: (chunks) => {
      for (const chunk of Buffer.isBuffer(chunks) ? [chunks] : chunks) {
        a.update(chunk)
        b?.update(chunk)
      }
    },
    digest: async () => ({ sha256: a.digest('hex'), sha1: b ? b.digest('hex') : '' }),
    discard: () => undefined,
  }
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const crypto = require('node:crypto')
const jobs = new Map()
const make = (sha1) => [crypto.createHash('sha256'), sha1 ? crypto.createHash('sha1') : null]
parentPort.on('message', (m) => {
  let j = jobs.get(m.id)
  if (m.op === 'update') {
    if (!j) jobs.set(m.id, (j = make(m.sha1)))
    const view = m.bytes.subarray(0, m.len)
    j[0].update(view); if (j[1]) j[1].update(view)
    // The buffer goes back for reuse: garbage piling up in this isolate would cost RSS.
    parentPort.postMessage({ id: m.id, ack: m.len, bytes: m.bytes }, [m.bytes.buffer])
  } else if (m.op === 'digest') {
    if (!j) j = make(m.sha1)
    jobs.delete(m.id)
    parentPort.postMessage({ id: m.id, sha256: j[0].digest('hex'), sha1: j[1] ? j[1].digest('hex') : '' })
  } else if (m.op === 'drop') jobs.delete(m.id)
})
`

// Per job: the worker hashes ~10× faster than a USB 2 phone delivers, so a few MiB keep it busy;
// with three imports at a time a larger window only multiplies resident buffers (peak RSS of serve).
const IN_FLIGHT_BYTES = 4 * 1024 * 1024
const BLOCK = 1024 * 1024
/** Returned buffers kept for reuse: enough for the in-flight window plus a little. */
const POOL_MAX = IN_FLIGHT_BYTES / BLOCK + 4
const free: Uint8Array[] = []

function takeBuffer(len: number): Uint8Array {
  const i = free.findIndex((b) => b.length >= len)
  if (i >= 0) return free.splice(i, 1)[0]!
  return new Uint8Array(Math.max(len, BLOCK))
}

interface Job {
  inFlight: number
  waiters: (() => void)[]
  done?: { resolve: (d: Digests) => void; reject: (e: Error) => void }
}

let shared: { worker: Worker; jobs: Map<number, Job>; next: number } | null = null

function failAll(s: NonNullable<typeof shared>, error: Error): void {
  if (shared === s) shared = null
  for (const job of s.jobs.values()) {
    job.done?.reject(error)
    for (const w of job.waiters.splice(0)) w()
  }
  s.jobs.clear()
}

function forget(s: NonNullable<typeof shared>, id: number): void {
  s.jobs.delete(id)
  if (s.jobs.size === 0) s.worker.unref()
}

function pool(): NonNullable<typeof shared> {
  if (shared) return shared
  const worker = new Worker(WORKER_SOURCE, { eval: true })
  const s = { worker, jobs: new Map<number, Job>(), next: 1 }
  worker.on('message', (m: { id: number; ack?: number; bytes?: Uint8Array; sha256?: string; sha1?: string }) => {
    if (m.bytes && free.length < POOL_MAX) free.push(m.bytes)
    const job = s.jobs.get(m.id)
    if (!job) return
    if (m.ack !== undefined) {
      job.inFlight -= m.ack
      if (job.inFlight <= IN_FLIGHT_BYTES) for (const w of job.waiters.splice(0)) w()
    } else if (m.sha256 !== undefined && m.sha1 !== undefined) {
      forget(s, m.id)
      job.done?.resolve({ sha256: m.sha256, sha1: m.sha1 })
    }
  })
  worker.on('error', (e) => failAll(s, e))
  worker.on('exit', (code) => failAll(s, new Error(`hash worker exited (${code})`)))
  // After the listeners: adding a 'message' listener refs the worker's port again.
  worker.unref()
  shared = s
  return s
}

/** Hashes on the shared worker thread. */
export function workerHasher(opts: HasherOptions): ContentHasher {
  const s = pool()
  const id = s.next++
  const job: Job = { inFlight: 0, waiters: [] }
  s.jobs.set(id, job)
  if (s.jobs.size === 1) s.worker.ref()
  return {
    update(chunks) {
      const pieces = Buffer.isBuffer(chunks) ? [chunks] : chunks
      let len = 0
      for (const piece of pieces) len += piece.length
      if (len === 0) return
      // A copy, transferred: the caller keeps writing its own buffers to disk meanwhile.
      const bytes = takeBuffer(len)
      let at = 0
      for (const piece of pieces) {
        bytes.set(piece, at)
        at += piece.length
      }
      job.inFlight += len
      s.worker.postMessage({ op: 'update', id, sha1: opts.sha1, bytes, len }, [bytes.buffer as ArrayBuffer])
      if (job.inFlight > IN_FLIGHT_BYTES) return new Promise<void>((resolve) => job.waiters.push(resolve))
    },
    digest() {
      return new Promise<Digests>((resolve, reject) => {
        if (shared !== s) return reject(new Error('hash worker stopped'))
        job.done = { resolve, reject }
        s.worker.postMessage({ op: 'digest', id, sha1: opts.sha1 })
      })
    },
    discard() {
      forget(s, id)
      if (shared === s) s.worker.postMessage({ op: 'drop', id })
    },
  }
}

/** Stops the shared worker (tests, shutdown); the next hasher starts a new one. */
export async function stopHashWorker(): Promise<void> {
  const s = shared
  if (!s) return
  shared = null
  await s.worker.terminate()
}
