/**
 * The headless window: serves the built renderer and the contract over HTTP (plain node:http).
 *   GET  /…                      dist/renderer (strict CSP)
 *   POST /api/commands/<name>    JSON in, Wire JSON out
 *   GET  /api/events             server-sent events: the snapshot on connect, then every one published
 *   GET  /api/thumbnails/<id>    a queue item's thumbnail (image), 404 when it has none
 *   GET  /api/files/<id>         a queue item's library file (token, or a signed link from openItem)
 * Binds 127.0.0.1 unless told otherwise. Every /api request needs the token, loopback included
 * (any local process or user could otherwise import from and send photos anywhere), in
 * `Authorization: Bearer`; the window reads it from the URL fragment and fetches thumbnails with
 * the header too. No cookie is ever set (see requestToken).
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fileItemIdOf, HTTP, type CommandHandler } from '../../../shared/contract.js'
import { CSP_HEADER } from '../../../shared/csp.js'
import { toWireError } from '../../../shared/error-text.js'
import { CradleError } from '../../../shared/errors.js'
import { createLogger } from '../../logging/logger.js'
import { closeAfterResponse, handleCommand, sendWire } from './command-route.js'
import { hostAllowed, isLoopbackHost, originAllowed, requestToken, tokenMatches, tokenProblem } from './security.js'
import { SseHub } from './sse-hub.js'
import { serveStatic } from './static-files.js'
import { handleThumbnail } from './thumbnail-route.js'
import { createFileLinks } from './file-links.js'
import { handleFile } from './file-route.js'
import { withFileLinks } from './open-item.js'

export interface HttpServerOptions {
  handler: CommandHandler
  /** Default 127.0.0.1. */
  host?: string
  /** Default 8420; 0 picks a free port. */
  port?: number
  /** The built renderer; default <package>/dist/renderer. null serves the API only. */
  staticDir?: string | null
  /** The access token every /api request must carry; generated when not given. */
  token?: string
  /** Host names the user allowed (serve --allow-host: a reverse proxy's name), accepted on any binding. */
  allowedHosts?: readonly string[]
  /** SSE comment interval (default 15 s). */
  heartbeatMs?: number
  /** Bounds against slow and numerous clients (DEFAULT_LIMITS); tests make them small. */
  limits?: Partial<ConnectionLimits>
  /** The clock file links expire by (tests move it). */
  now?: () => number
}

export interface ConnectionLimits {
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: number
  /** The whole request, body included, must arrive within this (a command body is ≤ 1 MB). */
  requestTimeoutMs: number
  /** How often Node looks for requests over those times. */
  checkIntervalMs: number
  /** Connections at once; further ones are closed on arrival. */
  maxConnections: number
}

/**
 * The event stream is not cut by requestTimeoutMs: it is a GET whose request is complete on
 * arrival (Node times only the receiving of a request), and it is served only once authorised.
 * What the timeout ends is a body trickled in, byte by byte, to hold a connection open.
 */
export const DEFAULT_LIMITS: ConnectionLimits = { headersTimeoutMs: 20_000, requestTimeoutMs: 30_000, checkIntervalMs: 5_000, maxConnections: 64 }

export interface HttpServerHandle {
  /** Where the window is, e.g. http://127.0.0.1:8420/ */
  url: string
  /** The link to print once: the token rides in the fragment, which browsers never send. */
  accessUrl: string
  token: string
  port: number
  close(): Promise<void>
}

export const DEFAULT_PORT = 8420

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP_HEADER,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
}

/**
 * CRADLE_RENDERER_DIR if set (tests serve a build made elsewhere), else <package root>/dist/renderer,
 * found from this file whether it runs from src/ or dist/.
 */
