/**
 * Serves the built renderer (dist/renderer) read-only: GET/HEAD, known content types, no path may
 * leave the folder, hashed assets cached for good and index.html never cached.
 *
 * The files are kept in memory once read (with their gzip for text), and a hashed asset is answered
 * without touching the disk: while the engine imports, serve's event loop runs catalog work between
 * requests, and a file streamed in 64 KiB reads waited for every one of those turns (bench/README.md,
 * ui). A file that is not hashed (index.html) is checked by stat, so a rebuilt window is served.
 */
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { promisify } from 'node:util'
import { gzip as gzipCallback } from 'node:zlib'
import { resolveBelow } from '../../folders/inside.js'

const gzip = promisify(gzipCallback)

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

/** The file a URL path names inside `root`, or null when it would leave it or is malformed. */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '')
  return resolveBelow(root, relative)
}

export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/** Files up to this size are kept in memory (the renderer's bundle is about 300 KiB). */
const MAX_KEPT_BYTES = 4 * 1024 * 1024
const COMPRESSIBLE = /^(text\/|application\/json|image\/svg)/

interface Kept {
  mtimeMs: number
  size: number
  bytes: Buffer
  /** Null when gzip would not make it smaller (or it is not text). */
  gzipped: Buffer | null
}

const kept = new Map<string, Kept>()

const isImmutable = (file: string): boolean => /[\\/]assets[\\/][^\\/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(file)

function acceptsGzip(req: IncomingMessage): boolean {
  const accept = req.headers['accept-encoding']
  return typeof accept === 'string' && /(^|,)\s*gzip\s*(,|$|;\s*q=(0?\.0*[1-9]|1))/i.test(accept)
}

async function keep(file: string, info: { mtimeMs: number; size: number }): Promise<Kept> {
  const bytes = await readFile(file)
  const packed = COMPRESSIBLE.test(contentType(file)) ? await gzip(bytes, { level: 9 }) : null
  const entry = { mtimeMs: info.mtimeMs, size: bytes.length, bytes, gzipped: packed && packed.length < bytes.length ? packed : null }
  kept.set(file, entry)
  return entry
}

function send(req: IncomingMessage, res: ServerResponse, file: string, entry: Kept): void {
  const packed = entry.gzipped !== null && acceptsGzip(req)
  const body = packed ? entry.gzipped! : entry.bytes
  res.writeHead(200, {
    'Content-Type': contentType(file),
    'Content-Length': body.length,
    'Cache-Control': isImmutable(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...(entry.gzipped !== null ? { Vary: 'Accept-Encoding' } : {}),
    ...(packed ? { 'Content-Encoding': 'gzip' } : {}),
  })
  res.end(req.method === 'HEAD' ? undefined : body)
}

/** Answers a GET/HEAD for a static file; returns false when there is no such file (caller 404s). */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, root: string, urlPath: string): Promise<boolean> {
  let file = resolveStaticPath(root, urlPath)
  if (file === null) return false
  // A hashed asset never changes under its name: answered from memory without a stat.
  const known = kept.get(file)
  if (known && isImmutable(file)) {
    send(req, res, file, known)
    return true
  }
  let info = await stat(file).catch(() => null)
  if (info?.isDirectory()) {
    file = path.join(file, 'index.html')
    info = await stat(file).catch(() => null)
  }
  if (!info?.isFile()) return false
  if (info.size <= MAX_KEPT_BYTES) {
    const entry = kept.get(file)
    const fresh = entry && entry.mtimeMs === info.mtimeMs && entry.size === info.size ? entry : await keep(file, info).catch(() => null)
    if (fresh) {
      send(req, res, file, fresh)
      return true
    }
  }
  res.writeHead(200, {
    'Content-Type': contentType(file),
    'Content-Length': info.size,
    'Cache-Control': isImmutable(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
  })
  if (req.method === 'HEAD') {
    res.end()
    return true
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(file)
    stream.on('error', () => {
      res.destroy()
      resolve()
    })
    stream.on('end', resolve)
    stream.pipe(res)
  })
  return true
}
