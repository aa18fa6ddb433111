import { describe, expect, it } from 'vitest'
import { isInside, resolveBelow } from '../../../src/main/folders/inside.js'

describe('isInside', () => {
  it('is below or equal, never a sibling with the same prefix', () => {
    expect(isInside('/a/Inbox', '/a/Inbox/x')).toBe(true)
    expect(isInside('/a/Inbox', '/a/Inbox')).toBe(true)
    expect(isInside('/a/Inbox', '/a/Inbox2/x')).toBe(false)
    expect(isInside('/a/Inbox', '/a/x')).toBe(false)
    expect(isInside('/a/Inbox', '/a/Inbox/..x/y')).toBe(true)
  })

  it('holds for the file-system root', () => {
    expect(isInside('/', '/srv/photos')).toBe(true)
  })
})

describe('resolveBelow', () => {
  it('resolves a relative path under the root', () => {
    expect(resolveBelow('/lib', '2024/05/IMG_0001.HEIC')).toBe('/lib/2024/05/IMG_0001.HEIC')
    expect(resolveBelow('/lib/', '2024', 'IMG_0001.HEIC')).toBe('/lib/2024/IMG_0001.HEIC')
  })

  it('refuses the root itself, a way out, an absolute path and a same-prefix sibling', () => {
    expect(resolveBelow('/lib', '')).toBeNull()
    expect(resolveBelow('/lib', '.')).toBeNull()
    expect(resolveBelow('/lib', '../etc/passwd')).toBeNull()
    expect(resolveBelow('/lib', '2024/../../etc')).toBeNull()
    expect(resolveBelow('/lib', '/etc/passwd')).toBeNull()
    expect(resolveBelow('/lib', '../lib2/x')).toBeNull()
  })

  // A `root + '/'` prefix test refused every path under a root of '/' ('//' prefixes nothing).
  it('takes a destination folder at the file-system root', () => {
    expect(resolveBelow('/', 'Photos/IMG_0001.HEIC')).toBe('/Photos/IMG_0001.HEIC')
  })
})
