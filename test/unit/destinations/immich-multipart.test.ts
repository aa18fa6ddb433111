import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { buildMultipart } from '../../../src/main/destinations/immich/immich-multipart.js'
import { readAll } from '../../../src/main/destinations/stream-utils.js'

describe('streaming multipart body', () => {
  it('announces exactly the length it sends and parses back', async () => {
    const file = Buffer.from('\x00\x01binary\r\n--not-a-boundary\r\n')
    const body = buildMultipart([['fileCreatedAt', '2026-11-01T10:30:00.000+01:00'], ['filename', 'IMG_0001.HEIC']], {
      field: 'assetData', fileName: 'IMG_0001.HEIC', contentType: 'image/heic', size: file.length, open: () => Readable.from([file]),
    })
    const bytes = await readAll(body.body)
    expect(bytes.length).toBe(body.length)
    const boundary = body.contentType.split('boundary=')[1]!
    const parts = bytes.toString('latin1').split(`--${boundary}`)
    expect(parts.at(-1)).toBe('--\r\n')
    expect(parts[1]).toContain('name="fileCreatedAt"\r\n\r\n2026-11-01T10:30:00.000+01:00\r\n')
    const filePart = parts[3]!
    expect(filePart).toContain('name="assetData"; filename="IMG_0001.HEIC"')
    expect(Buffer.from(filePart.split('\r\n\r\n').slice(1).join('\r\n\r\n').slice(0, -2), 'latin1').equals(file)).toBe(true)
  })
  it('keeps a non-ASCII name in filename* and a safe fallback', async () => {
    const body = buildMultipart([], { field: 'assetData', fileName: 'Café "1".jpg', contentType: 'image/jpeg', size: 0, open: () => Readable.from([]) })
    const text = (await readAll(body.body)).toString('utf8')
    expect(text).toContain(`filename="Caf_ _1_.jpg"; filename*=UTF-8''Caf%C3%A9%20%221%22.jpg`)
  })
})
