/**
 * A fake Nextcloud WebDAV server, written from Nextcloud's published developer manual
 * (client_apis/WebDAV/basic.html and chunking.html, v2) and apps/dav/lib/Connector/Sabre/File.php
 * as summarised in destinations.md §4, because no Nextcloud server can run here. In memory.
 * Strict where Nextcloud is: Basic auth required; PUT into a missing folder → 409; Content-Length
 * mismatch → 400; chunk uploads need Destination and OC-Total-Length; chunks are numbered
 * 1…10000 and all but the last must be ≥ 5 MB; MOVE checks the total length; X-OC-Mtime is
 * applied and answered with X-OC-MTime: accepted.
 *   - PROPFIND answers oc:checksums ("SHA1:… MD5:…"), as Nextcloud does for files it has a checksum of.
 *   - PUT with X-Hash: md5|sha1|sha256|all answers X-Hash-MD5/-SHA1/-SHA256 of the bytes received
 *     (File.php's HashWrapper); MOVE within the files tree honours Overwrite: F (412).
 */
import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

interface Entry {
  data: Buffer
  mtime: number
}

const MIN_CHUNK = 5 * 1000 * 1000

export interface FakeNextcloud {
  url: string
  /** Base URL of the user's files: http://host/remote.php/dav/files/alice */
  filesUrl: string
  files: Map<string, Entry>
  dirs: Set<string>
  uploads: Map<string, { destination: string; chunks: Map<number, Buffer> }>
  requests: { method: string; path: string; status: number }[]
  /**
   * Bytes left in the user's quota (null: none set). Folders report it as quota-available-bytes
   * (RFC 4331, as Nextcloud does) and a PUT larger than it is answered 507, as Nextcloud does.
   */
  quotaAvailable: number | null
  close(): Promise<void>
}

