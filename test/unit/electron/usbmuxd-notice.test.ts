import { describe, expect, it } from 'vitest'
import { toWireError } from '../../../src/shared/error-text.js'
import { usbmuxdNotice } from '../../../src/main/electron/usbmuxd-notice.js'
import { appState } from './state-fixture.js'

describe('usbmuxd missing: first-run message', () => {
  it('says what to install on each OS', () => {
    const missing = appState({ muxAvailable: false, problems: [toWireError('usbmuxd-missing')] })
    expect(usbmuxdNotice(missing, 'linux')).toEqual({
      title: 'The iPhone connection service is not installed',
      detail: 'Install the usbmuxd package (sudo apt install usbmuxd).\n\nCradle keeps running in the tray and finds your iPhone as soon as the service is there.',
    })
    expect(usbmuxdNotice(missing, 'win32')?.detail).toMatch(/^Install Apple Devices from the Microsoft Store \(or iTunes\)\./)
    expect(usbmuxdNotice(missing, 'darwin')?.detail).toMatch(/^Restart your Mac/)
  })

  it('tells "not running" apart from "not installed"', () => {
    const stopped = appState({ muxAvailable: false, problems: [toWireError('usbmuxd-not-running')] })
    expect(usbmuxdNotice(stopped, 'linux')?.title).toBe('The iPhone connection service is not running')
  })

  it('says nothing when the service is there or the engine has not reported yet', () => {
    expect(usbmuxdNotice(appState(), 'linux')).toBeNull()
    expect(usbmuxdNotice(null, 'linux')).toBeNull()
  })
})
