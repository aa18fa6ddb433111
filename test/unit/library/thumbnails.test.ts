import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findExifThumbnail } from '../../../src/main/library/exif-thumbnail.js'
import { SMALL_IMAGE_BYTES, mayHaveThumbnail, readThumbnail } from '../../../src/main/library/thumbnails.js'

const MEDIA = path.resolve(import.meta.dirname, '../../fixtures/media')
const NO_THUMB_JPEG = path.resolve(import.meta.dirname, '../../fixtures/library/photo.jpg')
let root: string
const put = (rel: string, bytes: Buffer): void => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
  fs.writeFileSync(path.join(root, rel), bytes)
}
/** Real phone files are megabytes: the template followed by padding, as the simulator pads them. */
const padded = (file: string, bytes: number): Buffer => {
  const head = fs.readFileSync(file)
  return Buffer.concat([head, Buffer.alloc(bytes - head.length, 0x5a)])
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-thumbs-'))
  put('2024/2024-05/IMG_0001.JPG', padded(path.join(MEDIA, 'photo0.jpg'), 3 * 1024 * 1024))
  put('2024/2024-05/IMG_0002.PNG', fs.readFileSync(path.join(MEDIA, 'screenshot.png')))
  put('2024/2024-05/IMG_0003.PNG', padded(path.join(MEDIA, 'screenshot.png'), SMALL_IMAGE_BYTES + 1))
  put('2024/2024-05/IMG_0004.jpeg', fs.readFileSync(NO_THUMB_JPEG))
  put('2024/2024-05/IMG_0005.JPG', padded(NO_THUMB_JPEG, 2 * 1024 * 1024))
  put('2024/2024-05/IMG_0006.HEIC', fs.readFileSync(path.join(MEDIA, 'photo0.heic')))
  put('2024/2024-05/IMG_0007.JPG', Buffer.alloc(0))
  put('2024/2024-05/IMG_0008.JPG', fs.readFileSync(path.join(MEDIA, 'photo0.heic')))
  fs.writeFileSync(path.join(path.dirname(root), `${path.basename(root)}-outside.png`), fs.readFileSync(path.join(MEDIA, 'screenshot.png')))
})
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true })
  fs.rmSync(path.join(path.dirname(root), `${path.basename(root)}-outside.png`), { force: true })
})

describe('readThumbnail', () => {
  it('takes the EXIF thumbnail from the head of a big JPEG', async () => {
    const thumb = await readThumbnail(root, '2024/2024-05/IMG_0001.JPG')
    expect(thumb?.contentType).toBe('image/jpeg')
    expect(Buffer.from(thumb!.bytes)).toEqual(Buffer.from(findExifThumbnail(fs.readFileSync(path.join(MEDIA, 'photo0.jpg')))!))
  })

  it('shows a small PNG or JPEG whole and gives up on a big one without a thumbnail', async () => {
    expect(await readThumbnail(root, '2024/2024-05/IMG_0002.PNG')).toEqual({ contentType: 'image/png', bytes: fs.readFileSync(path.join(MEDIA, 'screenshot.png')) })
    expect(await readThumbnail(root, '2024/2024-05/IMG_0003.PNG')).toBeNull()
    expect(await readThumbnail(root, '2024/2024-05/IMG_0004.jpeg')).toEqual({ contentType: 'image/jpeg', bytes: fs.readFileSync(NO_THUMB_JPEG) })
    expect(await readThumbnail(root, '2024/2024-05/IMG_0005.JPG')).toBeNull()
  })

  it('has none for HEIC and video, a missing file, or a path that leaves the library', async () => {
    expect(await readThumbnail(root, '2024/2024-05/IMG_0006.HEIC')).toBeNull()
    expect(await readThumbnail(root, '2024/2024-05/IMG_0404.JPG')).toBeNull()
    expect(await readThumbnail(root, `../${path.basename(root)}-outside.png`)).toBeNull()
    expect(await readThumbnail(root, '2024')).toBeNull()
    expect(await readThumbnail(root, '2024/2024-05/IMG_0007.JPG')).toBeNull() // empty
    expect(await readThumbnail(root, '2024/2024-05/IMG_0008.JPG')).toBeNull() // an HEIC under a JPEG name
  })

  it('tells the queue which files are worth asking about', () => {
    expect(mayHaveThumbnail('2024/2024-05/IMG_0001.JPG')).toBe(true)
    expect(mayHaveThumbnail('2024/2024-05/IMG_0001.jpeg')).toBe(true)
    expect(mayHaveThumbnail('2024/2024-05/IMG_0002.PNG')).toBe(true)
    expect(mayHaveThumbnail('2024/2024-05/IMG_0001.HEIC')).toBe(false)
    expect(mayHaveThumbnail('2024/2024-05/IMG_0001.MOV')).toBe(false)
    expect(mayHaveThumbnail(null)).toBe(false)
  })
})
