import { describe, expect, it } from 'vitest'
import { toWireError } from '../../../src/shared/error-text.js'
import { glyphColour, trayIconFile } from '../../../src/main/electron/tray/tray-icons.js'
import { TOOLTIP_MAX, clampTooltip, trayModel, trayStatus, type TrayModelOptions } from '../../../src/main/electron/tray/tray-model.js'
import { LOCALE, NOW, appState, destination, device, historyEntry } from './state-fixture.js'

const opts: TrayModelOptions = { platform: 'linux', now: NOW, locale: LOCALE, loginItemSupported: true }
const status = (s: Parameters<typeof trayStatus>[0], o: Partial<TrayModelOptions> = {}) => trayStatus(s, { ...opts, ...o })

describe('tray status line (ui.md words)', () => {
  it('idle: all safe with the last backup', () => {
    expect(status(appState())).toEqual({ icon: 'idle', line: 'All 12,430 photos and videos are safe · last backup today 08:14' })
  })

  it('idle: takes the newest of device and history times', () => {
    const later = new Date(2025, 2, 12, 9, 30).getTime()
    const s = appState({ history: [historyEntry({ at: later })] })
    expect(status(s).line).toBe('All 12,430 photos and videos are safe · last backup today 09:30')
  })

  it('backing up: phone, counts and time left', () => {
    const d = device({ phase: 'importing', progress: { itemsDone: 1204, itemsTotal: 3511, bytesDone: 4.2e9, bytesTotal: 9.8e9, currentFile: 'IMG_4471.HEIC', bytesPerSecond: 31e6, secondsLeft: 240, startedAt: NOW } })
    // The window's live count: the phone's photos and videos safe (DeviceView.photos), not the run's files.
    expect(status(appState({ devices: [d] }))).toEqual({ icon: 'busy', line: "Backing up Anna's iPhone · 2,307 of 3,511 photos and videos safe · about 4 min left" })
  })

  it('backing up without an estimate leaves the time out', () => {
    const d = device({ phase: 'importing', photos: null, progress: { itemsDone: 3, itemsTotal: 10, bytesDone: 1, bytesTotal: 2, currentFile: null, bytesPerSecond: 0, secondsLeft: null, startedAt: NOW } })
    expect(status(appState({ devices: [d] })).line).toBe("Backing up Anna's iPhone · 3 of 10")
  })

  it('scanning says what it does', () => {
    expect(status(appState({ devices: [device({ phase: 'scanning' })] }))).toEqual({ icon: 'busy', line: "Looking for new photos and videos on Anna's iPhone" })
  })

  it('uploading only (phone gone): count, destination and time left', () => {
    const s = appState({ devices: [device({ connected: false, phase: 'disconnected' })], destinations: [destination({ status: 'uploading', counts: { done: 12_200, pending: 230, failed: 0 }, secondsLeft: 120 })] })
    expect(status(s)).toEqual({ icon: 'busy', line: 'Uploading 230 photos and videos to Immich · about 2 min left' })
  })

  it('uploading to several destinations says how many', () => {
    const s = appState({ destinations: [
      destination({ status: 'uploading', counts: { done: 0, pending: 10, failed: 0 }, secondsLeft: 60 }),
      destination({ id: 's3', name: 'S3', status: 'uploading', counts: { done: 0, pending: 5, failed: 0 }, secondsLeft: 600 }),
    ] })
    expect(status(s).line).toBe('Uploading 15 photos and videos to 2 destinations · about 10 min left')
  })

  it('needs the user: unlock and Trust', () => {
    expect(status(appState({ devices: [device({ phase: 'needs-unlock' })] }))).toEqual({ icon: 'attention', line: 'Unlock your iPhone to continue' })
    expect(status(appState({ devices: [device({ phase: 'needs-trust' })] }))).toEqual({ icon: 'attention', line: 'Tap Trust on your iPhone, then enter its passcode' })
    expect(status(appState({ devices: [device({ phase: 'trust-denied' })] })).line).toBe("Anna's iPhone said Don't Trust")
    expect(status(appState({ devices: [device({ phase: 'waiting-power' })] })).line).toBe("Waiting for power — this port isn't charging your iPhone")
  })

  it('a phone that is not plugged in needs nothing', () => {
    expect(status(appState({ devices: [device({ connected: false, phase: 'needs-unlock' })] })).icon).toBe('idle')
  })

  it('error: a destination that needs sign-in, and a full disk', () => {
    const signIn = appState({ destinations: [destination({ status: 'needs-sign-in' })] })
    expect(status(signIn)).toEqual({ icon: 'error', line: 'Immich needs you to sign in again' })
    const full = appState({ problems: [toWireError('disk-full', { freeBytes: 0, totalBytes: 512e9 })] })
    expect(status(full)).toEqual({ icon: 'error', line: 'The library disk is full (0 bytes free of 512 GB)' })
  })

  it('a pairing problem in the list is attention, not error', () => {
    expect(status(appState({ problems: [toWireError('pairing-invalid', { deviceName: 'Bo' })] })).icon).toBe('attention')
  })

  it('the library folder missing is an error', () => {
    const s = appState({ library: { path: '/media/usb/Photos', assetCount: 5, bytes: 1, freeBytes: null, available: false } })
    expect(status(s)).toEqual({ icon: 'error', line: 'The library folder is not there' })
  })

  it('usbmuxd missing comes first, in the words for the OS', () => {
    const s = appState({ muxAvailable: false, devices: [device({ phase: 'needs-unlock' })] })
    expect(status(s)).toEqual({ icon: 'error', line: 'The iPhone connection service is not installed' })
    const running = appState({ muxAvailable: false, problems: [toWireError('usbmuxd-not-running', {}, 'win32')] })
    expect(status(running, { platform: 'win32' }).line).toBe('The iPhone connection service is not running')
  })

  it('paused says how much waits', () => {
    const s = appState({ paused: true, queue: { counts: { all: 12_742, pending: 312, failed: 0, notOnPhone: 0, done: 12_430, importPending: 312, importFailed: 0 }, revision: 2 } })
    expect(status(s)).toEqual({ icon: 'paused', line: 'Paused — 312 photos and videos waiting' })
    expect(status(appState({ paused: true })).line).toBe('Paused')
  })

  it('the phone needing the user outranks pause, errors outrank busy', () => {
    expect(status(appState({ paused: true, devices: [device({ phase: 'needs-trust' })] })).icon).toBe('attention')
    const s = appState({ devices: [device({ phase: 'importing' })], destinations: [destination({ status: 'needs-sign-in' })] })
    expect(status(s).icon).toBe('error')
  })

  it('failed items turn the dot on and drop "All"', () => {
    const s = appState({ queue: { counts: { all: 12_433, pending: 0, failed: 3, notOnPhone: 0, done: 12_430, importPending: 0, importFailed: 3 }, revision: 1 } })
    expect(status(s)).toEqual({ icon: 'attention', line: '12,430 photos and videos are safe · 3 failed' })
  })

  it('a fresh install asks for the cable; a starting engine says so', () => {
    const empty = appState({ devices: [], library: { path: '/p', assetCount: 0, bytes: 0, freeBytes: 1e9, available: true } })
    expect(status(empty)).toEqual({ icon: 'idle', line: 'Connect your iPhone with a cable' })
    expect(status(null)).toEqual({ icon: 'idle', line: 'Starting…' })
  })

  it('one photo is singular', () => {
    const s = appState({
      library: { path: '/p', assetCount: 1, bytes: 1, freeBytes: 1, available: true },
      safety: { total: { items: 1, onlyInICloud: 0, safeIn: 1, places: [{ id: 'library', name: 'Library', safe: 1, of: 1, verifiedAt: null }] }, phones: [] },
    })
    expect(status(s).line).toBe('1 photo or video is safe · last backup today 08:14')
  })
})

