/**
 * Slow and numerous clients against the real server over real sockets: each test performs the
 * attack and waits for the server to end it (the socket's close event); the server's limits are
 * made small through its options, and nothing here measures time.
 */
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { startHttpServer, type ConnectionLimits, type HttpServerHandle } from '../../../src/main/headless/http/server.js'
import { ScriptedEngine } from '../../fakes/scripted-engine.js'
import { authorised, TEST_TOKEN, waitFor } from './http-helpers.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function serve(limits: Partial<ConnectionLimits>, heartbeatMs = 15_000): Promise<{ server: HttpServerHandle; engine: ScriptedEngine }> {
  const engine = new ScriptedEngine({ autoTick: false, settings: { autoRunOnConnect: false }, thumbnails: { '7': { contentType: 'image/jpeg', bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]) } } })
  const server = await startHttpServer({ handler: engine, port: 0, staticDir: null, token: TEST_TOKEN, heartbeatMs, limits: { checkIntervalMs: 20, ...limits } })
  cleanups.push(() => engine.stop(), () => server.close())
  return { server, engine }
}

interface RawSocket {
  socket: net.Socket
  /** Everything the server sent. */
  received(): string
  /** Resolves when the server (or the network) closed the connection. */
  closed: Promise<void>
}

async function connect(port: number): Promise<RawSocket> {
  const socket = net.connect(port, '127.0.0.1')
  let received = ''
  socket.setEncoding('latin1')
  socket.on('data', (d: string) => (received += d))
  socket.on('error', () => undefined) // a reset is one way the server ends it
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  cleanups.push(() => void socket.destroy())
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  return { socket, received: () => received, closed }
}

const head = (port: number, lines: string[]): string => [...lines, `Host: 127.0.0.1:${port}`, '', ''].join('\r\n')

describe('slow clients', () => {
  it('ends a connection whose body trickles in before authentication: 401 with Connection: close, then closed', async () => {
    const { server, engine } = await serve({ requestTimeoutMs: 600_000 }) // only the refusal may end it here
    const raw = await connect(server.port)
    raw.socket.write(head(server.port, ['POST /api/commands/pause HTTP/1.1', 'Content-Type: application/json', 'Content-Length: 100000']))
    raw.socket.write('{"a":') // …and the rest never comes
    await raw.closed
    expect(raw.received()).toMatch(/^HTTP\/1\.1 401 /)
    expect(raw.received().toLowerCase()).toContain('connection: close')
    expect(engine.current().paused).toBe(false)
  }, 30_000)

  it('ends an authorised request whose body never completes (request timeout)', async () => {
    const { server, engine } = await serve({ requestTimeoutMs: 300 })
    const raw = await connect(server.port)
    raw.socket.write(head(server.port, ['POST /api/commands/pause HTTP/1.1', `Authorization: Bearer ${TEST_TOKEN}`, 'Content-Type: application/json', 'Content-Length: 100000']))
    raw.socket.write('{"a":')
    await raw.closed
    expect(engine.current().paused).toBe(false)
  }, 30_000)

  it('ends a connection whose headers never complete (headers timeout)', async () => {
    const { server } = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 300 })
    const raw = await connect(server.port)
    raw.socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Slow: `)
    await raw.closed
  }, 30_000)

  it('keeps an authorised event stream open well past the request timeout', async () => {
    const { server } = await serve({ requestTimeoutMs: 100 }, 20)
    const events = authorised().openEvents(server.port)
    cleanups.push(() => events.close())
    await events.until(1)
    // Twenty heartbeats at 20 ms apart outlast a 100 ms request timeout several times over.
    await waitFor(() => events.raw().split(': keep-alive').length > 20, 30_000)
    const before = events.raw().length
    await waitFor(() => events.raw().length > before, 30_000) // still flowing
  }, 60_000)

  it('closes connections beyond the bound on arrival', async () => {
    const { server } = await serve({ maxConnections: 2 })
    // Two kept-alive connections that the server has answered (so it has counted them).
    const held: RawSocket[] = []
    for (let i = 0; i < 2; i++) {
      const raw = await connect(server.port)
      raw.socket.write(head(server.port, ['GET /api/thumbnails/7 HTTP/1.1', `Authorization: Bearer ${TEST_TOKEN}`]))
      await waitFor(() => /\r\n\r\n/.test(raw.received()), 30_000)
      expect(raw.received()).toMatch(/^HTTP\/1\.1 200 /)
      held.push(raw)
    }
    const third = await connect(server.port)
    third.socket.write(head(server.port, ['GET /api/thumbnails/7 HTTP/1.1', `Authorization: Bearer ${TEST_TOKEN}`]))
    await third.closed
    expect(third.received()).toBe('')
    // One goes away: there is room again.
    held[0]!.socket.destroy()
    await held[0]!.closed
    let status = 0
    while (status !== 200) {
      // The server may not have seen the close yet: a refused attempt is simply tried again.
      status = await authorised().request(server.port, { path: '/api/thumbnails/7' }).then((r) => r.status, () => 0)
    }
    expect(status).toBe(200)
  }, 60_000)
})