export async function startFakeNextcloud(options: { user?: string; password?: string } = {}): Promise<FakeNextcloud> {
  const user = options.user ?? 'alice'
  const password = options.password ?? 'app-password'
  const files = new Map<string, Entry>()
  const dirs = new Set<string>(['/'])
  const uploads = new Map<string, { destination: string; chunks: Map<number, Buffer> }>()
  const requests: FakeNextcloud['requests'] = []
  const filesPrefix = `/remote.php/dav/files/${user}`
  const uploadsPrefix = `/remote.php/dav/uploads/${user}`

  const fake: FakeNextcloud = {
    url: '', filesUrl: '', files, dirs, uploads, requests, quotaAvailable: null,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const parent = (p: string): string => p.slice(0, p.lastIndexOf('/')) || '/'
  const propEntry = (href: string, e: Entry | null): string => `<d:response><d:href>${href}</d:href><d:propstat><d:prop>` +
    (e ? `<d:getcontentlength>${e.data.length}</d:getcontentlength><d:resourcetype/><d:getlastmodified>${new Date(e.mtime * 1000).toUTCString()}</d:getlastmodified><d:getetag>"${e.mtime}-${e.data.length}"</d:getetag><d:getcontenttype>application/octet-stream</d:getcontenttype><oc:checksums><oc:checksum>SHA1:${createHash('sha1').update(e.data).digest('hex')} MD5:${createHash('md5').update(e.data).digest('hex')}</oc:checksum></oc:checksums>`
      : `<d:resourcetype><d:collection/></d:resourcetype><d:getlastmodified>${new Date().toUTCString()}</d:getlastmodified>` +
        (fake.quotaAvailable !== null ? `<d:quota-available-bytes>${fake.quotaAvailable}</d:quota-available-bytes><d:quota-used-bytes>0</d:quota-used-bytes>` : '')) +
    `</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`
  const multistatus = (body: string): string => `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">${body}</d:multistatus>`

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      const rawPath = url.pathname
      const send = (status: number, body = '', headers: Record<string, string> = {}): void => {
        requests.push({ method: req.method ?? '', path: rawPath, status })
        res.writeHead(status, { 'content-type': body.startsWith('<?xml') ? 'application/xml; charset=utf-8' : 'text/plain', ...headers })
        res.end(body)
      }
      if (req.headers.authorization !== `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`) return send(401, 'unauthorised', { 'www-authenticate': 'Basic realm="Nextcloud"' })
      const body = Buffer.concat(chunks)
      const declared = req.headers['content-length']
      if (declared !== undefined && Number(declared) !== body.length) return send(400, 'Content-Length mismatch')
      const mtimeHeader = req.headers['x-oc-mtime']

      if (rawPath.startsWith(filesPrefix)) {
        const p = decodeURIComponent(rawPath.slice(filesPrefix.length)).replace(/\/+$/, '') || '/'
        switch (req.method) {
          case 'PROPFIND': {
            const f = files.get(p)
            if (!f && !dirs.has(p)) return send(404)
            let out = propEntry(rawPath, f ?? null)
            if (!f && req.headers.depth === '1') {
              for (const [k, v] of files) if (parent(k) === p) out += propEntry(`${filesPrefix}${k}`, v)
              for (const d of dirs) if (d !== '/' && d !== p && parent(d) === p) out += propEntry(`${filesPrefix}${d}/`, null)
            }
            return send(207, multistatus(out))
          }
          case 'GET': {
            const f = files.get(p)
            if (!f) return send(404)
            requests.push({ method: 'GET', path: rawPath, status: 200 })
            res.writeHead(200, { 'content-length': f.data.length })
            return res.end(f.data)
          }
          case 'PUT': {
            if (!dirs.has(parent(p))) return send(409, 'parent missing')
            if (req.headers['if-none-match'] === '*' && files.has(p)) return send(412)
            if (fake.quotaAvailable !== null && body.length > fake.quotaAvailable) return send(507, 'Insufficient Storage')
            const existed = files.has(p)
            files.set(p, { data: body, mtime: mtimeHeader ? Number(mtimeHeader) : Math.floor(Date.now() / 1000) })
            const hashes: Record<string, string> = {}
            const want = String(req.headers['x-hash'] ?? '').toLowerCase()
            for (const algo of ['md5', 'sha1', 'sha256']) {
              if (want === algo || want === 'all') hashes[`x-hash-${algo}`] = createHash(algo).update(body).digest('hex')
            }
            return send(existed ? 204 : 201, '', { ...(mtimeHeader ? { 'x-oc-mtime': 'accepted' } : {}), ...hashes })
          }
          case 'MOVE': {
            const f = files.get(p)
            const destination = req.headers.destination
            if (!f) return send(404)
            if (typeof destination !== 'string') return send(400, 'Destination header required')
            const target = decodeURIComponent(new URL(destination, 'http://x').pathname.slice(filesPrefix.length)).replace(/\/+$/, '')
            if (!dirs.has(parent(target))) return send(409)
            const existed = files.has(target)
            if (existed && req.headers.overwrite === 'F') return send(412)
            files.delete(p)
            files.set(target, f)
            return send(existed ? 204 : 201)
          }
          case 'MKCOL':
            if (dirs.has(p) || files.has(p)) return send(405)
            if (!dirs.has(parent(p))) return send(409)
            dirs.add(p)
            return send(201)
          case 'DELETE':
            if (files.delete(p)) return send(204)
            return send(404)
          default:
            return send(405)
        }
      }

      if (rawPath.startsWith(uploadsPrefix)) {
        const rest = rawPath.slice(uploadsPrefix.length + 1).replace(/\/+$/, '')
        const [id, name] = rest.split('/')
        const destination = req.headers.destination
        const upload = id ? uploads.get(id) : undefined
        if (req.method === 'MKCOL' && id && !name) {
          if (typeof destination !== 'string') return send(400, 'Destination header required')
          if (upload) return send(405)
          uploads.set(id, { destination, chunks: new Map() })
          return send(201)
        }
        if (!upload) return send(404)
        if (req.method === 'PUT' && name) {
          const n = Number(name)
          if (!Number.isInteger(n) || n < 1 || n > 10_000) return send(400, 'chunk name must be 1…10000')
          if (destination !== upload.destination || req.headers['oc-total-length'] === undefined) return send(400, 'Destination and OC-Total-Length required')
          upload.chunks.set(n, body)
          return send(201)
        }
        if (req.method === 'PROPFIND') {
          let out = propEntry(rawPath, null)
          for (const [n, c] of upload.chunks) out += propEntry(`${uploadsPrefix}/${id}/${n}`, { data: c, mtime: 0 })
          return send(207, multistatus(out))
        }
        if (req.method === 'DELETE' && !name) {
          uploads.delete(id!)
          return send(204)
        }
        if (req.method === 'MOVE' && name === '.file') {
          if (destination !== upload.destination) return send(400, 'Destination differs from the upload folder')
          const target = decodeURIComponent(new URL(destination).pathname.slice(filesPrefix.length))
          const order = [...upload.chunks.keys()].sort((a, b) => a - b)
          const parts = order.map((n) => upload.chunks.get(n)!)
          if (parts.slice(0, -1).some((c) => c.length < MIN_CHUNK)) return send(400, 'chunks below 5 MB')
          const data = Buffer.concat(parts)
          if (Number(req.headers['oc-total-length']) !== data.length) return send(400, 'OC-Total-Length mismatch')
          if (!dirs.has(parent(target))) return send(409)
          if (files.has(target) && req.headers.overwrite === 'F') return send(412)
          files.set(target, { data, mtime: mtimeHeader ? Number(mtimeHeader) : Math.floor(Date.now() / 1000) })
          uploads.delete(id!)
          return send(201, '', mtimeHeader ? { 'x-oc-mtime': 'accepted' } : {})
        }
        return send(405)
      }
      return send(404)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  fake.url = url
  fake.filesUrl = `${url}${filesPrefix}`
  return fake
}