describe('tray tooltip and menu', () => {
  it('the tooltip is the status line, cut for Windows', () => {
    const long = appState({ devices: [device({ name: 'x'.repeat(200), phase: 'scanning' })] })
    const model = trayModel(long, opts)
    expect(Array.from(model.tooltip)).toHaveLength(TOOLTIP_MAX)
    expect(model.tooltip.endsWith('…')).toBe(true)
    expect(clampTooltip('short')).toBe('short')
  })

  it('has the items of ui.md in order, the status line disabled', () => {
    const model = trayModel(appState(), opts)
    const labels = model.menu.map((i) => (i.kind === 'separator' ? '—' : i.label))
    expect(labels).toEqual(['All 12,430 photos and videos are safe · last backup today 08:14', '—', 'Back up now', 'Pause', '—', 'Open Cradle', 'Open library folder', '—', 'Start at login', '—', 'Quit'])
    expect(model.menu[0]).toEqual({ kind: 'status', label: model.statusLine })
    expect(model.menu.find((i) => i.kind === 'checkbox')).toMatchObject({ action: 'toggleStartAtLogin', checked: true, enabled: true })
  })

  it('says Resume while paused and disables Back up now', () => {
    const model = trayModel(appState({ paused: true }), opts)
    expect(model.menu.find((i) => i.kind === 'action' && i.action === 'togglePause')).toMatchObject({ label: 'Resume', enabled: true })
    expect(model.menu.find((i) => i.kind === 'action' && i.action === 'backupNow')).toMatchObject({ enabled: false })
  })

  it('disables Back up now during an import and Open library folder when it is missing', () => {
    const s = appState({ devices: [device({ phase: 'importing' })], library: { path: '/x', assetCount: 1, bytes: 1, freeBytes: null, available: false } })
    const model = trayModel(s, opts)
    expect(model.menu.find((i) => i.kind === 'action' && i.action === 'backupNow')).toMatchObject({ enabled: false })
    expect(model.menu.find((i) => i.kind === 'action' && i.action === 'openLibrary')).toMatchObject({ enabled: false })
  })

  it('reflects the start-at-login setting, and greys it out in a development run', () => {
    const off = appState({ settings: { ...appState().settings, startAtLogin: false } })
    expect(trayModel(off, opts).menu.find((i) => i.kind === 'checkbox')).toMatchObject({ checked: false })
    expect(trayModel(appState(), { ...opts, loginItemSupported: false }).menu.find((i) => i.kind === 'checkbox')).toMatchObject({ enabled: false })
  })

  it('before the first snapshot only Open Cradle and Quit work', () => {
    const enabled = trayModel(null, opts).menu.filter((i) => (i.kind === 'action' || i.kind === 'checkbox') && i.enabled)
    expect(enabled.map((i) => (i.kind === 'action' ? i.action : ''))).toEqual(['openWindow', 'quit'])
  })
})

describe('tray icon files', () => {
  it('template images on macOS, coloured glyphs elsewhere', () => {
    expect(trayIconFile('busy', 'darwin', 'black')).toBe('tray/tray-busyTemplate.png')
    expect(trayIconFile('error', 'win32', 'white')).toBe('tray/tray-error-white.png')
    expect(trayIconFile('paused', 'linux', 'black')).toBe('tray/linux/tray-paused-black.png')
  })

  it('picks the glyph that reads on the panel', () => {
    expect(glyphColour('win32', false, undefined)).toBe('black')
    expect(glyphColour('win32', true, undefined)).toBe('white')
    expect(glyphColour('linux', false, 'ubuntu:GNOME')).toBe('white') // GNOME's top bar is dark
    expect(glyphColour('linux', false, 'KDE')).toBe('black')
  })
})
