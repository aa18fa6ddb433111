/**
 * Which icon file the tray loads for a state on this OS. macOS takes monochrome template images
 * (the menu bar recolours them; `…Template.png` + `@2x`), Windows and Linux take a white glyph on
 * dark panels and a black one on light panels, with coloured badges. Badges differ in shape as well
 * as colour, so the states stay apart for people who do not see the colours.
 * The files are made by assets/make-icons.mjs from the SVG sources in assets/src/.
 */
import type { Platform } from '../../../shared/error-text.js'
import type { TrayIconState } from './tray-model.js'

export type GlyphColour = 'white' | 'black'

/** Relative to the assets folder. Electron picks `@2x` beside a 1x file by itself. */
export function trayIconFile(state: TrayIconState, platform: Platform, colour: GlyphColour): string {
  if (platform === 'darwin') return `tray/tray-${state}Template.png`
  // Linux panels (22–32 px) scale the picture they get: hand them the 32 px one, not a blurry 16.
  if (platform === 'linux' || platform === 'other') return `tray/linux/tray-${state}-${colour}.png`
  return `tray/tray-${state}-${colour}.png`
}

/**
 * The glyph colour that reads on the panel. Windows' taskbar follows the system colour mode;
 * GNOME-like desktops keep a dark top bar whatever the theme.
 */
export function glyphColour(platform: Platform, darkTheme: boolean, desktop: string | undefined): GlyphColour {
  if (platform === 'linux' && desktop !== undefined && /gnome|unity|pantheon|ubuntu/i.test(desktop)) return 'white'
  return darkTheme ? 'white' : 'black'
}

/** The window and notification icon (Linux and Windows; macOS uses the bundle's .icns). */
export const APP_ICON_FILE = 'app/icon-512.png'
