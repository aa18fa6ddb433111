/** Small stream helpers shared by the destination modules. */
import { createHash, type Hash } from 'node:crypto'
import type { Readable } from 'node:stream'

/** Reads a stream fully into one Buffer (parts and small files only: callers bound the size). */
export async function readAll(stream: Readable, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = []
  const onAbort = (): void => {
    stream.destroy(signal?.reason as Error)
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer)
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
  return Buffer.concat(chunks)
}

/** Feeds a stream into a hash without keeping it. */
export async function hashStream(stream: AsyncIterable<unknown>, algorithm = 'sha256', onChunk?: () => void): Promise<string> {
  const hash: Hash = createHash(algorithm)
  for await (const chunk of stream) {
    hash.update(chunk as Buffer)
    onChunk?.()
  }
  return hash.digest('hex')
}

export function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64')
}
