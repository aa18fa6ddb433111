import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contentTypeOf, resolveLibraryFile } from '../../../src/main/library/library-file.js'
import { isCradleError } from '../../../src/shared/errors.js'

let top: string
let root: string

beforeAll(() => {
  top = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-libfile-')))
  root = path.join(top, 'library')
  fs.mkdirSync(path.join(root, '2024', '2024-05'), { recursive: true })
  fs.writeFileSync(path.join(root, '2024', '2024-05', 'IMG_0001.JPG'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]))
  fs.writeFileSync(path.join(top, 'secret.txt'), 'outside the library')
  fs.symlinkSync(path.join(top, 'secret.txt'), path.join(root, '2024', 'IMG_LINK.JPG'))
  fs.symlinkSync(path.join(top), path.join(root, 'up'))
  fs.symlinkSync(path.join(root, '2024', '2024-05', 'IMG_0001.JPG'), path.join(root, 'inside.jpg'))
})
afterAll(() => fs.rmSync(top, { recursive: true, force: true }))

async function refused(libraryPath: string): Promise<void> {
  const error = await resolveLibraryFile(root, libraryPath).then(() => null, (e: unknown) => e)
  expect(isCradleError(error, 'not-in-library')).toBe(true)
}

describe('a queue item\'s library file', () => {
  it('resolves to the real file inside the root, with its type and size', async () => {
    expect(await resolveLibraryFile(root, '2024/2024-05/IMG_0001.JPG')).toEqual({
      path: path.join(root, '2024', '2024-05', 'IMG_0001.JPG'), contentType: 'image/jpeg', size: 4,
    })
  })

  it('refuses a path that climbs out of the root or is absolute', async () => {
    await refused('../secret.txt')
    await refused('2024/../../secret.txt')
    await refused(path.join(top, 'secret.txt'))
  })

  it('refuses a link in the library that leads out of it', async () => {
    await refused('2024/IMG_LINK.JPG')
    await refused('up/secret.txt')
  })

  it('follows a link that stays inside the library', async () => {
    expect((await resolveLibraryFile(root, 'inside.jpg')).path).toBe(path.join(root, '2024', '2024-05', 'IMG_0001.JPG'))
  })

  it('refuses a folder, the root itself and a file that is gone', async () => {
    await refused('2024')
    await refused('.')
    await refused('2024/2024-05/IMG_9999.JPG')
  })

  it('names only types that cannot run script; anything else is a download', () => {
    expect(contentTypeOf('IMG_0001.HEIC')).toBe('image/heic')
    expect(contentTypeOf('IMG_0002.MOV')).toBe('video/quicktime')
    expect(contentTypeOf('IMG_0001.AAE')).toBe('text/plain; charset=utf-8')
    expect(contentTypeOf('page.html')).toBe('application/octet-stream')
    expect(contentTypeOf('image.svg')).toBe('application/octet-stream')
  })
})