export function defaultRendererDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CRADLE_RENDERER_DIR) return path.resolve(env.CRADLE_RENDERER_DIR)
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir)
  return path.join(dir, 'dist', 'renderer')
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  const log = createLogger('headless/http')
  const host = options.host ?? '127.0.0.1'
  const loopbackOnly = isLoopbackHost(host)
  const token = options.token ?? randomBytes(24).toString('base64url')
  const weak = tokenProblem(token)
  if (weak !== null) throw new CradleError('invalid-input', `the access token ${weak}`, { context: { key: 'token', problem: weak } })
  const staticDir = options.staticDir === undefined ? defaultRendererDir() : options.staticDir
  const hostPolicy = {
    loopbackOnly,
    allowedHosts: [os.hostname(), `${os.hostname()}.local`],
    proxyHosts: options.allowedHosts ?? [],
  }
  const links = createFileLinks(token, options.now)
  const handler = withFileLinks(options.handler, links)
  const hub = new SseHub(handler, options.heartbeatMs ?? 15_000)

  /** 421 wrong Host, 403 foreign Origin, 401 no token: always a Wire body the window can show. */
  function refuse(res: ServerResponse, status: number, reason: 'host' | 'origin' | 'token'): void {
    log.info('request refused', { status, reason })
    closeAfterResponse(res)
    sendWire(res, { ok: false, error: toWireError('access-denied', { reason }) }, SECURITY_HEADERS, status)
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = req.headers
    if (!hostAllowed(headers.host, hostPolicy)) return refuse(res, 421, 'host')
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://cradle.invalid')
    if (pathname.startsWith('/api/')) {
      if (!originAllowed({ origin: headers.origin, host: headers.host, 'sec-fetch-site': headers['sec-fetch-site'] as string | undefined })) return refuse(res, 403, 'origin')
      // A tab the window opened on a file carries the link's signature instead of the header (file-links.ts).
      const fileId = fileItemIdOf(pathname)
      const signed = fileId !== null && links.allows(fileId, searchParams)
      if (!signed && !tokenMatches(requestToken(headers), token)) return refuse(res, 401, 'token')
      if (pathname.startsWith(HTTP.thumbnailPrefix)) return handleThumbnail(req, res, pathname, handler, log, SECURITY_HEADERS)
      if (pathname.startsWith(HTTP.filePrefix)) return handleFile(req, res, pathname, handler, log, SECURITY_HEADERS)
      if (pathname === HTTP.events) {
        if (req.method !== 'GET') return void res.writeHead(405, { ...SECURITY_HEADERS, Allow: 'GET' }).end()
        return hub.attach(res, SECURITY_HEADERS)
      }
      const prefix = HTTP.command('getState').slice(0, -'getState'.length)
      if (pathname.startsWith(prefix)) return handleCommand(req, res, pathname.slice(prefix.length), handler, log, SECURITY_HEADERS)
      return sendWire(res, { ok: false, error: toWireError('not-found', { path: pathname }) }, SECURITY_HEADERS)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { ...SECURITY_HEADERS, Allow: 'GET, HEAD' }).end()
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v)
    if (staticDir === null || !existsSync(staticDir)) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' }).end('The window is not built. Run: npm run build\n')
      return
    }
    if (!(await serveStatic(req, res, staticDir, pathname))) res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n')
  }

  const limits = { ...DEFAULT_LIMITS, ...options.limits }
  const server: Server = createServer({
    connectionsCheckingInterval: limits.checkIntervalMs,
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs), // Node requires ≤
  }, (req, res) => {
    route(req, res).catch((error: unknown) => {
      log.error('request failed', { url: req.url, error })
      if (!res.headersSent) sendWire(res, { ok: false, error: toWireError('internal') }, SECURITY_HEADERS)
      else res.destroy()
    })
  })
  server.maxConnections = limits.maxConnections
  const sockets = new Set<Socket>()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${urlHost(host)}:${port}/`
  log.info('listening', { host, port })
  return {
    url,
    accessUrl: `${url}#token=${encodeURIComponent(token)}`,
    token,
    port,
    close: () => new Promise<void>((resolve) => {
      hub.closeAll()
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    }),
  }
}
