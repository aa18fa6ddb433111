import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHttpServer, type HttpServerHandle } from '../../../src/main/headless/http/server.js'
import type { AppState } from '../../../src/shared/state.js'
import { ScriptedEngine } from '../../fakes/scripted-engine.js'
import { authorised, countingHandler, makeStaticDir, openEvents as rawEvents, postCommand as rawPost, request as rawRequest, TEST_TOKEN, waitFor } from './http-helpers.js'

const THUMB = { contentType: 'image/jpeg', bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xd9, 7]) } as const

describe('HTTP server on loopback', () => {
  const { request, postCommand, openEvents } = authorised(TEST_TOKEN)
  let engine: ScriptedEngine
  let handler: ReturnType<typeof countingHandler>
  let server: HttpServerHandle
  let staticDir: string
  let port: number

  beforeAll(async () => {
    engine = new ScriptedEngine({ autoTick: false, settings: { autoRunOnConnect: false }, thumbnails: { '7': THUMB } })
    handler = countingHandler(engine)
    staticDir = makeStaticDir()
    server = await startHttpServer({ handler, port: 0, staticDir, heartbeatMs: 50, token: TEST_TOKEN })
    port = server.port
  })
  afterAll(async () => {
    await server.close()
    engine.stop()
    rmSync(path.dirname(staticDir), { recursive: true, force: true })
  })

  it('binds 127.0.0.1 and hands the token over in the URL fragment', () => {
    expect(server.url).toBe(`http://127.0.0.1:${port}/`)
    expect(server.token).toBe(TEST_TOKEN)
    expect(server.accessUrl).toBe(`${server.url}#token=${TEST_TOKEN}`)
  })

  it('refuses every API request without the token on loopback too: another local process cannot set the inbox or read the state', async () => {
    const attack = await rawPost(port, 'updateSettings', { inboxPath: '/home/someone-else/private' })
    expect(attack.status).toBe(401)
    expect(JSON.parse(attack.body)).toMatchObject({ ok: false, error: { code: 'access-denied' } })
    expect(engine.current().settings.inboxPath).toBeNull()
    expect((await rawPost(port, 'pause', {})).status).toBe(401)
    expect(engine.current().paused).toBe(false)
    expect((await rawPost(port, 'getState', {}, { Authorization: 'Bearer not-the-token' })).status).toBe(401)
    expect((await rawRequest(port, { path: '/api/events' })).status).toBe(401)
    expect((await rawRequest(port, { path: '/api/thumbnails/7' })).status).toBe(401)
    // The page itself is no secret: the token arrives in its URL fragment.
    expect((await rawRequest(port, { path: '/' })).status).toBe(200)
  })

  describe('static files', () => {
    it('serves index.html with a strict CSP and no caching', async () => {
      const res = await request(port, { path: '/' })
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.headers['cache-control']).toBe('no-cache')
      const csp = res.headers['content-security-policy'] as string
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toContain('unsafe-inline')
      expect(csp).not.toContain('unsafe-eval')
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.body).toContain('<title>Cradle</title>')
    })

    it('serves hashed assets as JavaScript, cached for good', async () => {
      const res = await request(port, { path: '/assets/index-AbCdEf12.js' })
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8')
      expect(res.headers['cache-control']).toContain('immutable')
      const head = await request(port, { method: 'HEAD', path: '/assets/index-AbCdEf12.js' })
      expect(head.status).toBe(200)
      expect(head.body).toBe('')
    })

    it('never leaves the renderer folder', async () => {
      for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%00']) {
        const res = await request(port, { path: p })
        expect(res.status, p).toBe(404)
        expect(res.body).not.toContain('secret')
      }
    })

    it('answers 404 for a missing file and 405 for a POST to a page', async () => {
      expect((await request(port, { path: '/nope.js' })).status).toBe(404)
      expect((await request(port, { method: 'POST', path: '/' })).status).toBe(405)
    })
  })

  describe('Host and Origin', () => {
    it('refuses a foreign Host (DNS rebinding) on every route', async () => {
      for (const p of ['/', '/api/events']) {
        const res = await request(port, { path: p, headers: { Host: `evil.example:${port}` } })
        expect(res.status).toBe(421)
        expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'access-denied' } })
      }
      expect((await postCommand(port, 'pause', {}, { Host: 'attacker.test' })).status).toBe(421)
      expect(engine.current().paused).toBe(false)
    })

    it('accepts the loopback names', async () => {
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
        expect((await request(port, { path: '/', headers: { Host: host } })).status, host).toBe(200)
      }
    })

    it('refuses commands from another origin (CSRF) and accepts its own', async () => {
      const evil = await postCommand(port, 'pause', {}, { Origin: 'http://evil.example' })
      expect(evil.status).toBe(403)
      expect(engine.current().paused).toBe(false)
      const nullOrigin = await postCommand(port, 'pause', {}, { Origin: 'null' })
      expect(nullOrigin.status).toBe(403)
      const crossSite = await postCommand(port, 'pause', {}, { 'Sec-Fetch-Site': 'cross-site' })
      expect(crossSite.status).toBe(403)
      const own = await postCommand(port, 'getState', {}, { Origin: `http://127.0.0.1:${port}`, 'Sec-Fetch-Site': 'same-origin' })
      expect(own.status).toBe(200)
    })

    it('refuses a body that is not JSON-typed (a cross-site form cannot send one)', async () => {
      const res = await request(port, { method: 'POST', path: '/api/commands/pause', headers: { 'Content-Type': 'text/plain' }, body: '{}' })
      expect(res.status).toBe(415)
      expect(engine.current().paused).toBe(false)
    })
  })

  describe('commands', () => {
    it('runs a command and returns its Wire result', async () => {
      const res = await postCommand(port, 'backupNow', {})
      expect(res.status).toBe(200)
      expect(JSON.parse(res.body)).toEqual({ ok: true, value: { started: false, reason: expect.any(String) } })
      const list = JSON.parse((await postCommand(port, 'listQueue', { filter: 'all', offset: 0, limit: 10 })).body)
      expect(list).toMatchObject({ ok: true, value: { total: 0, offset: 0, items: [] } })
    })

    it('void commands answer ok with no value', async () => {
      const res = await postCommand(port, 'pause', undefined)
      expect(JSON.parse(res.body)).toEqual({ ok: true })
      expect(engine.current().paused).toBe(true)
      await postCommand(port, 'resume', {})
      expect(engine.current().paused).toBe(false)
    })

    it('turns validation failures into invalid-input Wire errors naming the key', async () => {
      const res = await postCommand(port, 'listQueue', { filter: 'all', offset: -1, limit: 10 })
      expect(res.status).toBe(400)
      const body = JSON.parse(res.body)
      expect(body).toMatchObject({ ok: false, error: { code: 'invalid-input', message: '"offset" is not valid', context: { key: 'offset', problem: expect.stringContaining('≥ 0') } } })
      const settings = JSON.parse((await postCommand(port, 'updateSettings', { minBatteryPercent: 500 })).body)
      expect(settings.error.context.key).toBe('minBatteryPercent')
      const extra = JSON.parse((await postCommand(port, 'pause', { now: true })).body)
      expect(extra.error.code).toBe('invalid-input')
    })

    it('refuses input keys that only Object.prototype has (isPrototypeOf was saved, __proto__ gave a 500)', async () => {
      for (const key of ['isPrototypeOf', '__proto__', 'constructor']) {
        const res = await request(port, { method: 'POST', path: '/api/commands/updateSettings', headers: { 'Content-Type': 'application/json' }, body: `{"${key}": {"x": 1}}` })
        expect(res.status, key).toBe(400)
        expect(JSON.parse(res.body), key).toMatchObject({ ok: false, error: { code: 'invalid-input', context: { key } } })
      }
      const dest = await request(port, { method: 'POST', path: '/api/commands/addDestination', headers: { 'Content-Type': 'application/json' }, body: '{"kind":"folder","name":"x","config":{"path":"/tmp","isPrototypeOf":1}}' })
      expect(dest.status).toBe(400)
      expect(JSON.parse(dest.body).error.context.key).toBe('isPrototypeOf')
    })

    it('reports bad JSON, unknown commands and oversized bodies', async () => {
      const bad = await request(port, { method: 'POST', path: '/api/commands/pause', headers: { 'Content-Type': 'application/json' }, body: '{nope' })
      expect(bad.status).toBe(400)
      expect(JSON.parse(bad.body).error.context.key).toBe('(body)')
      const unknown = await postCommand(port, 'formatDisk', {})
      expect(unknown.status).toBe(404)
      expect(JSON.parse(unknown.body).error.code).toBe('not-found')
      const huge = await postCommand(port, 'addDestination', { kind: 'folder', name: 'x'.repeat(2 * 1024 * 1024), config: { path: '/tmp' } })
      expect(huge.status).toBe(413)
      expect((await request(port, { path: '/api/commands/pause' })).status).toBe(405)
    })

    it('carries an engine error as data with its sentence', async () => {
      const res = await postCommand(port, 'removeDestination', { id: 'missing' })
      expect(res.status).toBe(404)
      expect(JSON.parse(res.body)).toEqual({ ok: false, error: { code: 'not-found', message: 'Not found', context: {} } })
    })
  })

  describe('events', () => {
    it('sends the snapshot on connect, then every published one', async () => {
      const stream = openEvents(port)
      const [first] = await stream.until(1)
      expect(first!.seq).toBe(engine.current().seq)
      engine.tick()
      engine.tick()
      const states = await stream.until(3)
      expect(states.map((s: AppState) => s.seq)).toEqual([first!.seq, first!.seq + 1, first!.seq + 2])
      expect(stream.raw()).toMatch(/^retry: \d+/)
      expect(stream.raw()).toContain('event: state\nid: ')
      stream.close()
      await waitFor(() => handler.subscriptions === 0)
    })

    it('serves several windows from one engine subscription', async () => {
      const a = openEvents(port)
      const b = openEvents(port)
      await a.until(1)
      await b.until(1)
      expect(handler.subscriptions).toBe(1)
      engine.tick()
      expect((await a.until(2))[1]!.seq).toBe((await b.until(2))[1]!.seq)
      a.close()
      b.close()
      await waitFor(() => handler.subscriptions === 0)
    })

    it('sends heartbeat comments and unsubscribes when the window goes away', async () => {
      const stream = openEvents(port)
      await stream.until(1)
      expect(handler.subscriptions).toBe(1)
      await waitFor(() => stream.raw().includes(': keep-alive\n\n'))
      stream.close()
      await waitFor(() => handler.subscriptions === 0)
    })
  })

  describe('thumbnails', () => {
    it('serves an item\'s thumbnail as an image the window may cache, HEAD without the body', async () => {
      const res = await request(port, { path: '/api/thumbnails/7', headers: { 'Sec-Fetch-Site': 'same-origin' } })
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('image/jpeg')
      expect(res.headers['content-length']).toBe('5')
      expect(res.headers['cache-control']).toBe('private, max-age=86400')
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(Buffer.from(res.body, 'latin1').length).toBeGreaterThan(0)
      const head = await request(port, { method: 'HEAD', path: '/api/thumbnails/7' })
      expect(head.status).toBe(200)
      expect(head.body).toBe('')
    })

    it('answers 404 for an item without one and for ids that are not catalog rows, 405 for a POST', async () => {
      for (const p of ['/api/thumbnails/8', '/api/thumbnails/', '/api/thumbnails/0', '/api/thumbnails/7x', '/api/thumbnails/..%2f7', '/api/thumbnails/7/7']) {
        expect((await request(port, { path: p })).status, p).toBe(404)
      }
      expect((await request(port, { method: 'POST', path: '/api/thumbnails/7' })).status).toBe(405)
    })

    it('refuses another site\'s page and a foreign Host', async () => {
      expect((await request(port, { path: '/api/thumbnails/7', headers: { 'Sec-Fetch-Site': 'cross-site' } })).status).toBe(403)
      expect((await request(port, { path: '/api/thumbnails/7', headers: { Host: 'evil.example' } })).status).toBe(421)
    })
  })

  it('says the window is not built when dist/renderer is missing', async () => {
    const bare = await startHttpServer({ handler: engine, port: 0, staticDir: path.join(staticDir, 'missing') })
    try {
      const res = await request(bare.port, { path: '/' })
      expect(res.status).toBe(503)
      expect(res.body).toContain('npm run build')
    } finally {
      await bare.close()
    }
  })
})

