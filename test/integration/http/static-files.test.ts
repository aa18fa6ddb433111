/**
 * The window's files from memory: gzip'd for a browser that takes it, a hashed asset answered
 * without the disk once read, index.html checked so a rebuilt window is served.
 */
import http from 'node:http'
import { rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHttpServer, type HttpServerHandle } from '../../../src/main/headless/http/server.js'
import { ScriptedEngine } from '../../fakes/scripted-engine.js'
import { makeStaticDir, TEST_TOKEN } from './http-helpers.js'

function get(port: number, urlPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => chunks.push(d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('static files', () => {
  const bundle = `${Array.from({ length: 2000 }, (_, i) => `export const row${i % 50} = 'queue row ${i % 50}'`).join('\n')}\n`
  let engine: ScriptedEngine
  let server: HttpServerHandle
  let dir: string

  beforeAll(async () => {
    dir = makeStaticDir()
    writeFileSync(path.join(dir, 'assets', 'index-Zz9Yy8Xx.js'), bundle)
    engine = new ScriptedEngine({ autoTick: false, settings: { autoRunOnConnect: false } })
    server = await startHttpServer({ handler: engine, port: 0, staticDir: dir, heartbeatMs: 1000, token: TEST_TOKEN })
  })
  afterAll(async () => {
    await server.close()
    engine.stop()
    rmSync(path.dirname(dir), { recursive: true, force: true })
  })

  it('sends the bundle gzip’d to a browser that accepts it, and as it is to one that does not', async () => {
    const packed = await get(server.port, '/assets/index-Zz9Yy8Xx.js', { 'Accept-Encoding': 'gzip, deflate, br' })
    expect(packed.status).toBe(200)
    expect(packed.headers['content-encoding']).toBe('gzip')
    expect(packed.headers.vary).toBe('Accept-Encoding')
    expect(Number(packed.headers['content-length'])).toBe(packed.body.length)
    expect(packed.body.length).toBeLessThan(bundle.length / 10)
    expect(gunzipSync(packed.body).toString()).toBe(bundle)

    for (const accept of [undefined, 'identity', 'gzip;q=0']) {
      const plain = await get(server.port, '/assets/index-Zz9Yy8Xx.js', accept ? { 'Accept-Encoding': accept } : {})
      expect(plain.headers['content-encoding'], accept).toBeUndefined()
      expect(plain.body.toString(), accept).toBe(bundle)
    }
    const head = await get(server.port, '/assets/index-Zz9Yy8Xx.js', { 'Accept-Encoding': 'gzip' }, 'HEAD')
    expect(head.headers['content-length']).toBe(packed.headers['content-length'])
    expect(head.body.length).toBe(0)
  })

  it('answers a hashed asset from memory once read (its name changes with its bytes), never streaming it from the disk again', async () => {
    const file = path.join(dir, 'assets', 'index-AbCdEf12.js')
    const first = await get(server.port, '/assets/index-AbCdEf12.js')
    rmSync(file)
    const again = await get(server.port, '/assets/index-AbCdEf12.js')
    expect(again.status).toBe(200)
    expect(again.body.toString()).toBe(first.body.toString())
    writeFileSync(file, first.body)
  })

  it('serves a rebuilt index.html, not the one it kept', async () => {
    const index = path.join(dir, 'index.html')
    expect((await get(server.port, '/')).body.toString()).toContain('index-AbCdEf12.js')
    const before = statSync(index)
    writeFileSync(index, '<!doctype html><title>Cradle</title><script type="module" src="./assets/index-Zz9Yy8Xx.js"></script>')
    // A different mtime whatever the file system's resolution.
    utimesSync(index, before.atime, new Date(before.mtimeMs + 5_000))
    const rebuilt = await get(server.port, '/')
    expect(rebuilt.body.toString()).toContain('index-Zz9Yy8Xx.js')
    expect(rebuilt.headers['cache-control']).toBe('no-cache')
  })
})
