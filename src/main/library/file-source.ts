/**
 * An ImportSource over a local file (the inbox, tests, benchmarks): a read stream from `offset`
 * piped into the sink without ending it, as the ImportSource contract asks.
 */
import fs from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
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

/**
 * The same over a file already open (the inbox opens and checks the file first, so the bytes
 * read are those of the file that was checked, whatever happens to its path meanwhile). The
 * handle stays open; its owner closes it.
 */
export function handleImportSource(handle: FileHandle, chunkBytes = 1024 * 1024): ImportSource {
  return {
    async copyTo(sink, { offset, signal, onProgress }) {
      const stream = handle.createReadStream({ start: offset, highWaterMark: chunkBytes, autoClose: false })
      let n = 0
      if (onProgress) stream.on('data', (c) => onProgress((n += c.length)))
      await pipeline(stream, sink, { end: false, signal })
    },
  }
}
