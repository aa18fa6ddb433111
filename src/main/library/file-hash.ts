/** SHA-256 of a file on disk (hex), read 1 MiB at a time: one piece for every part that re-checks bytes. */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { readChunks } from './buffer-pool.js'

const CHUNK = 1024 * 1024

/**
 * `pace` is awaited after every chunk with its length: the background scrub uses it to keep its
 * reads to a trickle (it resolves later when the budget is spent).
 */
export async function sha256File(file: string, signal?: AbortSignal, pace?: (bytes: number) => Promise<void>): Promise<string> {
  const hash = createHash('sha256')
  // Through one pooled buffer: a read-back of every upload would otherwise leave a dead 1 MiB buffer per read.
  for await (const chunk of readChunks(file, { signal })) {
    hash.update(chunk)
    if (pace) await pace(chunk.length)
  }
  return hash.digest('hex')
}

/** The same, blocking: for the consistency checker and tests, which walk a whole library in one go. */
export function sha256FileSync(file: string): string {
  const hash = createHash('sha256')
  const fd = fs.openSync(file, 'r')
  const buf = Buffer.allocUnsafe(CHUNK)
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      hash.update(buf.subarray(0, n))
    }
  } finally {
    fs.closeSync(fd)
  }
  return hash.digest('hex')
}