describe('HTTP server beyond loopback', () => {
  let engine: ScriptedEngine
  let server: HttpServerHandle

  beforeAll(async () => {
    engine = new ScriptedEngine({ autoTick: false, thumbnails: { '7': THUMB } })
    server = await startHttpServer({ handler: engine, host: '0.0.0.0', port: 0, staticDir: makeStaticDir(), allowedHosts: ['nas.local'] })
  })
  afterAll(async () => {
    await server.close()
    engine.stop()
  })

  it('makes a token and hands it over in the URL fragment', () => {
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(server.accessUrl).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`)
  })

  it('refuses the API without the right token', async () => {
    const port = server.port
    expect((await rawPost(port, 'getState', {})).status).toBe(401)
    expect(JSON.parse((await rawPost(port, 'getState', {})).body).error.code).toBe('access-denied')
    expect((await rawPost(port, 'getState', {}, { Authorization: 'Bearer wrong' })).status).toBe(401)
    expect((await rawRequest(port, { path: '/api/events' })).status).toBe(401)
    expect((await rawPost(port, 'getState', {}, { Authorization: `Bearer ${server.token}` })).status).toBe(200)
    const events = rawEvents(port, { Authorization: `Bearer ${server.token}` })
    expect((await events.until(1))[0]!.seq).toBeGreaterThan(0)
    events.close()
  })

  it('sets no cookie (cookies ignore ports: it would reach every service on the host) and takes none as a credential', async () => {
    const port = server.port
    const authorised = await rawPost(port, 'getState', {}, { Authorization: `Bearer ${server.token}` })
    expect(authorised.status).toBe(200)
    expect(authorised.headers['set-cookie']).toBeUndefined()
    const thumb = await rawRequest(port, { path: '/api/thumbnails/7', headers: { Authorization: `Bearer ${server.token}` } })
    expect(thumb.status).toBe(200)
    expect(thumb.headers['set-cookie']).toBeUndefined()
    // A cookie with the right token, as a browser would attach it by itself, opens nothing.
    expect((await rawRequest(port, { path: '/api/thumbnails/7', headers: { Cookie: `cradle_token=${server.token}` } })).status).toBe(401)
    expect((await rawPost(port, 'pause', {}, { Cookie: `theme=dark; cradle_token=${server.token}` })).status).toBe(401)
    expect(engine.current().paused).toBe(false)
  })

  it('serves the page itself without a token (the token is in the fragment)', async () => {
    expect((await rawRequest(server.port, { path: '/' })).status).toBe(200)
  })

  it('accepts IP literals and configured names as Host, refuses other names', async () => {
    const ok = { Authorization: `Bearer ${server.token}` }
    expect((await rawPost(server.port, 'getState', {}, { ...ok, Host: '192.168.1.20:8420' })).status).toBe(200)
    expect((await rawPost(server.port, 'getState', {}, { ...ok, Host: 'nas.local:8420' })).status).toBe(200)
    expect((await rawPost(server.port, 'getState', {}, { ...ok, Host: 'rebind.attacker.test:8420' })).status).toBe(421)
  })

  it('uses a token it is given, and refuses one too weak to be safe', async () => {
    const given = await startHttpServer({ handler: engine, port: 0, staticDir: null, token: TEST_TOKEN })
    try {
      expect((await rawPost(given.port, 'getState', {}, { Authorization: `Bearer ${TEST_TOKEN}` })).status).toBe(200)
      expect((await rawPost(given.port, 'getState', {})).status).toBe(401)
    } finally {
      await given.close()
    }
    await expect(startHttpServer({ handler: engine, port: 0, staticDir: null, token: 'fixed-token-123' })).rejects.toMatchObject({ code: 'invalid-input' })
  })
})
