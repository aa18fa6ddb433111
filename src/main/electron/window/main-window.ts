/**
 * The one window and everything that keeps it safe: the app:// scheme that serves the built
 * renderer with the CSP header, permission requests refused, navigation and new windows blocked
 * for every webContents, and closing that hides instead of quitting.
 */
import { BrowserWindow, app, net, protocol, session, shell } from 'electron'
import { pathToFileURL } from 'node:url'
import { createLogger } from '../../logging/logger.js'
import { THUMBNAIL_CACHE_CONTROL, type CommandHandler } from '../../../shared/contract.js'
import { APP_ENTRY_URL, APP_SCHEME, RESPONSE_HEADERS, resolveAppRequest, thumbnailRequest } from './app-protocol.js'
import { mayNavigate, secureWebPreferences, type ExternalLinkPolicy } from './window-security.js'

const log = createLogger('electron/window')

/** Must run before app `ready` (Electron ignores it later). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }])
}

/** After `ready`: serve dist/renderer and queue thumbnails over app://cradle/ and lock the session down. */
export function serveRenderer(rendererDir: string, thumbnails: Pick<CommandHandler, 'thumbnail'>): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 })
    const itemId = thumbnailRequest(request.url)
    if (itemId !== null) {
      const image = await thumbnails.thumbnail(itemId).catch(() => null)
      if (!image) return new Response(null, { status: 404, headers: RESPONSE_HEADERS })
      const headers = { ...RESPONSE_HEADERS, 'content-type': image.contentType, 'cache-control': THUMBNAIL_CACHE_CONTROL }
      return new Response(Buffer.from(image.bytes), { status: 200, headers })
    }
    const target = resolveAppRequest(request.url, rendererDir)
    if (!target.ok) return new Response(null, { status: target.status })
    const file = await net.fetch(pathToFileURL(target.file).toString()).catch(() => null)
    if (!file || !file.ok) return new Response(null, { status: 404 })
    return new Response(file.body, { status: 200, headers: { ...RESPONSE_HEADERS, 'content-type': target.contentType } })
  })
  const ses = session.defaultSession
  ses.setPermissionRequestHandler((_contents, permission, callback) => {
    log.info('permission refused', { permission })
    callback(false)
  })
  ses.setPermissionCheckHandler(() => false)
}

/**
 * For every webContents that will ever exist: no navigation away from the app, no <webview>, and
 * window.open only lets an allowed sign-in URL out to the system browser.
 */
export function hardenAllWebContents(links: ExternalLinkPolicy): void {
  app.on('web-contents-created', (_event, contents) => {
    const guard = (event: { preventDefault(): void }, url: string): void => {
      if (mayNavigate(url)) return
      event.preventDefault()
      log.warn('navigation blocked', { url: url.slice(0, 200) })
    }
    contents.on('will-navigate', (event) => guard(event, event.url))
    contents.on('will-redirect', (event) => guard(event, event.url))
    contents.on('will-attach-webview', (event) => event.preventDefault())
    contents.setWindowOpenHandler(({ url }) => {
      if (links.decide(url, Date.now()) === 'open-external') {
        shell.openExternal(url).catch((error: unknown) => log.warn('could not open the browser', { error }))
      } else {
        log.warn('new window blocked', { url: url.slice(0, 200) })
      }
      return { action: 'deny' }
    })
  })
}

export interface WindowOptions {
  preload: string
  icon?: string
  /** True once Quit started: only then may `close` really close. */
  isQuitting(): boolean
  /** The page (re)loaded or the window showed: send it the newest snapshot. */
  onVisible(): void
  onHidden(): void
}

/** The app window: secure preferences, loads app://cradle/index.html, hides on close until Quit. */
export function createMainWindow(options: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1000,
    height: 760,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'Cradle',
    autoHideMenuBar: true,
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: secureWebPreferences(options.preload),
  })
  win.on('close', (event) => {
    if (options.isQuitting()) return
    event.preventDefault() // closing keeps Cradle in the tray
    win.hide()
  })
  win.on('show', () => options.onVisible())
  win.on('restore', () => options.onVisible())
  win.on('hide', () => options.onHidden())
  win.webContents.on('did-finish-load', () => options.onVisible())
  win.webContents.on('render-process-gone', (_event, details) => log.error('renderer gone', { reason: details.reason }))
  win.loadURL(APP_ENTRY_URL).catch((error: unknown) => log.error('window did not load', { error }))
  return win
}
