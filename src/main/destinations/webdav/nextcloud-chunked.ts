/**
 * Nextcloud chunked upload v2 (docs.nextcloud.com … client_apis/WebDAV/chunking.html):
 * MKCOL /remote.php/dav/uploads/<user>/<id> with Destination, PUT …/<id>/<n> (n = 1…10000, each
 * 5 MB–5 GB except the last) with Destination and OC-Total-Length, then MOVE …/<id>/.file to the
 * target. The upload id and the chunks that arrived persist in the queue row, so a restart sends
 * only what is missing (the folder lives 24 h; a PROPFIND tells whether it still does).
 */
import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { UploadContext, UploadItem } from '../destination.js'
import { httpRequest, type HttpResponse } from '../http-request.js'
import { httpError, parseRetryAfter } from '../upload-errors.js'

/** The Nextcloud user id when the URL is …/remote.php/dav/files/<user>/…, else null. */
export function nextcloudUser(url: string): string | null {
  const m = /\/remote\.php\/dav\/files\/([^/]+)/.exec(new URL(url).pathname)
  return m ? decodeURIComponent(m[1]!) : null
}

export interface ChunkedSession {
  kind: 'nextcloud-chunked'
  uploadId: string
  chunkSize: number
  target: string
  done: number[]
}

export class NextcloudChunkedUpload {
  private readonly uploadsBase: string
  private readonly auth: string

  constructor(private readonly o: { filesUrl: string; user: string; username: string; password: string; chunkSize: number; now: () => number }) {
    const u = new URL(o.filesUrl)
    this.uploadsBase = `${u.origin}${u.pathname.slice(0, u.pathname.indexOf('/remote.php/'))}/remote.php/dav/uploads/${encodeURIComponent(o.user)}`
    this.auth = `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`
  }

  /** Full URL of a file below the configured folder (the Destination header wants a full URL). */
  private targetUrl(remote: string): string {
    const base = this.o.filesUrl.replace(/\/+$/, '')
    return `${base}${remote.split('/').map(encodeURIComponent).join('/')}`
  }

  private async call(method: string, url: string, ctx: UploadContext, headers: Record<string, string | number> = {}, body?: Readable): Promise<HttpResponse> {
    const res = await httpRequest({ method, url, headers: { authorization: this.auth, ...headers }, body, signal: ctx.signal, onActivity: ctx.touch })
    return res
  }

  private fail(res: HttpResponse, what: string): never {
    throw httpError(res.status, `${what}: ${res.text().slice(0, 200)}`, parseRetryAfter(res.header('retry-after'), this.o.now()))
  }

  /** Sends the file; 'exists' when the MOVE found the target taken (the caller compares). */
  async upload(remote: string, item: UploadItem, ctx: UploadContext): Promise<'created' | 'exists'> {
    const target = this.targetUrl(remote)
    let session = await this.resume(ctx, target)
    if (!session) {
      session = { kind: 'nextcloud-chunked', uploadId: `cradle-${item.sha256.slice(0, 16)}-${randomBytes(4).toString('hex')}`, chunkSize: this.o.chunkSize, target, done: [] }
      const res = await this.call('MKCOL', `${this.uploadsBase}/${session.uploadId}`, ctx, { destination: target })
      if (res.status !== 201) this.fail(res, 'MKCOL upload folder')
      ctx.saveSession(session)
    }
    const dir = `${this.uploadsBase}/${session.uploadId}`
    const chunks = Math.max(1, Math.ceil(item.size / session.chunkSize))
    for (let n = 1; n <= chunks; n++) {
      if (session.done.includes(n)) continue
      const start = (n - 1) * session.chunkSize
      const end = Math.min(item.size, start + session.chunkSize)
      const res = await this.call('PUT', `${dir}/${n}`, ctx, { destination: target, 'oc-total-length': item.size, 'content-length': end - start, 'content-type': 'application/octet-stream' }, ctx.open(start, end))
      if (res.status !== 201 && res.status !== 204) this.fail(res, `PUT chunk ${n}`)
      session.done.push(n)
      ctx.saveSession(session)
    }
    const move = await this.call('MOVE', `${dir}/.file`, ctx, {
      destination: target,
      'oc-total-length': item.size,
      'x-oc-mtime': Math.floor((item.capturedAt ?? item.importedAt) / 1000),
      overwrite: 'F',
    })
    if (move.status === 412) {
      await this.discard(ctx)
      return 'exists'
    }
    if (move.status !== 201 && move.status !== 204) {
      if (move.status === 404) ctx.saveSession(null) // the upload folder expired: start over next time
      this.fail(move, 'MOVE assembled file')
    }
    ctx.saveSession(null)
    return 'created'
  }

  /** A saved session whose upload folder still exists, with the chunks the server really has. */
  private async resume(ctx: UploadContext, target: string): Promise<ChunkedSession | null> {
    const s = ctx.session as Partial<ChunkedSession> | null
    if (!s || s.kind !== 'nextcloud-chunked' || s.target !== target || s.chunkSize !== this.o.chunkSize || typeof s.uploadId !== 'string') return null
    const res = await this.call('PROPFIND', `${this.uploadsBase}/${s.uploadId}`, ctx, { depth: 1, 'content-type': 'application/xml' })
    if (res.status === 404) {
      ctx.saveSession(null)
      return null
    }
    if (res.status !== 207) this.fail(res, 'PROPFIND upload folder')
    const present = new Set<number>()
    for (const m of res.text().matchAll(/<(?:\w+:)?href>[^<]*\/(\d+)\/?<\/(?:\w+:)?href>/gi)) present.add(Number(m[1]))
    const session: ChunkedSession = { kind: 'nextcloud-chunked', uploadId: s.uploadId, chunkSize: s.chunkSize, target, done: (s.done ?? []).filter((n) => present.has(n)) }
    ctx.log.info('resuming chunked upload', { chunks: session.done.length })
    return session
  }

  /** Deletes a saved upload folder (best effort: Nextcloud expires it after 24 h anyway). */
  async discard(ctx: UploadContext): Promise<void> {
    const s = ctx.session as Partial<ChunkedSession> | null
    ctx.saveSession(null)
    if (!s || s.kind !== 'nextcloud-chunked' || typeof s.uploadId !== 'string') return
    await this.call('DELETE', `${this.uploadsBase}/${s.uploadId}`, ctx).catch(() => undefined)
  }
}

