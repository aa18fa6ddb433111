/**
 * A small HTTP client over node:http/https for the hand-built APIs (Immich, Google Photos,
 * Nextcloud chunking): streaming request bodies, AbortSignal, bounded response bodies, and one
 * quirk handled on purpose: a server may answer before it has read the body (Immich replies
 * "200 duplicate" from the checksum header and closes), so a write error after a response is
 * ignored (destinations.md §1, as immich-go does).
 */
import http from 'node:http'
import https from 'node:https'
import type { Readable } from 'node:stream'
import { CradleError } from '../../shared/errors.js'
import { toUploadError } from './upload-errors.js'

export interface HttpRequest {
  method: string
  url: string
  headers?: Record<string, string | number>
  body?: Buffer | string | Readable
  signal?: AbortSignal
  agent?: http.Agent
  /** Called on every response chunk (keeps the stall watchdog quiet). */
  onActivity?: () => void
  /** Response bodies larger than this are refused (default 4 MiB). */
  maxResponseBytes?: number
}

export interface HttpResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
  text(): string
  json<T>(): T
  header(name: string): string | undefined
}

/** Sends one request and collects the response. Network failures become destination-unreachable. */
export function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const url = new URL(req.url)
  const mod = url.protocol === 'https:' ? https : http
  const limit = req.maxResponseBytes ?? 4 * 1024 * 1024
  return new Promise<HttpResponse>((resolve, reject) => {
    let responded = false
    let settled = false
    const fail = (error: unknown): void => {
      if (settled) return
      settled = true
      reject(toUploadError(error, req.signal))
    }
    if (req.signal?.aborted) return fail(req.signal.reason)
    const headers: Record<string, string | number> = { ...req.headers }
    if (Buffer.isBuffer(req.body) || typeof req.body === 'string') headers['content-length'] = Buffer.byteLength(req.body)
    else if (req.body === undefined && req.method !== 'GET' && req.method !== 'HEAD' && headers['content-length'] === undefined) headers['content-length'] = 0
    const request = mod.request(url, { method: req.method, headers, agent: req.agent, signal: req.signal })
    request.on('response', (res) => {
      responded = true
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        req.onActivity?.()
        size += chunk.length
        if (size > limit) {
          res.destroy()
          return fail(new CradleError('destination-rejected', `response larger than ${limit} bytes`))
        }
        chunks.push(chunk)
      })
      res.on('error', fail)
      res.on('end', () => {
        if (settled) return
        settled = true
        const body = Buffer.concat(chunks)
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text: () => body.toString('utf8'),
          json: <T>() => JSON.parse(body.toString('utf8')) as T,
          header: (name) => {
            const v = res.headers[name.toLowerCase()]
            return Array.isArray(v) ? v[0] : v
          },
        })
      })
    })
    request.on('error', (error) => {
      // The answer came before we finished sending: keep the answer.
      if (responded) return
      fail(error)
    })
    const body = req.body
    if (body === undefined) request.end()
    else if (Buffer.isBuffer(body) || typeof body === 'string') request.end(body)
    else {
      body.on('error', (error) => {
        request.destroy(error)
        fail(error)
      })
      request.on('close', () => body.destroy())
      body.pipe(request)
    }
  })
}

/** The first value of a response header as text ('' when absent). */
export function errorSnippet(res: HttpResponse): string {
  return res.text().slice(0, 300)
}
