/**
 * Carries out a login-item plan and reads back whether it is on. Takes Electron's `app` as a
 * narrow interface (no electron import) so the Linux file handling runs in tests on a temp folder.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { tempPathFor } from '../../data-folder/private-files.js'
import { createLogger } from '../../logging/logger.js'
import { electronLoginItemArgs, loginItemPlan, type LoginItemEnv, type LoginItemPlan } from './login-item-plan.js'

const log = createLogger('electron/login-item')

/** The part of Electron's `app` this needs. */
export interface LoginItemApp {
  setLoginItemSettings(settings: { openAtLogin: boolean; path?: string; args?: string[] }): void
  getLoginItemSettings(options?: { path?: string; args?: string[] }): { openAtLogin: boolean }
}

/** Applies the plan; a failure is logged and reported, never thrown (the app runs on regardless). */
export async function applyLoginItemPlan(plan: LoginItemPlan, app: LoginItemApp): Promise<boolean> {
  try {
    switch (plan.kind) {
      case 'electron':
        app.setLoginItemSettings(plan.settings)
        return true
      case 'xdg-autostart':
        if (plan.content === null) {
          await rm(plan.file, { force: true })
        } else {
          await mkdir(path.dirname(plan.file), { recursive: true })
          const temp = tempPathFor(plan.file)
          await writeFile(temp, plan.content, { mode: 0o644, flag: 'wx' })
          await rename(temp, plan.file)
        }
        return true
      case 'unsupported':
        log.info('login item skipped', { reason: plan.reason })
        return false
    }
  } catch (error) {
    log.warn('login item not changed', { error })
    return false
  }
}

/** Whether the app is registered to start at login now. */
export async function isLoginItemEnabled(env: LoginItemEnv, app: LoginItemApp): Promise<boolean> {
  const plan = loginItemPlan(true, env)
  if (plan.kind === 'electron') return app.getLoginItemSettings(electronLoginItemArgs(env)).openAtLogin
  if (plan.kind === 'xdg-autostart') {
    try {
      return (await readFile(plan.file, 'utf8')).includes('[Desktop Entry]')
    } catch {
      return false
    }
  }
  return false
}

/**
 * Makes the login item match the setting, touching the OS only when they differ. The Linux file is
 * rewritten when its text differs too, e.g. after the AppImage was moved.
 */
export async function reconcileLoginItem(wanted: boolean, env: LoginItemEnv, app: LoginItemApp): Promise<void> {
  const plan = loginItemPlan(wanted, env)
  if (plan.kind === 'unsupported') return
  if (plan.kind === 'xdg-autostart') {
    const current = await readFile(plan.file, 'utf8').catch(() => null)
    if (current === plan.content) return
  } else if ((await isLoginItemEnabled(env, app)) === wanted) {
    return
  }
  await applyLoginItemPlan(plan, app)
}
