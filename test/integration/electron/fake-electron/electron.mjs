// A fake of the parts of Electron's main-process API the shell uses, written from the Electron 45
// API docs (electron.d.ts): app, BrowserWindow, Tray, Menu, nativeImage, nativeTheme, ipcMain,
// protocol, session, net, shell, dialog, Notification, powerMonitor, safeStorage.
// It reports what the shell does as JSON lines on stdout and takes driving commands as JSON lines
// on stdin (invoke an IPC channel, click a tray menu item, fetch an app:// URL, close, quit).
import { EventEmitter } from 'node:events'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'

const out = (event) => process.stdout.write(`${JSON.stringify(event)}\n`)

const preventable = () => {
  const e = { defaultPrevented: false, preventDefault: () => void (e.defaultPrevented = true) }
  return e
}

// ---- app ----------------------------------------------------------------------------------------
let loginItemOpen = false
const windows = []
let quitting = false

class App extends EventEmitter {
  isPackaged = process.env.FAKE_PACKAGED === '1'
  #paths = {}
  dock = { hide: () => out({ event: 'dock.hide' }), show: async () => out({ event: 'dock.show' }) }
  #ready = new Promise((resolve) => {
    // Electron emits `ready` after the ES-module entry point has been evaluated.
    setImmediate(() => {
      out({ event: 'app.ready' })
      this.emit('ready')
      resolve()
    })
  })
  setName(name) { out({ event: 'app.setName', name }) }
  setPath(key, value) { this.#paths[key] = value; out({ event: 'app.setPath', key, value }) }
  getPath(key) { return this.#paths[key] }
  setAppUserModelId(id) { out({ event: 'app.setAppUserModelId', id }) }
  requestSingleInstanceLock() { return process.env.FAKE_LOCKED !== '1' }
  whenReady() { return this.#ready }
  isReady() { return true }
  getLoginItemSettings() { return { openAtLogin: loginItemOpen, wasOpenedAtLogin: false } }
  setLoginItemSettings(settings) { loginItemOpen = settings.openAtLogin; out({ event: 'app.setLoginItemSettings', settings }) }
  quit() {
    out({ event: 'app.quit' })
    const e = preventable()
    this.emit('before-quit', e)
    if (e.defaultPrevented || quitting) return
    quitting = true
    for (const w of windows) if (!w.isDestroyed()) w.close()
    out({ event: 'exit', code: 0 })
    setImmediate(() => process.exit(0))
  }
  exit(code = 0) {
    out({ event: 'exit', code })
    setImmediate(() => process.exit(code))
  }
}
export const app = new App()

// ---- windows --------------------------------------------------------------------------------------
let nextId = 1
class WebContents extends EventEmitter {
  id = nextId++
  windowOpenHandler = null
  send(channel, payload) { out({ event: 'webContents.send', channel, seq: payload?.seq }) }
  setWindowOpenHandler(handler) { this.windowOpenHandler = handler }
}

export class BrowserWindow extends EventEmitter {
  #visible = false
  #destroyed = false
  constructor(options) {
    super()
    this.options = options
    this.webContents = new WebContents()
    windows.push(this)
    out({ event: 'window.create', webPreferences: options.webPreferences, icon: options.icon ?? null, iconExists: options.icon ? existsSync(options.icon) : null })
    app.emit('web-contents-created', {}, this.webContents)
  }
  async loadURL(url) {
    out({ event: 'window.loadURL', url })
    setImmediate(() => {
      this.emit('ready-to-show')
      this.webContents.emit('did-finish-load')
    })
  }
  show() { this.#visible = true; out({ event: 'window.show' }); this.emit('show') }
  hide() { this.#visible = false; out({ event: 'window.hide' }); this.emit('hide') }
  close() {
    const e = preventable()
    this.emit('close', e)
    out({ event: 'window.close', prevented: e.defaultPrevented })
    if (!e.defaultPrevented) this.#destroyed = true
  }
  focus() {}
  restore() {}
  isVisible() { return this.#visible }
  isFocused() { return false }
  isMinimized() { return false }
  isDestroyed() { return this.#destroyed }
}

// ---- tray, menus, images ------------------------------------------------------------------------
const trays = []
export class Tray extends EventEmitter {
  constructor(image) {
    super()
    trays.push(this)
    this.menu = null
    out({ event: 'tray.create', file: image.path, exists: existsSync(image.path) })
  }
  setImage(image) { out({ event: 'tray.setImage', file: image.path, exists: existsSync(image.path) }) }
  setToolTip(text) { out({ event: 'tray.setToolTip', text }) }
  setContextMenu(menu) {
    this.menu = menu
    out({ event: 'tray.setContextMenu', items: menu.items.map((i) => ({ label: i.label ?? null, type: i.type ?? 'normal', enabled: i.enabled ?? true, checked: i.checked ?? null })) })
  }
  destroy() { out({ event: 'tray.destroy' }) }
}
export const Menu = { buildFromTemplate: (items) => ({ items }) }
export const nativeImage = { createFromPath: (path) => ({ path, setTemplateImage: () => undefined }) }
export const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: false })

// ---- IPC, protocol, session, net ----------------------------------------------------------------
const handlers = new Map()
export const ipcMain = {
  handle(channel, listener) {
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    handlers.set(channel, listener)
    out({ event: 'ipc.handle', channel })
  },
  removeHandler: (channel) => handlers.delete(channel),
}

let appProtocol = null
export const protocol = {
  registerSchemesAsPrivileged: (schemes) => out({ event: 'protocol.registerSchemesAsPrivileged', schemes }),
  handle(scheme, handler) {
    appProtocol = handler
    out({ event: 'protocol.handle', scheme })
  },
}
const permissionHandlers = {}
export const session = {
  defaultSession: {
    setPermissionRequestHandler: (fn) => void (permissionHandlers.request = fn),
    setPermissionCheckHandler: (fn) => void (permissionHandlers.check = fn),
  },
}
export const net = {
  async fetch(url) {
    try {
      return new Response(await readFile(fileURLToPath(url)))
    } catch {
      return new Response(null, { status: 404 })
    }
  },
}

// ---- OS services ----------------------------------------------------------------------------------
export const shell = {
  openPath: async (p) => (out({ event: 'shell.openPath', path: p }), ''),
  openExternal: async (url) => out({ event: 'shell.openExternal', url }),
}
export const dialog = {
  showMessageBox: async (_win, options) => (out({ event: 'dialog.showMessageBox', message: options.message, detail: options.detail }), { response: 0 }),
  showErrorBox: (title, content) => out({ event: 'dialog.showErrorBox', title, content }),
}
export class Notification extends EventEmitter {
  static isSupported() { return true }
  constructor(options) { super(); this.options = options }
  show() { out({ event: 'notification', title: this.options.title, body: this.options.body }) }
}
export const powerMonitor = Object.assign(new EventEmitter(), { isOnBatteryPower: () => false })
export const safeStorage = {
  isAsyncEncryptionAvailable: async () => true,
  getSelectedStorageBackend: () => process.env.FAKE_KEYRING ?? 'basic_text',
  setUsePlainTextEncryption: () => undefined,
  encryptStringAsync: async (s) => Buffer.from(`enc:${s}`),
  decryptStringAsync: async (b) => ({ result: b.toString().slice(4), shouldReEncrypt: false }),
}

// ---- driving the shell from the test --------------------------------------------------------------
async function drive(cmd) {
  const win = windows.at(-1)
  switch (cmd.op) {
    case 'invoke': {
      const handler = handlers.get(cmd.channel)
      const event = cmd.trusted === false
        ? { sender: { id: 999 }, senderFrame: { url: 'https://evil.example/', parent: null } }
        : { sender: { id: win?.webContents.id ?? -1 }, senderFrame: { url: 'app://cradle/index.html', parent: null } }
      try {
        out({ event: 'invoke.result', ref: cmd.ref, result: await handler(event, ...(cmd.args ?? [])) })
      } catch (error) {
        out({ event: 'invoke.error', ref: cmd.ref, message: error.message })
      }
      return
    }
    case 'menu': {
      const item = trays.at(-1).menu.items.find((i) => i.label === cmd.label)
      item.click()
      out({ event: 'menu.clicked', label: cmd.label })
      return
    }
    case 'fetch': {
      const res = await appProtocol(new Request(cmd.url))
      const body = res.body ? await res.text() : ''
      out({ event: 'fetch.result', ref: cmd.ref, status: res.status, csp: res.headers.get('content-security-policy'), type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), length: body.length })
      return
    }
    case 'windowOpen': {
      const decision = win.webContents.windowOpenHandler({ url: cmd.url })
      out({ event: 'windowOpen.result', ref: cmd.ref, action: decision.action })
      return
    }
    case 'navigate': {
      const e = preventable()
      e.url = cmd.url
      win.webContents.emit('will-navigate', e)
      out({ event: 'navigate.result', ref: cmd.ref, prevented: e.defaultPrevented })
      return
    }
    case 'permission': {
      permissionHandlers.request(win.webContents, cmd.permission, (granted) => out({ event: 'permission.result', ref: cmd.ref, granted }))
      return
    }
    case 'closeWindow':
      win.close()
      return
    case 'secondInstance':
      app.emit('second-instance', {}, [])
      return
    case 'quit':
      app.quit()
      return
  }
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === '') return
  drive(JSON.parse(line)).catch((error) => out({ event: 'drive.error', message: error.message }))
})

export default { app, BrowserWindow, Tray, Menu, nativeImage, nativeTheme, ipcMain, protocol, session, net, shell, dialog, Notification, powerMonitor, safeStorage }
