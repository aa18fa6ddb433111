import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CSP_HEADER } from '../../../src/shared/csp.js'
import { APP_ENTRY_URL, RESPONSE_HEADERS, isAppUrl, resolveAppRequest, thumbnailRequest } from '../../../src/main/electron/window/app-protocol.js'
import { GOOGLE_SETUP_LINKS } from '../../../src/shared/google-setup.js'
import { createExternalLinkPolicy, mayNavigate, secureWebPreferences } from '../../../src/main/electron/window/window-security.js'

const ROOT = path.resolve('/opt/Cradle/resources/app.asar/dist/renderer')

describe('app:// scheme', () => {
  it('serves the built renderer files with their types', () => {
    expect(resolveAppRequest(APP_ENTRY_URL, ROOT)).toEqual({ ok: true, file: path.join(ROOT, 'index.html'), contentType: 'text/html; charset=utf-8' })
    expect(resolveAppRequest('app://cradle/', ROOT)).toMatchObject({ ok: true, file: path.join(ROOT, 'index.html') })
    expect(resolveAppRequest('app://cradle/assets/index-Ab12.js?v=1#x', ROOT)).toEqual({ ok: true, file: path.join(ROOT, 'assets/index-Ab12.js'), contentType: 'text/javascript; charset=utf-8' })
    expect(resolveAppRequest('app://cradle/assets/My%20Font.woff2', ROOT)).toMatchObject({ ok: true, file: path.join(ROOT, 'assets/My Font.woff2'), contentType: 'font/woff2' })
  })

  it('never leaves the renderer folder', () => {
    for (const url of [
      'app://cradle/%2e%2e/%2e%2e/main/electron/main.js', // the URL parser folds these inside the root
      'app://cradle/assets/%2E%2E%2F..%2Fpackage.json',
      'app://cradle/..%5C..%5Cpackage.json',
      'app://cradle/a%00.js',
      'app://cradle/%E0%A4%A',
      'app://cradle/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
    ]) {
      const r = resolveAppRequest(url, ROOT)
      expect(!r.ok || r.file.startsWith(ROOT + path.sep), url).toBe(true)
    }
    expect(resolveAppRequest('app://cradle/assets/%2e%2e%2f%2e%2e%2fpackage.json', ROOT)).toEqual({ ok: false, status: 400 })
    expect(resolveAppRequest('app://cradle/..%5Cpackage.json', ROOT)).toEqual({ ok: false, status: 400 })
    expect(resolveAppRequest('app://cradle/%E0%A4%A', ROOT)).toEqual({ ok: false, status: 400 })
  })

  it('routes thumbnail paths to the engine by item id, and nothing else', () => {
    expect(thumbnailRequest('app://cradle/api/thumbnails/42')).toBe('42')
    expect(thumbnailRequest('app://cradle/api/thumbnails/42?x=1')).toBe('42')
    for (const url of ['app://other/api/thumbnails/42', 'app://cradle/api/thumbnails/', 'app://cradle/api/thumbnails/0', 'app://cradle/api/thumbnails/4a',
      'app://cradle/api/thumbnails/..%2f42', 'app://cradle/api/thumbnails/42/x', 'app://cradle/index.html', 'file:///api/thumbnails/42']) {
      expect(thumbnailRequest(url), url).toBeNull()
    }
  })

  it('answers 404 for other hosts, schemes and unknown file types', () => {
    expect(resolveAppRequest('app://other/index.html', ROOT)).toEqual({ ok: false, status: 404 })
    expect(resolveAppRequest('file:///etc/passwd', ROOT)).toEqual({ ok: false, status: 404 })
    expect(resolveAppRequest('app://cradle/secrets.sqlite', ROOT)).toEqual({ ok: false, status: 404 })
  })

  it('sends the shared CSP with frame-ancestors as a header on every response', () => {
    expect(RESPONSE_HEADERS['content-security-policy']).toBe(CSP_HEADER)
    expect(CSP_HEADER).toContain("script-src 'self'")
    expect(CSP_HEADER).not.toMatch(/unsafe-(inline|eval)/)
    expect(CSP_HEADER).toContain("frame-ancestors 'none'")
    expect(RESPONSE_HEADERS['x-content-type-options']).toBe('nosniff')
  })

  it('knows its own origin', () => {
    expect(isAppUrl('app://cradle/index.html')).toBe(true)
    expect(isAppUrl('app://cradle.evil/index.html')).toBe(false)
    expect(isAppUrl('not a url')).toBe(false)
  })
})

describe('window security', () => {
  it('isolated, sandboxed, no Node, web security on', () => {
    const prefs = secureWebPreferences('/app/dist/preload/index.cjs')
    expect(prefs).toMatchObject({
      preload: '/app/dist/preload/index.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false,
      nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true,
      allowRunningInsecureContent: false, webviewTag: false,
    })
  })

  it('navigation stays inside the app', () => {
    expect(mayNavigate('app://cradle/index.html')).toBe(true)
    expect(mayNavigate('https://accounts.google.com/')).toBe(false)
    expect(mayNavigate('file:///etc/passwd')).toBe(false)
    expect(mayNavigate('javascript:alert(1)')).toBe(false)
  })

  it('lets out only a sign-in URL the engine produced, once, over https, while fresh', () => {
    const links = createExternalLinkPolicy(60_000)
    const url = 'https://accounts.google.com/o/oauth2/v2/auth?client_id=x&state=y'
    expect(links.decide(url, 0)).toBe('deny')
    links.allow(url, 0)
    expect(links.decide('https://accounts.google.com/o/oauth2/v2/auth?client_id=evil', 1)).toBe('deny')
    expect(links.decide(url, 1)).toBe('open-external')
    expect(links.decide(url, 2)).toBe('deny') // used up
    links.allow(url, 0)
    expect(links.decide(url, 60_001)).toBe('deny') // stale
    links.allow('http://accounts.google.com/', 0)
    links.allow('file:///etc/passwd', 0)
    expect(links.decide('http://accounts.google.com/', 1)).toBe('deny')
    expect(links.decide('file:///etc/passwd', 1)).toBe('deny')
  })

  it('always lets out the fixed pages of the Google setup guide, and nothing near them', () => {
    const links = createExternalLinkPolicy(60_000, [...GOOGLE_SETUP_LINKS, 'http://example.com/'])
    for (const url of GOOGLE_SETUP_LINKS) {
      expect(links.decide(url, 0)).toBe('open-external')
      expect(links.decide(url, 1e12)).toBe('open-external')
    }
    expect(links.decide('https://console.cloud.google.com/apis/library/photoslibrary.googleapis.com?evil', 0)).toBe('deny')
    expect(links.decide('http://example.com/', 0)).toBe('deny')
  })
})
