/**
 * The desktop app's entry: one instance, a tray icon, the engine, and a window on demand.
 * Wiring only; each decision lives in an Electron-free module beside this one (tray-model,
 * notification-rules, login-item-plan, ipc-router, state-stream, quit-controller).
 *
 * ES module main (Electron ≥ 28): the `ready` event waits for this module's top level, so
 * everything that must happen before `ready` is plain synchronous code here, and nothing at the
 * top level awaits `whenReady()` (that would hang).
 */
import { app, dialog, ipcMain, type BrowserWindow } from 'electron'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { IPC, type CommandHandler } from '../../shared/contract.js'
import { describeError } from '../../shared/error-text.js'
import { isCradleError } from '../../shared/errors.js'
import type { AppState } from '../../shared/state.js'
import type { EngineDeps, EngineHandle } from '../engine/engine-handle.js'
import { defaultDataDir } from '../headless/cli/default-paths.js'
import { configureLogging, createLogger } from '../logging/logger.js'
import { registerCommandHandlers } from './ipc/ipc-router.js'
import { isTrustedSender } from './ipc/trusted-sender.js'
import { createFileSink } from './log-file.js'
import { reconcileLoginItem } from './login-item/login-item.js'
import type { LoginItemEnv } from './login-item/login-item-plan.js'
import { createNotificationGate } from '../notifications/notification-gate.js'
import { notificationsFor } from '../notifications/notification-rules.js'
import { parseShellArgs, shouldStartHidden, toPlatform } from './platform.js'
import { electronNotifier, electronOpener, electronPowerSource, electronSecretStore } from './ports/electron-ports.js'
import { createQuitController } from './quit-controller.js'
import { APP_ICON_FILE } from './tray/tray-icons.js'
import { createAppTray, type AppTray } from './tray/tray.js'
import { trayModel, type TrayAction } from './tray/tray-model.js'
import { usbmuxdNotice } from './usbmuxd-notice.js'
import { createMainWindow, hardenAllWebContents, registerAppScheme, serveRenderer } from './window/main-window.js'
import { createStateStream } from './window/state-stream.js'
import { createExternalLinkPolicy } from './window/window-security.js'
import { GOOGLE_SETUP_LINKS } from '../../shared/google-setup.js'

type StartEngine = (deps: EngineDeps) => Promise<EngineHandle>

// dist/main/electron/main.js → the package root (also inside app.asar).
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const ASSETS = path.join(ROOT, 'assets')
const RENDERER_DIR = path.join(ROOT, 'dist', 'renderer')
const PRELOAD = path.join(ROOT, 'dist', 'preload', 'index.cjs')

const APP_ID = 'app.cradle.desktop' // electron-builder.yml appId
const platform = toPlatform(process.platform)
const args = parseShellArgs(process.argv.slice(1))
const dataDir = path.resolve(args.dataDir ?? defaultDataDir())

// Before `ready`: Chromium's profile and the single-instance lock live in the data folder, so a
// second `--data` folder is a second, independent Cradle (handy for trying things out).
app.setName('Cradle')
app.setPath('userData', dataDir)
// Windows shows notifications only for an app with an AppUserModelID (the installer sets the same one).
if (platform === 'win32') app.setAppUserModelId(APP_ID)
configureLogging({ sink: createFileSink(path.join(dataDir, 'logs'), { alsoStderr: !app.isPackaged }), level: app.isPackaged ? 'info' : 'debug' })
const log = createLogger('electron/main')

/** Loaded after `ready` so start-up work (SQLite, the mux) never delays what must happen before it. */
async function loadStartEngine(): Promise<StartEngine> {
  const { startEngine } = await import('../engine/start.js')
  return (deps) => startEngine(deps)
}

function loginEnv(): LoginItemEnv {
  return {
    platform, isPackaged: app.isPackaged, execPath: process.execPath, home: os.homedir(),
    ...(process.env.APPIMAGE ? { appImage: process.env.APPIMAGE } : {}),
    ...(process.env.XDG_CONFIG_HOME ? { configHome: process.env.XDG_CONFIG_HOME } : {}),
  }
}

