/**
 * Serves the built renderer (dist/renderer) read-only: GET/HEAD, known content types, no path may
 * leave the folder, hashed assets cached for good and index.html never cached.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { resolveBelow } from '../../folders/inside.js'

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

/** Answers a GET/HEAD for a static file; returns false when there is no such file (caller 404s). */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, root: string, urlPath: string): Promise<boolean> {
  let file = resolveStaticPath(root, urlPath)
  if (file === null) return false
  let info = await stat(file).catch(() => null)
  if (info?.isDirectory()) {
    file = path.join(file, 'index.html')
    info = await stat(file).catch(() => null)
  }
  if (!info?.isFile()) return false
  const immutable = /[\\/]assets[\\/][^\\/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(file)
  res.writeHead(200, {
    'Content-Type': contentType(file),
    'Content-Length': info.size,
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
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
