/**
 * A fault-injecting HTTP proxy for the destination tests: it sits in front of a real or fake
 * server and, per request, either forwards it or injects one fault:
 *   status      answer 500/503 (or 429 with Retry-After) without forwarding (after the body)
 *   reset-body  forward part of the request body, then reset both connections
 *   stall       accept the request and never answer (the client's stall timeout must fire)
 *   lose-answer forward the whole request, let the server act, then reset instead of answering
 *   corrupt-body  forward the request with one byte of its body flipped (the middle one, or `at`):
 *               the server stores damaged bytes and answers 200/201 as if all were well
 *   garble-answer forward the request, then pass the answer on with one byte of its body flipped
 *               (or, `truncate`, only its first half; status and headers kept, the length
 *               fixed): a 200 whose body is wrong
 * Every request is logged with the injected clock's time, so tests can check Retry-After and
 * backoff were honoured, and with what reached the server and what it answered, so tests can
 * count what each server created.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type Fault =
  | { kind: 'pass' }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'reset-body'; afterBytes: number }
  | { kind: 'stall' }
  | { kind: 'lose-answer' }
  | { kind: 'corrupt-body'; at?: number }
  | { kind: 'garble-answer'; truncate?: boolean }

export interface ProxyRequest {
  method: string
  url: string
  /** 0-based count of requests seen so far. */
  n: number
  headers: http.IncomingHttpHeaders
}

export interface LoggedRequest {
  method: string
  url: string
  fault: Fault['kind']
  /** The server's status, when the request reached it (also for a lost or garbled answer). */
  status?: number
  /** corrupt-body: the body offset whose byte was flipped (absent: the body was too short). */
  flippedAt?: number
  at: number
  headers: http.IncomingHttpHeaders
}

export interface FaultProxy {
  url: string
  log: LoggedRequest[]
  setPlan(plan: (req: ProxyRequest) => Fault): void
  close(): Promise<void>
}

export async function startFaultProxy(target: string, now: () => number = Date.now): Promise<FaultProxy> {
  const upstream = new URL(target)
  let plan: (req: ProxyRequest) => Fault = () => ({ kind: 'pass' })
  const log: LoggedRequest[] = []
  let n = 0
  const stalled = new Set<http.ServerResponse>()
  const agent = new http.Agent({ keepAlive: false })

  const server = http.createServer((req, res) => {
    const fault = plan({ method: req.method ?? 'GET', url: req.url ?? '/', n: n++, headers: req.headers })
    const entry: LoggedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', fault: fault.kind, at: now(), headers: req.headers }
    log.push(entry)
    if (fault.kind === 'status') {
      // Answer after reading the body, as an application server behind a proxy would; an
      // answer that races the upload is the reset-body fault's business.
      entry.status = fault.status
      req.resume()
      req.on('end', () => {
        res.writeHead(fault.status, { 'content-type': 'text/plain', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) })
        res.end(`injected ${fault.status}`)
      })
      return
    }
    if (fault.kind === 'stall') {
      req.resume()
      stalled.add(res)
      res.on('close', () => stalled.delete(res))
      return
    }
    const out = http.request({
      host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent,
    }, (upRes) => {
      entry.status = upRes.statusCode
      if (fault.kind === 'lose-answer') {
        upRes.resume()
        upRes.on('end', () => req.socket.destroy())
        return
      }
      if (fault.kind === 'garble-answer') {
        const chunks: Buffer[] = []
        upRes.on('data', (c: Buffer) => chunks.push(c))
        upRes.on('end', () => {
          let body = Buffer.concat(chunks)
          if (fault.truncate) body = body.subarray(0, body.length >> 1)
          else if (body.length > 0) body[body.length >> 1]! ^= 0x01
          const headers = { ...upRes.headers }
          delete headers['transfer-encoding']
          res.writeHead(upRes.statusCode ?? 502, { ...headers, 'content-length': String(body.length) })
          res.end(body)
        })
        return
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.headers)
      upRes.pipe(res)
    })
    // The server answered before it read the whole body and closed (Immich's early "duplicate",
    // a 413): a real proxy forwards that answer and discards the rest of the body, as nginx's
    // lingering close does. Only a request that got no answer is reset.
    out.on('error', () => {
      if (entry.status === undefined) req.socket.destroy()
      else req.resume()
    })
    if (fault.kind === 'reset-body') {
      let seen = 0
      req.on('data', (chunk: Buffer) => {
        if (seen >= fault.afterBytes) return
        const take = Math.min(chunk.length, fault.afterBytes - seen)
        seen += take
        out.write(chunk.subarray(0, take))
        if (seen >= fault.afterBytes) {
          out.destroy()
          req.socket.destroy()
        }
      })
      req.on('end', () => {
        // A body shorter than the cut: reset anyway, after the server saw part of it.
        out.destroy()
        req.socket.destroy()
      })
      return
    }
    if (fault.kind === 'corrupt-body') {
      const at = fault.at ?? Number(req.headers['content-length'] ?? 0) >> 1
      let seen = 0
      req.on('data', (chunk: Buffer) => {
        if (at >= seen && at < seen + chunk.length) {
          chunk = Buffer.from(chunk)
          chunk[at - seen]! ^= 0x01
          entry.flippedAt = at
        }
        seen += chunk.length
        out.write(chunk)
      })
      req.on('end', () => out.end())
      return
    }
    req.pipe(out)
  })
  server.on('clientError', (_e, socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    setPlan: (p) => void (plan = p),
    close: async () => {
      for (const r of stalled) r.socket?.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      agent.destroy()
    },
  }
}
