/**
 * What "Start at login" means on each OS, as data: macOS and Windows go through Electron's
 * setLoginItemSettings (Windows with the --hidden switch; macOS login items take no arguments,
 * so main.ts reads wasOpenedAtLogin instead), Linux gets an XDG autostart file. Pure: login-item.ts
 * carries the plan out.
 */
import path from 'node:path'
import type { Platform } from '../../../shared/error-text.js'
import { HIDDEN_SWITCH } from '../platform.js'
import { desktopEntryText } from './desktop-entry.js'

export interface LoginItemEnv {
  platform: Platform
  /** app.isPackaged: a development run would register the bare Electron binary. */
  isPackaged: boolean
  execPath: string
  /** $APPIMAGE: an AppImage runs from a temporary mount, so autostart must name the image file. */
  appImage?: string
  home: string
  /** $XDG_CONFIG_HOME */
  configHome?: string
}

export type LoginItemPlan =
  | { kind: 'electron'; settings: { openAtLogin: boolean; path?: string; args?: string[] } }
  | { kind: 'xdg-autostart'; file: string; content: string | null }
  | { kind: 'unsupported'; reason: string }

/** Where the Linux autostart entry lives. */
export function autostartFile(env: Pick<LoginItemEnv, 'home' | 'configHome'>): string {
  const configHome = env.configHome && path.isAbsolute(env.configHome) ? env.configHome : path.join(env.home, '.config')
  return path.join(configHome, 'autostart', 'cradle.desktop')
}

/** The Electron login-item query/settings that identify our entry (Windows compares path + args). */
export function electronLoginItemArgs(env: Pick<LoginItemEnv, 'platform' | 'execPath'>): { path?: string; args?: string[] } {
  return env.platform === 'win32' ? { path: env.execPath, args: [HIDDEN_SWITCH] } : {}
}

/** What to do so the app does (enable) or does not start at login. */
export function loginItemPlan(enable: boolean, env: LoginItemEnv): LoginItemPlan {
  if (!env.isPackaged) return { kind: 'unsupported', reason: 'development run (not packaged)' }
  switch (env.platform) {
    case 'darwin':
    case 'win32':
      return { kind: 'electron', settings: { openAtLogin: enable, ...electronLoginItemArgs(env) } }
    case 'linux': {
      const file = autostartFile(env)
      if (!enable) return { kind: 'xdg-autostart', file, content: null }
      const exec = [env.appImage && env.appImage !== '' ? env.appImage : env.execPath, HIDDEN_SWITCH]
      try {
        const content = desktopEntryText({ name: 'Cradle', comment: 'Backs up iPhone photos when the phone is plugged in', exec, icon: 'cradle' })
        return { kind: 'xdg-autostart', file, content }
      } catch (error) {
        return { kind: 'unsupported', reason: (error as Error).message }
      }
    }
    default:
      return { kind: 'unsupported', reason: `no login items on ${env.platform}` }
  }
}
