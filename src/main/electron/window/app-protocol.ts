/**
 * The window loads the renderer from `app://cradle/…`, a privileged custom scheme, not file://:
 * the handler decides which files exist (only the built renderer folder) and sets the CSP header
 * on every response, which file:// cannot carry (Electron security checklist, "custom protocols").
 * This module is the pure part: URL → file, content type, headers.
 */
import path from 'node:path'
import { thumbnailItemIdOf } from '../../../shared/contract.js'
import { CSP_HEADER } from '../../../shared/csp.js'
import { resolveBelow } from '../../folders/inside.js'

export const APP_SCHEME = 'app'
export const APP_HOST = 'cradle'
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`

/** Every response carries the shared CSP (src/shared/csp.ts) as a header, with frame-ancestors. */
export const RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CSP_HEADER,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
}

export type AppRequest = { ok: true; file: string; contentType: string } | { ok: false; status: 400 | 404 }

/** True for a URL of our own scheme and host (the window's origin). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST
  } catch {
    return false
  }
}

/** The queue item whose thumbnail an app:// URL asks for (the same path as headless), else null. */
export function thumbnailRequest(url: string): string | null {
  return isAppUrl(url) ? thumbnailItemIdOf(new URL(url).pathname) : null
}

/** Maps a request URL to a file inside `rootDir`; anything that could leave the folder is refused. */
export function resolveAppRequest(url: string, rootDir: string): AppRequest {
  if (!isAppUrl(url)) return { ok: false, status: 404 }
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(url).pathname)
  } catch {
    return { ok: false, status: 400 }
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { ok: false, status: 400 }
  const parts = pathname.split('/').filter((p) => p !== '')
  if (parts.some((p) => p === '..' || p === '.')) return { ok: false, status: 400 }
  const relative = parts.length === 0 ? 'index.html' : parts.join('/')
  const file = resolveBelow(rootDir, relative)
  if (file === null) return { ok: false, status: 400 }
  const contentType = CONTENT_TYPES[path.extname(file).toLowerCase()]
  if (!contentType) return { ok: false, status: 404 }
  return { ok: true, file, contentType }
}
