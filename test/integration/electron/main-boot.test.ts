/**
 * The built shell (dist/main/electron/main.js) booted under plain Node against a fake of Electron's
 * API (fake-electron/electron.mjs, from the Electron 45 docs; the real binary cannot run here) and a
 * scripted engine in place of dist/main/engine/start.js. Proves the wiring: what happens before
 * `ready`, IPC handlers, tray updates from engine state, notifications, window security, and that
 * Quit waits for the engine to stop.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { COMMAND_NAMES, IPC } from '../../../src/shared/contract.js'
import { lockDataFolder } from '../../../src/main/data-folder/data-folder-lock.js'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const FAKE = path.join(import.meta.dirname, 'fake-electron')

type ShellEvent = { event: string; [k: string]: unknown }

/** One running shell process and the events it reported. */
class Shell {
  readonly events: ShellEvent[] = []
  stderr = ''
  private waiters: { pred: (e: ShellEvent) => boolean; resolve: (e: ShellEvent) => void }[] = []
  private ref = 0
  readonly exited: Promise<number | null>

  constructor(private readonly child: ChildProcess) {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      let e: ShellEvent
      try {
        e = JSON.parse(line) as ShellEvent
      } catch {
        return
      }
      this.events.push(e)
      this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true))
    })
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()))
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
  }

  /** The first event (already seen or coming) that matches. */
  waitFor(pred: (e: ShellEvent) => boolean, what: string, timeoutMs = 20_000): Promise<ShellEvent> {
    const seen = this.events.find(pred)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}\nevents: ${this.events.map((e) => e.event).join(', ')}\nstderr: ${this.stderr.slice(-2000)}`)), timeoutMs)
      this.waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) })
    })
  }

  /** Waits for an event that arrives after this call. */
  next(pred: (e: ShellEvent) => boolean, what: string): Promise<ShellEvent> {
    const from = this.events.length
    return this.waitFor((e) => this.events.indexOf(e) >= from && pred(e), what)
  }

  send(cmd: Record<string, unknown>): number {
    const ref = ++this.ref
    this.child.stdin!.write(`${JSON.stringify({ ...cmd, ref })}\n`)
    return ref
  }

  async request(cmd: Record<string, unknown>): Promise<ShellEvent> {
    const ref = this.send(cmd)
    return this.waitFor((e) => e.ref === ref, `${String(cmd.op)} #${ref}`)
  }

  index(pred: (e: ShellEvent) => boolean): number {
    return this.events.findIndex(pred)
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL')
  }
}

let work: string
let mainJs: string
const shells: Shell[] = []

function startShell(args: string[], env: Record<string, string> = {}, dataDir?: string): { shell: Shell; data: string; home: string } {
  const base = mkdtempSync(path.join(work, 'run-'))
  const data = dataDir ?? path.join(base, 'data')
  const home = path.join(base, 'home')
  mkdirSync(home)
  const child = spawn(process.execPath, ['--import', path.join(FAKE, 'register.mjs'), mainJs, '--data', data, ...args], {
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), CRADLE_LOG: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const shell = new Shell(child)
  shells.push(shell)
  return { shell, data, home }
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'cradle-shell-'))
  const app = path.join(work, 'app')
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/build-electron.mjs'), '--out', path.join(app, 'dist')], { cwd: ROOT })
  cpSync(path.join(FAKE, 'scripted-engine.mjs'), path.join(app, 'dist/main/engine/start.js'))
  mkdirSync(path.join(app, 'dist/renderer'), { recursive: true })
  writeFileSync(path.join(app, 'dist/renderer/index.html'), '<!doctype html><title>Cradle</title><script type="module" src="./main.js"></script>')
  for (const dir of ['tray', 'app']) cpSync(path.join(ROOT, 'assets', dir), path.join(app, 'assets', dir), { recursive: true })
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'cradle', type: 'module', main: 'dist/main/electron/main.js' }))
  // The data-folder lock is the real one (better-sqlite3), as in the packaged app.
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'), 'dir')
  mainJs = path.join(app, 'dist/main/electron/main.js')
}, 300_000)

afterEach(() => {
  for (const s of shells.splice(0)) s.kill()
})

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

const is = (name: string) => (e: ShellEvent) => e.event === name

