/**
 * The engine's OS services, made from Electron: powerMonitor, safeStorage, shell, Notification.
 * Thin on purpose: the logic they need lives in the Electron-free modules beside this one.
 */
import { BrowserWindow, dialog, Notification, powerMonitor, safeStorage, shell } from 'electron'
import path from 'node:path'
import { describeError, type Platform } from '../../../shared/error-text.js'
import { CradleError } from '../../../shared/errors.js'
import type { Notifier, Opener, PowerSource, SecretStore } from '../../engine/ports.js'
import { createLogger } from '../../logging/logger.js'
import { createEncryptedFileSecretStore, type SecretCipher } from './encrypted-file-secret-store.js'
import { createElectronPowerSource } from './power-source.js'

const log = createLogger('electron/ports')

/** PowerSource from Electron's powerMonitor. */
export function electronPowerSource(platform: Platform): PowerSource & { dispose(): void } {
  return createElectronPowerSource(powerMonitor, { platform })
}

/**
 * safeStorage as the store's cipher. On Linux without a keyring Chromium falls back to
 * `basic_text` (a fixed key: obfuscation only); the store then carries a warning for the user.
 * Call after app `ready`: before it the backend reads as `unknown`.
 */
export async function electronSecretStore(dataDir: string, platform: Platform): Promise<SecretStore> {
  let available = await safeStorage.isAsyncEncryptionAvailable()
  let weak = false
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend()
    if (!available) {
      // No keyring at all: keep working with the in-memory key rather than refuse to store.
      safeStorage.setUsePlainTextEncryption(true)
      available = await safeStorage.isAsyncEncryptionAvailable()
      weak = true
    }
    if (backend === 'basic_text') weak = true
    log.info('secret storage', { backend, available, weak })
  }
  const cipher: SecretCipher = {
    available: async () => available,
    encrypt: (plainText) => safeStorage.encryptStringAsync(plainText),
    decrypt: async (data) => {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(data)
      return { value: result, shouldReEncrypt }
    },
  }
  const text = describeError('secrets-unprotected', {}, platform)
  const weakness = weak ? `${text.title}. ${text.action ?? ''}`.trim() : undefined
  return createEncryptedFileSecretStore(path.join(dataDir, 'secrets-safestorage.json'), cipher, weakness)
}

export const electronOpener: Opener = {
  async openFolder(folder) {
    const problem = await shell.openPath(folder)
    if (problem !== '') throw new CradleError('library-missing', problem, { context: { path: folder } })
  },
  async openUrl(url) {
    const protocol = URL.canParse(url) ? new URL(url).protocol : ''
    if (protocol !== 'https:' && protocol !== 'http:') throw new CradleError('invalid-input', 'only web addresses are opened', { context: { key: 'url' } })
    await shell.openExternal(url)
  },
  // The engine resolved `file` inside the library (library-file.ts); nothing from the window reaches here.
  async openFile(file, { reveal }) {
    if (reveal) return shell.showItemInFolder(file)
    const problem = await shell.openPath(file)
    if (problem !== '') throw new CradleError('not-in-library', problem, { context: { path: file } })
  },
  async chooseFolder(startAt) {
    const options: Electron.OpenDialogOptions = { properties: ['openDirectory', 'createDirectory'], ...(startAt ? { defaultPath: startAt } : {}) }
    const parent = BrowserWindow.getFocusedWindow()
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options)
    return result.canceled ? null : (result.filePaths[0] ?? null)
  },
}

/**
 * Desktop notifications. Shown ones are held until closed: a garbage-collected Notification
 * loses its click handler (and on Windows can vanish from the action centre).
 */
export function electronNotifier(options: { icon?: string; onClick(): void }): Notifier {
  const live = new Set<Notification>()
  return {
    notify({ title, body }) {
      if (!Notification.isSupported()) return
      const n = new Notification({ title, body, ...(options.icon ? { icon: options.icon } : {}) })
      live.add(n)
      n.on('click', () => options.onClick())
      n.on('close', () => live.delete(n))
      n.on('failed', (_e, error) => {
        live.delete(n)
        log.warn('notification failed', { error })
      })
      n.show()
      // Some desktops never send `close`; do not hold notifications for ever.
      setTimeout(() => live.delete(n), 10 * 60_000).unref?.()
    },
  }
}