async function run(): Promise<void> {
  let engine: EngineHandle | null = null
  let starting: Promise<EngineHandle> | null = null
  let win: BrowserWindow | null = null
  let tray: AppTray | null = null
  let lastState: AppState | null = null
  let appliedStartAtLogin: boolean | null = null
  let usbmuxdNoticeShown = false

  const links = createExternalLinkPolicy(undefined, GOOGLE_SETUP_LINKS)
  const gate = createNotificationGate()
  const windowFocused = (): boolean => win !== null && !win.isDestroyed() && win.isVisible() && win.isFocused()

  const stream = createStateStream({
    send: (state) => win?.webContents.send(IPC.state, state),
    isVisible: () => win !== null && !win.isDestroyed() && win.isVisible() && !win.isMinimized(),
    now: () => Date.now(),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (t) => clearTimeout(t as NodeJS.Timeout),
  })

  const showWindow = (): void => {
    if (win === null || win.isDestroyed()) {
      win = createMainWindow({
        preload: PRELOAD,
        ...(platform === 'darwin' ? {} : { icon: path.join(ASSETS, APP_ICON_FILE) }),
        isQuitting: () => quit.isQuitting(),
        onVisible: () => stream.flush(),
        onHidden: () => {
          if (platform === 'darwin') app.dock?.hide() // a menu-bar app again once the window is away
        },
      })
      win.once('ready-to-show', () => win?.show())
    } else {
      if (win.isMinimized()) win.restore()
      win.show()
    }
    if (platform === 'darwin') void app.dock?.show()
    win.focus()
  }

  const baseNotifier = electronNotifier({ ...(platform === 'darwin' ? {} : { icon: path.join(ASSETS, APP_ICON_FILE) }), onClick: showWindow })
  // The engine's own notifications pass the same gate as the shell's rules.
  const notifier: EngineDeps['notifier'] = {
    notify: (n) => {
      if (gate.admit(n.tag ?? n.title, 10 * 60_000, Date.now(), windowFocused())) baseNotifier.notify(n)
    },
  }

  const quit = createQuitController({
    stopEngine: async () => {
      log.info('quitting: stopping the engine')
      // Quit during start-up: let the engine finish starting, then stop it properly.
      const running = engine ?? (await starting?.catch(() => null)) ?? null
      await running?.stop()
      log.info('engine stopped')
    },
    quit: () => app.quit(),
    onError: (error) => log.error('engine stop failed', { error }),
  })
  app.on('before-quit', (event) => quit.onBeforeQuit(event))
  // A tray app lives on without windows.
  app.on('window-all-closed', () => undefined)
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => app.quit())

  const refreshTray = (): void => {
    tray?.update(trayModel(lastState, { platform, now: Date.now(), loginItemSupported: app.isPackaged }))
  }

  const onState = (state: AppState): void => {
    const prev = lastState
    lastState = state
    refreshTray()
    stream.push(state)
    for (const n of notificationsFor(prev, state, platform)) {
      if (gate.admit(n.key, n.cooldownMs, Date.now(), windowFocused())) baseNotifier.notify({ title: n.title, body: n.body, tag: n.key })
    }
    if (state.settings.startAtLogin !== appliedStartAtLogin) {
      appliedStartAtLogin = state.settings.startAtLogin
      reconcileLoginItem(appliedStartAtLogin, loginEnv(), app).catch((error: unknown) => log.warn('login item', { error }))
    }
    const notice = usbmuxdNoticeShown ? null : usbmuxdNotice(state, platform)
    if (notice) {
      usbmuxdNoticeShown = true
      if (win?.isVisible()) void dialog.showMessageBox(win, { type: 'warning', message: notice.title, detail: notice.detail, buttons: ['OK'] })
      else baseNotifier.notify({ title: notice.title, body: notice.detail })
    }
  }

  const act = async (action: TrayAction): Promise<void> => {
    if (action === 'openWindow') return showWindow()
    if (action === 'quit') return app.quit()
    if (!engine) return
    switch (action) {
      case 'backupNow': {
        const result = await engine.handle('backupNow', {})
        if (!result.started && result.reason) baseNotifier.notify({ title: 'Cradle', body: result.reason })
        return
      }
      case 'togglePause':
        await engine.handle(engine.current().paused ? 'resume' : 'pause', undefined)
        return
      case 'openLibrary':
        await engine.handle('openLibraryFolder', undefined)
        return
      case 'toggleStartAtLogin':
        await engine.handle('updateSettings', { startAtLogin: !engine.current().settings.startAtLogin })
        return
    }
  }

  hardenAllWebContents(links)
  tray = createAppTray({
    assetsDir: ASSETS,
    platform,
    onAction: (action) => act(action).catch((error: unknown) => log.warn('tray action failed', { action, error })),
    onClick: showWindow,
  })
  refreshTray()
  setInterval(refreshTray, 60_000).unref() // "today 08:14" becomes "yesterday 08:14" at midnight

  // The window may load (and ask for getState) before the engine is up: its calls wait for it.
  let resolveEngine!: (e: EngineHandle) => void
  const engineReady = new Promise<EngineHandle>((resolve) => (resolveEngine = resolve))
  const waitingHandler: CommandHandler = {
    handle: async (name, input) => (await engineReady).handle(name, input),
    subscribe: (listener) => {
      let off: (() => void) | null = null
      let cancelled = false
      void engineReady.then((e) => (cancelled ? undefined : (off = e.subscribe(listener))))
      return () => {
        cancelled = true
        off?.()
      }
    },
    current: () => {
      if (!engine) throw new Error('engine not started')
      return engine.current()
    },
    thumbnail: async (itemId) => (await engineReady).thumbnail(itemId),
    libraryFile: async (itemId) => (await engineReady).libraryFile(itemId),
  }
  serveRenderer(RENDERER_DIR, waitingHandler)
  registerCommandHandlers({
    registry: ipcMain,
    handler: waitingHandler,
    platform,
    isTrusted: (event) => isTrustedSender(event, win && !win.isDestroyed() ? win.webContents.id : null),
    onResult: (name, value) => {
      if (name === 'signIn') links.allow((value as { url: string }).url, Date.now())
    },
  })

  const startHidden = shouldStartHidden(args, platform, platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin)
  if (!startHidden) showWindow()
  else if (platform === 'darwin') app.dock?.hide()

  app.on('second-instance', () => showWindow())
  // macOS: Cradle opened again from Finder or the Dock. `activate` also fires for the launch
  // itself, which must not undo a hidden start at login.
  const launchedAt = Date.now()
  app.on('activate', () => {
    if (!(startHidden && Date.now() - launchedAt < 3_000)) showWindow()
  })

  try {
    // The single-instance lock only keeps out a second desktop app; this keeps out any other
    // Cradle (`cradle serve`, `backup --once`) on the same data folder, and dies with the process.
    const { lockDataFolder } = await import('../data-folder/data-folder-lock.js')
    const dataFolderLock = lockDataFolder(dataDir, 'Cradle (desktop app)')
    const startEngine = await loadStartEngine()
    const secrets = await electronSecretStore(dataDir, platform)
    if (secrets.weakness) log.warn('secrets are not protected by a keyring')
    starting = startEngine({
      dataDir,
      dataFolderLock,
      ...(args.libraryDir ? { libraryDir: path.resolve(args.libraryDir) } : {}),
      platform,
      power: electronPowerSource(platform),
      notifier,
      secrets,
      opener: electronOpener,
    })
    engine = await starting
  } catch (error) {
    log.error('engine did not start', { error })
    const text = isCradleError(error) ? describeError(error.code, error.context, platform) : null
    const reason = text ? `${text.title}.${text.action ? ` ${text.action}` : ''}` : (error as Error).message
    dialog.showErrorBox('Cradle could not start', `${reason}\n\nThe log is in ${path.join(dataDir, 'logs')}.`)
    app.exit(1)
    return
  }
  const running = engine
  resolveEngine(running)
  running.subscribe(onState)
  onState(running.current())
  log.info('started', { dataDir, hidden: startHidden, packaged: app.isPackaged })
}

if (!app.requestSingleInstanceLock()) {
  // Another Cradle owns this data folder: it shows its window (second-instance) and we leave.
  app.quit()
} else {
  registerAppScheme()
  app.whenReady().then(run).catch((error: unknown) => {
    log.error('start-up failed', { error })
    app.exit(1)
  })
}
