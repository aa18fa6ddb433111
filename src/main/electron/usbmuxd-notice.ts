/**
 * The first-run message when the iPhone connection service (usbmuxd; Apple Mobile Device Service
 * on Windows) cannot be reached: what is missing and what to install, in error-text.ts's words.
 */
import { describeError, type Platform } from '../../shared/error-text.js'
import type { AppState } from '../../shared/state.js'

export interface UsbmuxdNotice {
  title: string
  detail: string
}

/** The message to show for this snapshot, or null when the service is there. */
export function usbmuxdNotice(state: AppState | null, platform: Platform): UsbmuxdNotice | null {
  if (state === null || state.muxAvailable) return null
  const code = state.problems.some((p) => p.code === 'usbmuxd-not-running') ? 'usbmuxd-not-running' : 'usbmuxd-missing'
  const text = describeError(code, {}, platform)
  const after = 'Cradle keeps running in the tray and finds your iPhone as soon as the service is there.'
  return { title: text.title, detail: [text.action, after].filter(Boolean).join('\n\n') }
}
