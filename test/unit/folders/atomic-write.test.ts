import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { replaceAtomically } from '../../../src/main/folders/atomic-write.js'

describe('replaceAtomically', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-atomic-'))
  })
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('replaces text and bytes, durable or not, and leaves no temp file', async () => {
    const target = path.join(dir, 'a.xmp')
    fs.writeFileSync(target, 'old')
    await replaceAtomically(target, 'new', { durable: true })
    expect(fs.readFileSync(target, 'utf8')).toBe('new')
    await replaceAtomically(target, Buffer.from([0xff, 0xd8, 0xff]), { durable: false })
    expect([...fs.readFileSync(target)]).toEqual([0xff, 0xd8, 0xff])
    expect(fs.readdirSync(dir)).toEqual(['a.xmp'])
  })

  it('a refusal before the rename keeps the old content and removes the temp file', async () => {
    const target = path.join(dir, 'a.xmp')
    fs.writeFileSync(target, 'old')
    await expect(replaceAtomically(target, 'new', { durable: true, beforeRename: () => { throw new Error('aborted') } })).rejects.toThrow('aborted')
    expect(fs.readFileSync(target, 'utf8')).toBe('old')
    expect(fs.readdirSync(dir)).toEqual(['a.xmp'])
  })
})
