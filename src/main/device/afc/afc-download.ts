/**
 * Streaming a file off the phone (protocol.md §4.5): a window of large FileRefRead requests in
 * flight on one handle (the device serves them in order, so the replies are consecutive bytes),
 * written to the sink in order with backpressure, so memory stays at about window × chunk.
 * Resumes from an offset with Seek; the total is checked against st_size; the handle is closed
 * on every path (afcd runs out of "file slots" otherwise).
 */
import type { Writable } from 'node:stream'
import { CradleError } from '../../../shared/errors.js'
import { abortError } from '../io/deadline.js'
import { protocolError } from '../protocol-error.js'
import type { AfcClient } from './afc-client.js'
import { AfcWhence } from './opcodes.js'

export interface DownloadOptions {
  /** Start at this byte (resume); the sink receives bytes from here on. */
  offset?: number
  signal?: AbortSignal
  /** Called after each chunk is handed to the sink: bytes done (including the offset) of size. */
  onProgress?: (done: number, size: number) => void
  /** st_size from a stat the caller already made (saves a GetFileInfo). */
  size?: number
  /** Bytes per FileRefRead (default 4 MiB, pymobiledevice3's maximum). */
  chunkSize?: number
  /** FileRefRead requests in flight (default 3; 1 = lock-step). */
  window?: number
}

export interface DownloadResult {
  /** st_size of the file. */
  size: number
  /** Bytes written to the sink by this call (size − offset on success). */
  bytesWritten: number
}

export const DEFAULT_CHUNK = 4 * 1024 * 1024
export const DEFAULT_READ_WINDOW = 3

/** Wraps a lookup failure: a file that was just listed but is gone cannot be read. */
function asUnreadable(error: unknown): unknown {
  if (error instanceof CradleError && error.code === 'not-found') {
    return new CradleError('file-not-on-device', error.message, { cause: error, context: error.context })
  }
  return error
}

export async function downloadFile(afc: AfcClient, path: string, sink: Writable, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const { signal } = opts
  const chunk = Math.max(1, Math.min(opts.chunkSize ?? DEFAULT_CHUNK, DEFAULT_CHUNK))
  const window = Math.max(1, opts.window ?? DEFAULT_READ_WINDOW)
  const size = opts.size ?? (await afc.stat(path, signal).catch((e: unknown) => Promise.reject(asUnreadable(e)))).size
  const offset = opts.offset ?? 0
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > size) {
    throw new CradleError('invalid-input', `resume offset ${offset} is outside 0…${size} for ${path}`, { context: { path } })
  }
  if (offset === size) return { size, bytesWritten: 0 }

  let sinkError: unknown
  const onSinkError = (error: unknown): void => {
    sinkError ??= error
  }
  sink.on('error', onSinkError)
  const handle = await afc.open(path, signal)
  let finished = false
  try {
    if (offset > 0) await afc.seek(handle, offset, AfcWhence.SET, signal, path)
    const want = size - offset
    const queue: { reply: Promise<{ chunks: Buffer[]; length: number }>; asked: number }[] = []
    let outstanding = 0 // bytes asked for and not yet answered
    let received = 0
    let eof = false
    let lastWrite: Promise<void> = Promise.resolve()
    const issue = (): void => {
      while (!eof && queue.length < window && received + outstanding < want) {
        const asked = Math.min(chunk, want - received - outstanding)
        outstanding += asked
        const reply = afc.readChunks(handle, asked, signal, path)
        reply.catch(() => undefined) // settled via the queue; avoid unhandled rejections after a failure
        queue.push({ reply, asked })
      }
    }
    issue()
    while (queue.length > 0) {
      const { reply, asked } = queue.shift()!
      const data = await reply
      outstanding -= asked
      if (data.length > asked) throw afc.parse(() => protocolError(`AFC read returned ${data.length} bytes for ${asked} asked`))
      if (data.length === 0 || data.chunks.every((c) => c.length === 0)) {
        eof = true // the file is shorter than st_size said; the remaining replies are empty too
        continue
      }
      received += data.length
      if (sinkError) throw sinkError
      let accepted = true
      // The reply's pieces go to the sink as they arrived (no copy); corked so a file stream
      // can write them with one writev.
      sink.cork()
      const last = data.chunks.length - 1
      for (let i = 0; i < last; i++) sink.write(data.chunks[i]!)
      lastWrite = new Promise<void>((resolve, reject) => {
        accepted = sink.write(data.chunks[last]!, (e) => (e ? reject(e) : resolve()))
      })
      sink.uncork()
      lastWrite.catch(() => undefined)
      opts.onProgress?.(offset + received, size)
      if (!accepted) await drained(sink, signal)
      issue()
    }
    await lastWrite
    if (sinkError) throw sinkError
    if (received !== want) {
      throw new CradleError('file-not-on-device', `${path} ended at ${offset + received} of ${size} bytes`, { context: { path } })
    }
    finished = true
    return { size, bytesWritten: received }
  } catch (error) {
    throw asUnreadable(error)
  } finally {
    sink.off('error', onSinkError)
    // Always give the handle back. Without a signal, so an abort does not skip it.
    const closing = afc.closeFile(handle)
    if (finished) await closing
    else closing.catch(() => undefined)
  }
}

function drained(sink: Writable, signal: AbortSignal | undefined): Promise<void> {
  if (!sink.writableNeedDrain) return Promise.resolve()
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      sink.off('drain', onDrain)
      sink.off('error', onError)
      sink.off('close', onClose)
      signal?.removeEventListener('abort', onAbort)
    }
    const onDrain = (): void => {
      cleanup()
      resolve()
    }
    const onError = (error: Error): void => {
      cleanup()
      reject(error)
    }
    const onClose = (): void => {
      cleanup()
      reject(new CradleError('aborted', 'the download target was closed'))
    }
    const onAbort = (): void => {
      cleanup()
      reject(abortError(signal, 'download'))
    }
    sink.on('drain', onDrain)
    sink.on('error', onError)
    sink.on('close', onClose)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
