import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startHttpServer, type HttpServerHandle } from '../../../src/main/headless/http/server.js'
import { CommandError } from '../../../src/renderer/transport/command-error.js'
import { HttpTransport } from '../../../src/renderer/transport/http-transport.js'
import type { AppState } from '../../../src/shared/state.js'
import { ScriptedEngine } from '../../fakes/scripted-engine.js'
import { TEST_TOKEN, waitFor } from './http-helpers.js'

const fast = { backoff: { baseMs: 20, maxMs: 100 } }

describe('HttpTransport against the real server', () => {
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  async function serve(engine: ScriptedEngine, options: Partial<Parameters<typeof startHttpServer>[0]> = {}): Promise<HttpServerHandle> {
    const server = await startHttpServer({ handler: engine, port: 0, staticDir: null, ...options })
    cleanups.push(() => server.close())
    return server
  }

  function engine(): ScriptedEngine {
    const e = new ScriptedEngine({ autoTick: false, settings: { autoRunOnConnect: false } })
    cleanups.push(() => e.stop())
    return e
  }

  /** The transport as the window makes it from the access link: with the server's token. */
  function transport(server: HttpServerHandle, token: string | null = server.token): HttpTransport {
    const t = new HttpTransport({ baseUrl: server.url, token, ...fast })
    cleanups.push(() => t.close())
    return t
  }

  it('invokes commands and returns their values', async () => {
    const e = engine()
    const t = transport(await serve(e))
    const state = await t.invoke('getState', undefined)
    expect(state.devices[0]!.name).toBe("Anna's iPhone")
    await t.invoke('pause', undefined)
    expect(e.current().paused).toBe(true)
    const page = await t.invoke('listQueue', { filter: 'all', offset: 0, limit: 5 })
    expect(page).toMatchObject({ total: 0, items: [] })
  })

  it('throws refusals as CommandError with the Wire error', async () => {
    const t = transport(await serve(engine()))
    const err = await t.invoke('listQueue', { filter: 'all', offset: 0, limit: 5000 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CommandError)
    expect((err as CommandError).wire).toMatchObject({ code: 'invalid-input', context: { key: 'limit' } })
  })

  it('delivers the snapshot, then every published one, and says it is connected', async () => {
    const e = engine()
    const t = transport(await serve(e))
    const seen: AppState[] = []
    const connection: boolean[] = []
    t.onConnection((c) => connection.push(c))
    t.onState((s) => seen.push(s))
    await waitFor(() => seen.length === 1)
    e.tick()
    await waitFor(() => seen.length === 2)
    expect(seen[1]!.seq).toBe(seen[0]!.seq + 1)
    expect(connection).toEqual([false, true])
    // A late subscriber gets the latest snapshot at once.
    const late: AppState[] = []
    t.onState((s) => late.push(s))
    expect(late[0]!.seq).toBe(seen[1]!.seq)
  })

  it('reconnects after the server goes away and comes back on the same port', async () => {
    const e = engine()
    const first = await serve(e)
    const t = transport(first)
    const connection: boolean[] = []
    const seen: AppState[] = []
    t.onConnection((c) => connection.push(c))
    t.onState((s) => seen.push(s))
    await waitFor(() => connection.at(-1) === true)
    await first.close()
    await waitFor(() => connection.at(-1) === false)
    // While it is down, commands fail as data, not as hangs.
    await expect(t.invoke('getState', undefined)).rejects.toThrow()
    e.tick()
    const second = await serve(e, { port: first.port, token: first.token })
    await waitFor(() => connection.at(-1) === true)
    await waitFor(() => seen.at(-1)!.seq === e.current().seq)
    expect(connection).toEqual([false, true, false, true])
    await second.close()
  })

  it('reconnects when the stream stalls (no bytes, no heartbeat)', async () => {
    let connects = 0
    const silent = http.createServer((req, res) => {
      connects++
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      res.write(`event: state\ndata: ${JSON.stringify({ seq: connects })}\n\n`)
      // …then nothing, as a half-dead proxy would.
    })
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise<void>((r) => { silent.closeAllConnections(); silent.close(() => r()) }))
    const t = new HttpTransport({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, stallMs: 150, ...fast })
    cleanups.push(() => t.close())
    const seqs: number[] = []
    t.onState((s) => seqs.push(s.seq))
    // Each connection delivers its one frame, then goes silent: three frames = two stall reconnects.
    await waitFor(() => seqs.length >= 3)
    // On a loaded machine the very first connection may be given up before its frame is read;
    // what matters is that every frame comes from a new connection, in order.
    const first = seqs[0]!
    expect(seqs.slice(0, 3)).toEqual([first, first + 1, first + 2])
    expect(connects).toBeGreaterThanOrEqual(3)
  })

  it('gives up on a command the server never answers, as a timeout', async () => {
    const hung = http.createServer(() => undefined) // reads the request, never answers
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise<void>((r) => { hung.closeAllConnections(); hung.close(() => r()) }))
    const t = new HttpTransport({ baseUrl: `http://127.0.0.1:${(hung.address() as AddressInfo).port}/`, commandTimeoutMs: 200 })
    cleanups.push(() => t.close())
    const err = await t.invoke('pause', undefined).catch((e: unknown) => e)
    expect((err as CommandError).code).toBe('timeout')
  })

  it('fetches a thumbnail with the token in a header (no cookie), null for an item without one', async () => {
    const e = new ScriptedEngine({ autoTick: false, settings: { autoRunOnConnect: false }, thumbnails: { '7': { contentType: 'image/jpeg', bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xd9, 7]) } } })
    cleanups.push(() => e.stop())
    const server = await serve(e)
    const blob = await transport(server).thumbnail('7', new AbortController().signal)
    expect(blob!.type).toBe('image/jpeg')
    expect([...new Uint8Array(await blob!.arrayBuffer())]).toEqual([0xff, 0xd8, 0xff, 0xd9, 7])
    expect(await transport(server).thumbnail('8', new AbortController().signal)).toBeNull()
    const stranger = transport(server, null)
    let denied = 0
    stranger.onAccessDenied(() => denied++)
    await expect(stranger.thumbnail('7', new AbortController().signal)).rejects.toThrow('HTTP 401')
    expect(denied).toBe(1)
  })

  it('sends the token, and reports a refused one', async () => {
    const e = engine()
    const server = await serve(e, { token: TEST_TOKEN })
    const good = transport(server, TEST_TOKEN)
    expect((await good.invoke('getState', undefined)).seq).toBeGreaterThan(0)
    const seen: AppState[] = []
    good.onState((s) => seen.push(s))
    await waitFor(() => seen.length === 1)

    const bad = transport(server, 'wrong')
    let denied = 0
    bad.onAccessDenied(() => denied++)
    bad.onState(() => undefined)
    await waitFor(() => denied >= 1)
    const err = await bad.invoke('getState', undefined).catch((x: unknown) => x)
    expect((err as CommandError).code).toBe('access-denied')
  })
})
