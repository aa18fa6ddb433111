import { describe, expect, it } from 'vitest'
import { validateCommandInput } from '../../../src/shared/validate.js'

describe('command input validation', () => {
  it('accepts an empty body for commands without input', () => {
    expect(validateCommandInput('pause', {})).toEqual({ ok: true, value: undefined })
    expect(validateCommandInput('pause', undefined)).toEqual({ ok: true, value: undefined })
    expect(validateCommandInput('pause', { x: 1 })).toMatchObject({ ok: false })
  })

  it('openItem takes an item id and reveal only; the folder commands take one path, never a list of keys', () => {
    expect(validateCommandInput('openItem', { id: '42' })).toEqual({ ok: true, value: { id: '42' } })
    expect(validateCommandInput('openItem', { id: '42', reveal: true })).toEqual({ ok: true, value: { id: '42', reveal: true } })
    expect(validateCommandInput('openItem', { id: '42', reveal: 'yes' })).toMatchObject({ ok: false, key: 'reveal' })
    // The window never names a file: a path alongside the id is refused.
    expect(validateCommandInput('openItem', { id: '42', path: '/etc/passwd' })).toMatchObject({ ok: false, key: 'path' })
    expect(validateCommandInput('openItem', {})).toMatchObject({ ok: false, key: 'id' })
    expect(validateCommandInput('listFolders', {})).toEqual({ ok: true, value: {} })
    expect(validateCommandInput('listFolders', { path: '/home/anna' })).toEqual({ ok: true, value: { path: '/home/anna' } })
    expect(validateCommandInput('listFolders', { path: 7 })).toMatchObject({ ok: false, key: 'path' })
    expect(validateCommandInput('listFolders', { path: '/home/anna\0x' })).toMatchObject({ ok: false, key: 'path' })
    expect(validateCommandInput('chooseFolder', { startAt: '/mnt', other: 1 })).toMatchObject({ ok: false, key: 'other' })
  })

  it('fills listQueue defaults and bounds the page', () => {
    expect(validateCommandInput('listQueue', {})).toEqual({ ok: true, value: { filter: 'all', offset: 0, limit: 100 } })
    expect(validateCommandInput('listQueue', { limit: 100_000 })).toMatchObject({ ok: false, key: 'limit' })
    expect(validateCommandInput('listQueue', { filter: 'bogus' })).toMatchObject({ ok: false, key: 'filter' })
  })

  it('requires a secret for an Immich destination and names the field', () => {
    const draft = { kind: 'immich', name: 'Home', config: { url: 'http://photos.lan:2283' } }
    expect(validateCommandInput('addDestination', draft)).toMatchObject({ ok: false, key: 'secret' })
    expect(validateCommandInput('addDestination', { ...draft, secret: 'k' })).toMatchObject({ ok: true })
  })

  it('an edit (updateDestination, or a test of the edit form) may leave the secret out: the stored one is kept', () => {
    const draft = { kind: 'immich', name: 'Home', config: { url: 'http://photos.lan:2283' } }
    expect(validateCommandInput('updateDestination', { id: 'dst_1', draft })).toEqual({ ok: true, value: { id: 'dst_1', draft } })
    expect(validateCommandInput('updateDestination', { draft })).toMatchObject({ ok: false, key: 'id' })
    expect(validateCommandInput('updateDestination', { id: 'dst_1', draft: { ...draft, config: { url: 'ftp://x' } } })).toMatchObject({ ok: false, key: 'url' })
    expect(validateCommandInput('testDestination', { id: 'dst_1', draft })).toEqual({ ok: true, value: { id: 'dst_1', draft } })
    expect(validateCommandInput('testDestination', { draft })).toMatchObject({ ok: false, key: 'secret' })
  })

  it('defaults S3 to path-style for a host with a port', () => {
    const result = validateCommandInput('addDestination', {
      kind: 's3', name: 'NAS', secret: 's', config: { endpoint: 'http://127.0.0.1:9000', bucket: 'photos', accessKeyId: 'id' },
    })
    expect(result).toMatchObject({ ok: true, value: { config: { pathStyle: true, region: 'us-east-1' } } })
  })

  it('refuses credentials inside a URL', () => {
    const result = validateCommandInput('addDestination', {
      kind: 'webdav', name: 'DAV', secret: 'p', config: { url: 'https://bob:pw@dav.example.com/' },
    })
    expect(result).toMatchObject({ ok: false, key: 'url' })
  })
})
