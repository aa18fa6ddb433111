/**
 * GET /api/files/<id> and openItem over HTTP: a real server on a real library folder (the catalog's
 * role — item id → library-relative path — is played by a table; the path resolution is the real one).
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LINK_LIFETIME_MS } from '../../../src/main/headless/http/file-links.js'
import { startHttpServer, type HttpServerHandle } from '../../../src/main/headless/http/server.js'
import { resolveLibraryFile } from '../../../src/main/library/library-file.js'
import type { CommandHandler } from '../../../src/shared/contract.js'
import { CradleError } from '../../../src/shared/errors.js'
import { ScriptedEngine } from '../../fakes/scripted-engine.js'
import { authorised, request as rawRequest, TEST_TOKEN } from './http-helpers.js'

/** The bytes of a response, untouched (the helpers read text). */
function getBytes(port: number, urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }))
    }).on('error', reject)
  })
}

describe('the library file route', () => {
  const { postCommand } = authorised(TEST_TOKEN)
  const auth = { Authorization: `Bearer ${TEST_TOKEN}` }
  let top: string
  let root: string
  let photo: Buffer
  let engine: ScriptedEngine
  let server: HttpServerHandle
  let now = 1_000_000

  beforeAll(async () => {
    top = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-files-')))
    root = path.join(top, 'library')
    fs.mkdirSync(path.join(root, '2024'), { recursive: true })
    // 300 KB of varied bytes: more than one read chunk, so streaming is exercised.
    photo = Buffer.alloc(300_000)
    for (let i = 0; i < photo.length; i++) photo[i] = (i * 31 + (i >> 8)) & 0xff
    photo.set([0xff, 0xd8, 0xff, 0xe0])
    fs.writeFileSync(path.join(root, '2024', 'IMG_0001 é.JPG'), photo)
    fs.writeFileSync(path.join(top, 'secret.txt'), 'outside the library')
    fs.symlinkSync(path.join(top, 'secret.txt'), path.join(root, '2024', 'IMG_0002.JPG'))
    const catalog: Record<string, string | null> = { '1': '2024/IMG_0001 é.JPG', '2': '2024/IMG_0002.JPG', '3': null }
    engine = new ScriptedEngine({ autoTick: false, settings: { autoRunOnConnect: false } })
    const handler: CommandHandler = {
      handle: (name, input) => engine.handle(name, input),
      subscribe: (l) => engine.subscribe(l),
      current: () => engine.current(),
      thumbnail: (id) => engine.thumbnail(id),
      libraryFile: async (id) => {
        if (!(id in catalog)) throw new CradleError('not-found', `no item ${id}`)
        const rel = catalog[id]
        if (rel === null || rel === undefined) throw new CradleError('not-in-library', `item ${id} is not imported`)
        return resolveLibraryFile(root, rel)
      },
    }
    server = await startHttpServer({ handler, port: 0, staticDir: null, token: TEST_TOKEN, now: () => now })
  })
  afterAll(async () => {
    await server.close()
    engine.stop()
    fs.rmSync(top, { recursive: true, force: true })
  })

  it('needs the token', async () => {
    const res = await getBytes(server.port, '/api/files/1')
    expect(res.status).toBe(401)
    expect(res.bytes.toString()).not.toContain('\xff\xd8')
    expect((await getBytes(server.port, '/api/files/1', { Authorization: 'Bearer wrong-token' })).status).toBe(401)
  })

  it('streams the file byte for byte, as itself, shown inline and sandboxed', async () => {
    const res = await getBytes(server.port, '/api/files/1', auth)
    expect(res.status).toBe(200)
    expect(res.bytes.equals(photo)).toBe(true)
    expect(res.headers['content-type']).toBe('image/jpeg')
    expect(res.headers['content-length']).toBe(String(photo.length))
    expect(res.headers['content-disposition']).toBe(`inline; filename="IMG_0001 _.JPG"; filename*=UTF-8''IMG_0001%20%C3%A9.JPG`)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['content-security-policy']).toContain('sandbox')
  })

  it('answers 404 for an item not in the library, an unknown item, a malformed id and a link out of the library', async () => {
    for (const p of ['/api/files/3', '/api/files/99', '/api/files/..%2F..%2Fsecret.txt', '/api/files/1x', '/api/files/2']) {
      const res = await getBytes(server.port, p, auth)
      expect(res.status, p).toBe(404)
      expect(res.bytes.toString(), p).not.toContain('outside the library')
    }
  })

  it('takes no path from the client: a query naming another file changes nothing', async () => {
    const res = await getBytes(server.port, `/api/files/1?path=${encodeURIComponent(path.join(top, 'secret.txt'))}`, auth)
    expect(res.bytes.equals(photo)).toBe(true)
  })

  it('openItem gives the window a link that opens that one file without the header, until it expires', async () => {
    const opened = JSON.parse((await postCommand(server.port, 'openItem', { id: '1' })).body) as { ok: true; value: { by: string; url: string } }
    expect(opened).toMatchObject({ ok: true, value: { by: 'window' } })
    const url = opened.value.url
    expect(url.startsWith('/api/files/1?')).toBe(true)
    expect(url).not.toContain(TEST_TOKEN)
    const viaLink = await getBytes(server.port, url)
    expect(viaLink.status).toBe(200)
    expect(viaLink.bytes.equals(photo)).toBe(true)
    // The signature is for item 1 only.
    expect((await getBytes(server.port, url.replace('/api/files/1?', '/api/files/2?'))).status).toBe(401)
    expect((await getBytes(server.port, url.replace(/sig=[^&]+/, 'sig=AAAA'))).status).toBe(401)
    // …and not on other routes.
    expect((await rawRequest(server.port, { path: `/api/thumbnails/1?${url.split('?')[1]}` })).status).toBe(401)
    now += LINK_LIFETIME_MS + 1
    expect((await getBytes(server.port, url)).status).toBe(401)
  })

  it('openItem refuses an item not in the library, and "Show in folder" (a browser has no folder to show)', async () => {
    expect(JSON.parse((await postCommand(server.port, 'openItem', { id: '3' })).body)).toMatchObject({ ok: false, error: { code: 'not-in-library' } })
    expect(JSON.parse((await postCommand(server.port, 'openItem', { id: '1', reveal: true })).body)).toMatchObject({ ok: false, error: { code: 'needs-desktop' } })
  })
})
