import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { desktopEntryText, quoteExecArg } from '../../../src/main/electron/login-item/desktop-entry.js'
import { applyLoginItemPlan, isLoginItemEnabled, reconcileLoginItem, type LoginItemApp } from '../../../src/main/electron/login-item/login-item.js'
import { autostartFile, loginItemPlan, type LoginItemEnv } from '../../../src/main/electron/login-item/login-item-plan.js'

/** Fake of Electron's app login-item API (setLoginItemSettings / getLoginItemSettings), from its docs. */
function fakeApp(): LoginItemApp & { calls: unknown[]; open: boolean } {
  const fake = {
    calls: [] as unknown[],
    open: false,
    setLoginItemSettings(s: { openAtLogin: boolean }) {
      fake.calls.push(s)
      fake.open = s.openAtLogin
    },
    getLoginItemSettings: () => ({ openAtLogin: fake.open }),
  }
  return fake
}

const base: LoginItemEnv = { platform: 'linux', isPackaged: true, execPath: '/opt/Cradle/cradle', home: '/home/anna' }

describe('login item plan per OS', () => {
  it('macOS: Electron login item, no arguments (wasOpenedAtLogin tells hidden starts)', () => {
    expect(loginItemPlan(true, { ...base, platform: 'darwin', execPath: '/Applications/Cradle.app/Contents/MacOS/Cradle' }))
      .toEqual({ kind: 'electron', settings: { openAtLogin: true } })
  })

  it('Windows: Electron login item with the executable and --hidden', () => {
    const exe = 'C:\\Users\\Anna\\AppData\\Local\\Programs\\Cradle\\Cradle.exe'
    expect(loginItemPlan(false, { ...base, platform: 'win32', execPath: exe }))
      .toEqual({ kind: 'electron', settings: { openAtLogin: false, path: exe, args: ['--hidden'] } })
  })

  it('Linux: an XDG autostart file that starts hidden', () => {
    const plan = loginItemPlan(true, base)
    expect(plan).toMatchObject({ kind: 'xdg-autostart', file: '/home/anna/.config/autostart/cradle.desktop' })
    expect(plan.kind === 'xdg-autostart' && plan.content).toContain('\nExec=/opt/Cradle/cradle --hidden\n')
    expect(loginItemPlan(false, base)).toEqual({ kind: 'xdg-autostart', file: '/home/anna/.config/autostart/cradle.desktop', content: null })
  })

  it('Linux AppImage: names the image file, not the temporary mount', () => {
    const plan = loginItemPlan(true, { ...base, execPath: '/tmp/.mount_CradleX1/cradle', appImage: '/home/anna/Apps/Cradle 1.0.AppImage' })
    expect(plan.kind === 'xdg-autostart' && plan.content).toContain('\nExec="/home/anna/Apps/Cradle 1.0.AppImage" --hidden\n')
  })

  it('honours XDG_CONFIG_HOME when it is absolute', () => {
    expect(autostartFile({ home: '/home/anna', configHome: '/cfg' })).toBe('/cfg/autostart/cradle.desktop')
    expect(autostartFile({ home: '/home/anna', configHome: 'relative' })).toBe('/home/anna/.config/autostart/cradle.desktop')
  })

  it('a development run registers nothing', () => {
    expect(loginItemPlan(true, { ...base, isPackaged: false }).kind).toBe('unsupported')
    expect(loginItemPlan(true, { ...base, platform: 'other' }).kind).toBe('unsupported')
  })
})

describe('desktop entry Exec quoting (Desktop Entry Spec 1.5)', () => {
  it.each([
    ['/opt/Cradle/cradle', '/opt/Cradle/cradle'],
    ['/home/a b/Cradle', '"/home/a b/Cradle"'],
    ['/x/$HOME', '"/x/\\\\$HOME"'],
    ['/x/"q"', '"/x/\\\\"q\\\\""'],
    ['C:\\dir', '"C:\\\\\\\\dir"'],
    ['/x/100%', '/x/100%%'],
    ['', '""'],
  ])('%s → %s', (arg, quoted) => {
    expect(quoteExecArg(arg)).toBe(quoted)
  })

  it('refuses a line break, which no entry can hold', () => {
    expect(() => quoteExecArg('/x\n/y')).toThrow()
    expect(loginItemPlan(true, { ...base, execPath: '/x\n/y' }).kind).toBe('unsupported')
  })

  it('writes a complete autostart entry', () => {
    const text = desktopEntryText({ name: 'Cradle', comment: 'c', exec: ['/a', '--hidden'], icon: 'cradle' })
    expect(text.split('\n')).toEqual(['[Desktop Entry]', 'Type=Application', 'Version=1.5', 'Name=Cradle', 'Comment=c', 'Exec=/a --hidden', 'Icon=cradle', 'Terminal=false', 'X-GNOME-Autostart-enabled=true', ''])
  })
})

describe('applying the plan', () => {
  let home: string
  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'cradle-login-'))
  })
  afterEach(async () => {
    await rm(home, { recursive: true, force: true })
  })

  it('Linux: writes, detects, rewrites a stale entry, and removes the file', async () => {
    const env: LoginItemEnv = { ...base, home }
    const app = fakeApp()
    const file = path.join(home, '.config', 'autostart', 'cradle.desktop')
    expect(await isLoginItemEnabled(env, app)).toBe(false)
    await reconcileLoginItem(true, env, app)
    expect(await readFile(file, 'utf8')).toContain('Exec=/opt/Cradle/cradle --hidden')
    expect(await isLoginItemEnabled(env, app)).toBe(true)
    // The app moved: the entry follows it.
    await reconcileLoginItem(true, { ...env, execPath: '/usr/lib/cradle/cradle' }, app)
    expect(await readFile(file, 'utf8')).toContain('Exec=/usr/lib/cradle/cradle --hidden')
    await reconcileLoginItem(false, env, app)
    await expect(stat(file)).rejects.toThrow()
    expect(app.calls).toEqual([]) // Linux never goes through Electron's call
  })

  it('macOS/Windows: calls Electron only when the setting differs', async () => {
    const env: LoginItemEnv = { ...base, platform: 'win32', execPath: 'C:\\Cradle.exe', home }
    const app = fakeApp()
    await reconcileLoginItem(true, env, app)
    await reconcileLoginItem(true, env, app)
    expect(app.calls).toEqual([{ openAtLogin: true, path: 'C:\\Cradle.exe', args: ['--hidden'] }])
    await reconcileLoginItem(false, env, app)
    expect(app.calls).toHaveLength(2)
  })

  it('a write that fails is reported, not thrown', async () => {
    const blocker = path.join(home, 'file')
    await writeFile(blocker, 'x')
    const ok = await applyLoginItemPlan({ kind: 'xdg-autostart', file: path.join(blocker, 'autostart', 'c.desktop'), content: 'x' }, fakeApp())
    expect(ok).toBe(false)
    expect(await applyLoginItemPlan({ kind: 'unsupported', reason: 'test' }, fakeApp())).toBe(false)
  })
})