describe('desktop shell boot (fake Electron, scripted engine)', () => {
  it('sets up before ready, registers every command, shows the tray and window, and quits only after the engine stopped', async () => {
    const { shell, data } = startShell([])
    const engineStart = await shell.waitFor(is('engine.start'), 'engine start')
    expect(engineStart).toMatchObject({ dataDir: data, platform: 'linux', onAcPower: true })
    // Linux with the basic_text backend: the secret store carries the warning.
    expect(engineStart.weakness).toMatch(/^Saved passwords are not protected by a keyring/)

    const ready = shell.index(is('app.ready'))
    expect(shell.index(is('app.setPath'))).toBeLessThan(ready)
    expect(shell.events.find(is('app.setPath'))).toMatchObject({ key: 'userData', value: data })
    expect(shell.index(is('protocol.registerSchemesAsPrivileged'))).toBeLessThan(ready)
    expect(shell.events.find(is('protocol.registerSchemesAsPrivileged'))).toMatchObject({ schemes: [{ scheme: 'app', privileges: { standard: true, secure: true } }] })
    expect(shell.events.filter(is('ipc.handle')).map((e) => e.channel).sort()).toEqual(COMMAND_NAMES.map((n) => IPC.command(n)).sort())

    const created = await shell.waitFor(is('tray.create'), 'tray')
    expect(created).toMatchObject({ exists: true })
    const win = await shell.waitFor(is('window.create'), 'window')
    expect(win.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true })
    expect(String((win.webPreferences as { preload: string }).preload)).toMatch(/dist\/preload\/index\.cjs$/)
    expect(win.iconExists).toBe(true)
    expect(await shell.waitFor(is('window.loadURL'), 'load')).toMatchObject({ url: 'app://cradle/index.html' })
    await shell.waitFor(is('window.show'), 'window shown')
    await shell.waitFor((e) => e.event === 'tray.setToolTip' && e.text === 'All 12,430 photos and videos are safe', 'idle tooltip')
    await shell.waitFor((e) => e.event === 'webContents.send' && e.channel === IPC.state, 'a snapshot sent to the window')

    // Closing the window hides it; Cradle stays in the tray.
    shell.send({ op: 'closeWindow' })
    expect(await shell.waitFor(is('window.close'), 'close')).toMatchObject({ prevented: true })
    await shell.waitFor(is('window.hide'), 'hide')

    shell.send({ op: 'quit' })
    await shell.waitFor(is('exit'), 'exit')
    expect(await shell.exited).toBe(0)
    const order = ['engine.stop.begin', 'engine.stop.end', 'exit'].map((n) => shell.index(is(n)))
    expect(order).toEqual([...order].sort((a, b) => a - b))
    expect(order[0]).toBeGreaterThan(-1)
    expect(shell.events.filter(is('engine.stop.begin'))).toHaveLength(1)
    expect(shell.events.find((e) => e.event === 'window.close' && e.prevented === false)).toBeDefined() // really closed at the end
  })

  it('answers IPC from its window only, validates input, and keeps the page in its box', async () => {
    const { shell } = startShell([])
    await shell.waitFor(is('engine.start'), 'engine start')
    await shell.waitFor(is('window.show'), 'window')

    const state = await shell.request({ op: 'invoke', channel: IPC.command('getState'), args: [undefined] })
    expect(state).toMatchObject({ event: 'invoke.result', result: { ok: true, value: { muxAvailable: true } } })
    const stranger = await shell.request({ op: 'invoke', channel: IPC.command('pause'), args: [undefined], trusted: false })
    expect(stranger).toMatchObject({ event: 'invoke.error' })
    const bad = await shell.request({ op: 'invoke', channel: IPC.command('updateSettings'), args: [{ startAtLogin: 'sometimes' }] })
    expect(bad).toMatchObject({ result: { ok: false, error: { code: 'invalid-input', context: { key: 'startAtLogin' } } } })
    expect(shell.events.filter((e) => e.event === 'engine.handle' && e.name !== 'getState')).toEqual([])

    // A sign-in URL from the engine may open in the browser, once; nothing else may.
    expect((await shell.request({ op: 'windowOpen', url: 'https://accounts.google.com/o/oauth2/v2/auth?client_id=test' })).action).toBe('deny')
    expect(shell.events.find(is('shell.openExternal'))).toBeUndefined()
    await shell.request({ op: 'invoke', channel: IPC.command('signIn'), args: [{ id: 'g' }] })
    expect((await shell.request({ op: 'windowOpen', url: 'https://accounts.google.com/o/oauth2/v2/auth?client_id=test' })).action).toBe('deny')
    expect(shell.events.find(is('shell.openExternal'))).toMatchObject({ url: 'https://accounts.google.com/o/oauth2/v2/auth?client_id=test' })
    await shell.request({ op: 'windowOpen', url: 'https://accounts.google.com/o/oauth2/v2/auth?client_id=test' })
    expect(shell.events.filter(is('shell.openExternal'))).toHaveLength(1)

    expect((await shell.request({ op: 'navigate', url: 'https://evil.example/' })).prevented).toBe(true)
    expect((await shell.request({ op: 'navigate', url: 'app://cradle/index.html' })).prevented).toBe(false)
    expect((await shell.request({ op: 'permission', permission: 'media' })).granted).toBe(false)

    const page = await shell.request({ op: 'fetch', url: 'app://cradle/index.html' })
    expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' })
    expect(page.csp).toContain("script-src 'self'")
    expect((await shell.request({ op: 'fetch', url: 'app://cradle/..%2f..%2fpackage.json' })).status).toBe(400)
    expect((await shell.request({ op: 'fetch', url: 'app://cradle/missing.js' })).status).toBe(404)

    // Queue thumbnails come from the engine on the window's own origin, at the path headless uses.
    const thumb = await shell.request({ op: 'fetch', url: 'app://cradle/api/thumbnails/7' })
    expect(thumb).toMatchObject({ status: 200, type: 'image/jpeg', cache: 'private, max-age=86400', length: 6 })
    expect(thumb.csp).toContain("default-src 'none'")
    expect((await shell.request({ op: 'fetch', url: 'app://cradle/api/thumbnails/8' })).status).toBe(404)
    expect((await shell.request({ op: 'fetch', url: 'app://cradle/api/thumbnails/..%2f7' })).status).toBe(400) // refused as a path, never asked of the engine
    expect(shell.events.filter(is('engine.thumbnail')).map((e) => e.itemId)).toEqual(['7', '8'])
  })

  it('the tray drives the engine and follows its state; a finished backup is notified', async () => {
    const { shell } = startShell([])
    await shell.waitFor((e) => e.event === 'tray.setToolTip' && e.text === 'All 12,430 photos and videos are safe', 'idle tooltip')

    shell.send({ op: 'menu', label: 'Pause' })
    await shell.waitFor((e) => e.event === 'engine.handle' && e.name === 'pause', 'pause reaches the engine')
    await shell.waitFor((e) => e.event === 'tray.setToolTip' && e.text === 'Paused', 'paused tooltip')
    const menu = await shell.waitFor((e) => e.event === 'tray.setContextMenu' && (e.items as { label: string }[]).some((i) => i.label === 'Resume'), 'Resume in the menu')
    expect((menu.items as { label: string | null }[]).map((i) => i.label)).toEqual(['Paused', null, 'Back up now', 'Resume', null, 'Open Cradle', 'Open library folder', null, 'Start at login', null, 'Quit'])
    expect(shell.events.filter((e) => e.event === 'tray.setImage').at(-1)?.file).toMatch(/tray-paused-black\.png$/)

    shell.send({ op: 'menu', label: 'Resume' })
    await shell.waitFor((e) => e.event === 'engine.handle' && e.name === 'resume', 'resume')
    shell.send({ op: 'menu', label: 'Back up now' })
    await shell.waitFor((e) => e.event === 'tray.setToolTip' && e.text === "Backing up Anna's iPhone · 1 of 41 · about 4 min left", 'busy tooltip')
    expect(await shell.waitFor(is('notification'), 'notification')).toMatchObject({ title: 'Backup finished', body: "41 photos and videos from Anna's iPhone are safe." })
    await shell.waitFor((e) => e.event === 'tray.setToolTip' && String(e.text).startsWith('All 12,471 photos and videos are safe · last backup today'), 'idle again')

    shell.send({ op: 'menu', label: 'Open library folder' })
    expect(await shell.waitFor(is('shell.openPath'), 'open folder')).toMatchObject({ path: '/tmp/library' })
  })

  it('at login: starts hidden in the tray, writes the autostart entry, and says what to install when usbmuxd is missing', async () => {
    const { shell, home } = startShell(['--hidden'], { FAKE_PACKAGED: '1', FAKE_MUX_MISSING: '1' })
    await shell.waitFor(is('engine.start'), 'engine start')
    expect(await shell.waitFor(is('notification'), 'usbmuxd notification')).toMatchObject({
      title: 'The iPhone connection service is not installed',
      body: expect.stringContaining('sudo apt install usbmuxd'),
    })
    await shell.waitFor((e) => e.event === 'tray.setImage' && String(e.file).endsWith('tray-error-black.png'), 'error icon')
    expect(shell.events.find(is('window.create'))).toBeUndefined()

    const entry = path.join(home, '.config', 'autostart', 'cradle.desktop')
    await expect.poll(() => { try { return readFileSync(entry, 'utf8') } catch { return '' } }, { timeout: 10_000 }).toContain(`Exec=${process.execPath} --hidden`)

    shell.send({ op: 'secondInstance' })
    await shell.waitFor(is('window.create'), 'a second launch opens the window')
  })

  it('refuses a data folder another Cradle (cradle serve) holds: says which one, starts no engine, exits 1', async () => {
    const base = mkdtempSync(path.join(work, 'held-'))
    const data = path.join(base, 'data')
    // This test process plays `cradle serve`: fcntl locks are per process, the shell is another one.
    const lock = lockDataFolder(data, 'cradle serve')
    try {
      const { shell } = startShell([], {}, data)
      const box = await shell.waitFor(is('dialog.showErrorBox'), 'error box')
      expect(box.title).toBe('Cradle could not start')
      expect(box.content).toContain(`Another Cradle (pid ${process.pid}, cradle serve, since `)
      expect(box.content).toContain('is using this data folder')
      expect((await shell.waitFor(is('exit'), 'exit')).code).toBe(1)
      expect(shell.events.find(is('engine.start'))).toBeUndefined()
    } finally {
      lock.release()
    }
  })

  it('a second Cradle on the same data folder leaves at once', async () => {
    const { shell } = startShell([], { FAKE_LOCKED: '1' })
    await shell.waitFor(is('exit'), 'exit')
    expect(shell.events.find(is('tray.create'))).toBeUndefined()
    expect(shell.events.find(is('engine.start'))).toBeUndefined()
  })
})
