// Stand-in for dist/main/engine/start.js in the shell boot test: startEngine(deps) with the
// EngineHandle shape (handle, subscribe, current, thumbnail, stop), a canned AppState, and a stop that takes
// a moment, so the test can see Quit wait for it. Reports on stdout as JSON lines.
const out = (event) => process.stdout.write(`${JSON.stringify(event)}\n`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const device = {
  udid: 'u1', name: "Anna's iPhone", model: 'iPhone 15', productType: 'iPhone15,4', iosVersion: '17.5', connected: true,
  connection: 'usb', battery: { level: 57, charging: true, externalPower: true }, trust: 'paired', phase: 'ready',
  itemsOnPhone: 3511, itemsSafe: 3511, itemsNotOnPhone: 0, itemsUnreadable: 0, itemsInRecentlyDeleted: 0, itemsInICloudOnly: 0, photoLibrary: null, lastBackupAt: null, progress: null, problem: null,
}

/** The safety ledger for a library of n photos and videos, all safe there (the tray reads it). */
const safetyFor = (n) => {
  const summary = { items: n, onlyInICloud: 0, safeIn: 1, places: [{ id: 'library', name: 'Library', safe: n, of: n, verifiedAt: null }] }
  return { total: summary, phones: [{ udid: device.udid, name: device.name, ...summary }] }
}

export async function startEngine(deps) {
  const muxMissing = process.env.FAKE_MUX_MISSING === '1'
  out({ event: 'engine.start', dataDir: deps.dataDir, libraryDir: deps.libraryDir ?? null, platform: deps.platform, weakness: deps.secrets.weakness ?? null, onAcPower: deps.power.onAcPower() })
  let state = {
    seq: 1, paused: false, muxAvailable: !muxMissing, devices: muxMissing ? [] : [device], destinations: [],
    queue: { counts: { all: 12430, pending: 0, failed: 0, notOnPhone: 0, done: 12430, importPending: 0, importFailed: 0 }, revision: 1 },
    library: { path: '/tmp/library', assetCount: 12430, bytes: 1, freeBytes: 1e12, available: true },
    history: [],
    problems: muxMissing ? [{ code: 'usbmuxd-missing', message: 'The iPhone connection service is not installed' }] : [],
    settings: {
      version: 1, libraryPath: '/tmp/library', layout: '{YYYY}/{YYYY}-{MM}', autoRunOnConnect: true, importOnlyOnPower: true,
      minBatteryPercent: null, uploadOnlyOnAcPower: true, startAtLogin: true, uploadLimitMBps: null, inboxPath: null,
    },
    onAcPower: true,
    safety: safetyFor(12430),
    scrub: { progress: null, last: null, waiting: null, nextAt: null, damaged: 0 },
  }
  const listeners = new Set()
  const publish = (patch) => {
    state = { ...state, ...patch, seq: state.seq + 1 }
    for (const l of listeners) l(state)
  }
  await sleep(50)
  return {
    async handle(name, input) {
      out({ event: 'engine.handle', name, input: input ?? null })
      switch (name) {
        case 'getState': return state
        case 'pause': publish({ paused: true }); return undefined
        case 'resume': publish({ paused: false }); return undefined
        case 'updateSettings': publish({ settings: { ...state.settings, ...input } }); return state.settings
        case 'signIn': return { url: 'https://accounts.google.com/o/oauth2/v2/auth?client_id=test' }
        case 'openLibraryFolder': await deps.opener.openFolder(state.library.path); return { path: state.library.path }
        case 'backupNow':
          publish({ devices: [{ ...device, phase: 'importing', progress: { itemsDone: 1, itemsTotal: 41, bytesDone: 1, bytesTotal: 41, currentFile: 'IMG_0001.HEIC', bytesPerSecond: 1, secondsLeft: 240, startedAt: Date.now() } }] })
          setTimeout(() => publish({
            devices: [{ ...device, phase: 'done', lastBackupAt: Date.now() }],
            history: [{ id: 'h1', at: Date.now(), kind: 'import', sourceName: "Anna's iPhone", udid: 'u1', imported: 43, photosImported: 41, photosNotBackedUp: 0, alreadyHad: 0, unavailable: 0, unreadable: 0, failed: 0, bytes: 1, durationMs: 1, error: null }],
            library: { ...state.library, assetCount: 12471 },
            safety: safetyFor(12471),
          }), 100)
          return { started: true, reason: null }
        default: {
          const error = new Error(`scripted engine: ${name} not scripted`)
          throw error
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    current: () => state,
    // Item 7 is an imported JPEG with a 6-byte stand-in thumbnail; every other item has none.
    async thumbnail(itemId) {
      out({ event: 'engine.thumbnail', itemId })
      return itemId === '7' ? { contentType: 'image/jpeg', bytes: new Uint8Array([0xff, 0xd8, 1, 2, 0xff, 0xd9]) } : null
    },
    async stop() {
      out({ event: 'engine.stop.begin' })
      await sleep(300)
      out({ event: 'engine.stop.end' })
    },
  }
}
