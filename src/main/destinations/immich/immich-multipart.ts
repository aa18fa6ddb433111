/**
 * A streaming multipart/form-data body with an exact Content-Length: text fields, then one file
 * part read from the library as it is sent. Hand-built because the Immich SDK buffers the file in
 * a Blob and pins one server major (destinations.md §1).
 */
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'

export interface MultipartFile {
  field: string
  fileName: string
  contentType: string
  size: number
  open: () => Readable
}

export interface MultipartBody {
  contentType: string
  length: number
  body: Readable
}

/** Quotes a header parameter; names outside printable ASCII go as filename* (RFC 5987) too. */
function dispositionName(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  if (ascii === fileName) return `filename="${ascii}"`
  return `filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
}

export function buildMultipart(fields: readonly (readonly [string, string])[], file: MultipartFile): MultipartBody {
  const boundary = `----CradleBoundary${randomBytes(12).toString('hex')}`
  const head = Buffer.from(
    fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; ${dispositionName(file.fileName)}\r\n` +
      `Content-Type: ${file.contentType}\r\n\r\n`,
    'utf8',
  )
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8')
  async function* parts(): AsyncGenerator<Buffer> {
    yield head
    yield* file.open() as AsyncIterable<Buffer>
    yield tail
  }
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + file.size + tail.length,
    body: Readable.from(parts(), { objectMode: false }),
  }
}
