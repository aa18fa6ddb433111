/**
 * The tray icon: copies a TrayModel into Electron's Tray and Menu, and touches them only when
 * something changed (snapshots arrive up to 10 times a second; rebuilding menus that often makes
 * an open menu flicker on some Linux panels).
 */
import { Menu, Tray, nativeImage, nativeTheme, type MenuItemConstructorOptions, type NativeImage } from 'electron'
import path from 'node:path'
import type { Platform } from '../../../shared/error-text.js'
import { glyphColour, trayIconFile } from './tray-icons.js'
import type { TrayAction, TrayIconState, TrayMenuItem, TrayModel } from './tray-model.js'

export interface AppTray {
  update(model: TrayModel): void
  destroy(): void
}

/** Creates the tray icon; `update` it with each new TrayModel. */
export function createAppTray(options: { assetsDir: string; platform: Platform; onAction(action: TrayAction): void; onClick(): void }): AppTray {
  const { assetsDir, platform } = options
  const images = new Map<string, NativeImage>()
  const imageFor = (state: TrayIconState): NativeImage => {
    const file = path.join(assetsDir, trayIconFile(state, platform, glyphColour(platform, nativeTheme.shouldUseDarkColors, process.env.XDG_CURRENT_DESKTOP)))
    let image = images.get(file)
    if (!image) {
      image = nativeImage.createFromPath(file)
      if (platform === 'darwin') image.setTemplateImage(true)
      images.set(file, image)
    }
    return image
  }

  let model: TrayModel | null = null
  const tray = new Tray(imageFor('idle'))
  // Windows opens the window on a click and the menu on a right click. On macOS a click opens
  // the menu; a Linux AppIndicator shows only the menu and sends no clicks.
  if (platform !== 'darwin') tray.on('click', () => options.onClick())

  const toTemplate = (item: TrayMenuItem): MenuItemConstructorOptions => {
    switch (item.kind) {
      case 'status':
        return { label: item.label, enabled: false }
      case 'separator':
        return { type: 'separator' }
      case 'action':
        return { label: item.label, enabled: item.enabled, click: () => options.onAction(item.action) }
      case 'checkbox':
        return { label: item.label, type: 'checkbox', checked: item.checked, enabled: item.enabled, click: () => options.onAction(item.action) }
    }
  }

  const apply = (next: TrayModel, force: boolean): void => {
    const prev = model
    model = next
    if (force || prev?.icon !== next.icon) tray.setImage(imageFor(next.icon))
    if (force || prev?.tooltip !== next.tooltip) tray.setToolTip(next.tooltip)
    if (force || JSON.stringify(prev?.menu) !== JSON.stringify(next.menu)) tray.setContextMenu(Menu.buildFromTemplate(next.menu.map(toTemplate)))
  }

  // The user switched light/dark mode: the glyph colour changes with it.
  const onTheme = (): void => {
    images.clear()
    if (model) apply(model, true)
  }
  nativeTheme.on('updated', onTheme)

  return {
    update: (next) => apply(next, false),
    destroy() {
      nativeTheme.removeListener('updated', onTheme)
      tray.destroy()
    },
  }
}
