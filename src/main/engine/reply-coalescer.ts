/**
 * Hands each AFC reply to the library's staging sink as one buffer.
 *
 * Why: the AFC client writes a reply as the socket pieces it arrived in (~60 KiB each, corked so a
 * sink with writev could take them at once), and the staging sink writes and hashes chunk by chunk,
 * one thread-pool round trip per piece. Gathering a reply's pieces first (one memcpy per MiB)
 * doubled unshaped import speed on the bench box (bench/engine.bench.ts: ~95 → ~190 MB/s). If the
 * staging sink learns writev, this can go.
 * Backpressure passes through (a write is done once the sink took it), and so do sink failures:
 * a sink that errors or closes fails the pending write instead of leaving the download waiting.
 */
import { Writable } from 'node:stream'

export function coalesceInto(sink: Writable, highWaterMark: number): Writable {
  const forward = (buf: Buffer, callback: (error?: Error | null) => void): void => {
    if (sink.destroyed || sink.writableEnded) return callback(sink.errored ?? new Error('the sink is closed'))
    if (sink.write(buf)) return callback()
    const done = (error?: Error | null): void => {
      sink.off('drain', onDrain)
      sink.off('error', onError)
      sink.off('close', onClose)
      callback(error)
    }
    const onDrain = (): void => done()
    const onError = (error: Error): void => done(error)
    const onClose = (): void => done(sink.errored ?? new Error('the sink closed'))
    sink.on('drain', onDrain)
    sink.on('error', onError)
    sink.on('close', onClose)
  }
  const coalescer = new Writable({
    highWaterMark,
    write: (chunk: Buffer, _encoding, callback) => forward(chunk, callback),
    writev: (chunks, callback) => forward(chunks.length === 1 ? (chunks[0]!.chunk as Buffer) : Buffer.concat(chunks.map((c) => c.chunk as Buffer)), callback),
  })
  // The writer learns of a failure from its write callback, and the sink's owner from the sink.
  // The AFC download stops listening once it gives up (an unplug), and a write it left pending
  // fails afterwards: unowned, that 'error' event would be thrown and end the process.
  coalescer.on('error', () => undefined)
  return coalescer
}
