/** Raw HTTP for the server tests: exact headers (Host, Origin) that fetch would not let us set. */
import http from 'node:http'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { CommandHandler } from '../../../src/shared/contract.js'
import type { AppState } from '../../../src/shared/state.js'

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

export function request(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: { Host: `127.0.0.1:${port}`, ...options.headers } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

export function postCommand(port: number, name: string, input: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return request(port, { method: 'POST', path: `/api/commands/${name}`, headers: { 'Content-Type': 'application/json', ...headers }, body: input === undefined ? '' : JSON.stringify(input) })
}

/** A token strong enough for the server (tokenProblem), for tests that choose their own. */
export const TEST_TOKEN = 'test-token-0123456789abcdefABCDEF'

/** request / postCommand / openEvents that carry `Authorization: Bearer <token>` unless told otherwise. */
export function authorised(token: string = TEST_TOKEN) {
  const auth = { Authorization: `Bearer ${token}` }
  return {
    request: (port: number, options: Parameters<typeof request>[1]) => request(port, { ...options, headers: { ...auth, ...options.headers } }),
    postCommand: (port: number, name: string, input: unknown, headers: Record<string, string> = {}) => postCommand(port, name, input, { ...auth, ...headers }),
    openEvents: (port: number, headers: Record<string, string> = {}) => openEvents(port, { ...auth, ...headers }),
  }
}

/** A built-renderer stand-in: index.html and one hashed asset; a secret.txt lies beside it (outside). */
export function makeStaticDir(): string {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'cradle-static-'))
  const dir = path.join(parent, 'renderer')
  mkdirSync(path.join(dir, 'assets'), { recursive: true })
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Cradle</title><script type="module" src="./assets/index-AbCdEf12.js"></script>')
  writeFileSync(path.join(dir, 'assets', 'index-AbCdEf12.js'), 'console.log("cradle")\n')
  writeFileSync(path.join(parent, 'secret.txt'), 'secret')
  return dir
}

/** Wraps a handler to count live SSE subscriptions (to prove the server unsubscribes). */
export function countingHandler(inner: CommandHandler): CommandHandler & { subscriptions: number } {
  const wrapper = {
    subscriptions: 0,
    handle: inner.handle.bind(inner),
    current: () => inner.current(),
    thumbnail: (itemId: string) => inner.thumbnail(itemId),
    libraryFile: (itemId: string) => inner.libraryFile(itemId),
    subscribe(listener: (s: AppState) => void) {
      wrapper.subscriptions++
      const off = inner.subscribe(listener)
      return () => {
        wrapper.subscriptions--
        off()
      }
    },
  }
  return wrapper as CommandHandler & { subscriptions: number }
}

export interface EventStream {
  states: AppState[]
  raw(): string
  /** Resolves once `count` state frames arrived in total. */
  until(count: number): Promise<AppState[]>
  close(): void
}

/** Opens /api/events and collects the `event: state` frames as they come. */
export function openEvents(port: number, headers: Record<string, string> = {}): EventStream {
  const states: AppState[] = []
  let raw = ''
  let buffer = ''
  const waiters: (() => void)[] = []
  const req = http.get({ host: '127.0.0.1', port, path: '/api/events', headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
    res.setEncoding('utf8')
    res.on('data', (d: string) => {
      raw += d
      buffer += d
      const frames = buffer.split('\n\n')
      buffer = frames.pop()!
      for (const frame of frames) {
        const data = /^data: (.*)$/m.exec(frame)
        if (data) states.push(JSON.parse(data[1]!) as AppState)
      }
      for (const w of waiters.splice(0)) w()
    })
  })
  req.on('error', () => undefined)
  return {
    states,
    raw: () => raw,
    close: () => req.destroy(),
    until: async (count) => {
      const deadline = Date.now() + 10_000
      while (states.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${states.length} frames: ${raw.slice(0, 200)}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 100)
        })
      }
      return states
    },
  }
}

export const waitFor = async (check: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}
