/**
 * An ImportSource over a local file (the inbox, tests, benchmarks): a read stream from `offset`
 * piped into the sink without ending it, as the ImportSource contract asks.
 */
import fs from 'node:fs'
import { pipeline } from 'node:stream/promises'
import type { ImportSource } from './source.js'

/** Reads `file` in 1 MiB chunks (the size AFC reads come in). */
export function fileImportSource(file: string, chunkBytes = 1024 * 1024): ImportSource {
  return {
    async copyTo(sink, { offset, signal, onProgress }) {
      const stream = fs.createReadStream(file, { start: offset, highWaterMark: chunkBytes })
      let n = 0
      if (onProgress) stream.on('data', (c) => onProgress((n += c.length)))
      await pipeline(stream, sink, { end: false, signal })
    },
  }
}
