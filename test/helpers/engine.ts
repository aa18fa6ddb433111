/**
 * Runs the real engine in-process against the virtual iPhone: real usbmux/lockdown/AFC client over
 * the simulator's socket, real SQLite catalog and library files in a temp folder. Only the OS ports
 * (power source, notifier, opener, secrets) are stand-ins, because the engine asks nothing of them
 * that matters for import (the phone's own battery domain drives the charging gate).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Settings } from '../../src/shared/settings.js'
import type { AppState, DeviceView } from '../../src/shared/state.js'
import { afterEach } from 'vitest'
import type { Engine } from '../../src/main/engine/engine.js'
import type { Simulator } from '../../src/sim/index.js'
import type { Clock, PowerSource } from '../../src/main/engine/ports.js'
import { createPhonePort } from '../../src/main/engine/device-adapter.js'
import type { PhonePort } from '../../src/main/engine/phone-port.js'
import { startEngine, type StartOptions } from '../../src/main/engine/start.js'
import { Library } from '../../src/main/library/library.js'
import { uploadsSchema } from '../../src/main/destinations/queue/uploads-schema.js'
import { historySchema } from '../../src/main/engine/history.js'
import { defaultSettings } from '../../src/shared/settings.js'
import { memorySecretStore } from '../../src/main/headless/memory-secret-store.js'

export interface TempDirs {
  dir: string
  dataDir: string
  libraryDir: string
  cleanup(): void
}

/** A fresh temp folder with `data/` (catalog, settings) and `Library/` (the photo library). */
export function tempDirs(prefix = 'cradle-engine-'): TempDirs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  return {
    dir,
    dataDir: path.join(dir, 'data'),
    libraryDir: path.join(dir, 'Library'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  }
}

/** What one engine test starts; whatever is set is torn down after the test. */
export interface EngineTestRig {
  sim?: Simulator | undefined
  dirs?: TempDirs | undefined
  engine?: Engine | undefined
}

/**
 * Registers, for every test of the calling file, the teardown in the only safe order: the engine
 * stops (nothing half-written), then the virtual iPhone goes, then the temp folders.
 */
export function engineTestRig(): EngineTestRig {
  const rig: EngineTestRig = {}
  afterEach(async () => {
    await rig.engine?.stop()
    rig.engine = undefined
    await rig.sim?.close()
    rig.sim = undefined
    rig.dirs?.cleanup()
    rig.dirs = undefined
  })
  return rig
}

/** A phone at 70 % on a charger: the import policy lets it back up at once. */
export const ON_CHARGER = { level: 70, charging: true, externalPower: true } as const

/** A computer that is always on AC power (uploads are not what these tests look at). */
export const acPower: PowerSource = { onAcPower: () => true, onChange: () => () => undefined }

export interface EngineHarnessOptions {
  muxAddress: string
  dirs: TempDirs
  settings?: Partial<Settings>
  once?: boolean
  /** Wraps the real phone port (e.g. recordDownloads) before the engine gets it. */
  wrapPort?: (port: PhonePort) => PhonePort
  /** A clock of the test's own (e.g. one whose wall time jumps). */
  clock?: Clock
  /** What the phone's Photos library "says" about the library's assets (instead of the catalog's rows). */
  photoMetadata?: StartOptions['photoMetadata']
}

/** Starts the engine the way `cradle serve` does, but in-process with test ports. */
export function startTestEngine(o: EngineHarnessOptions): Promise<Engine> {
  return startEngine(
    {
      dataDir: o.dirs.dataDir,
      libraryDir: o.dirs.libraryDir,
      muxAddress: o.muxAddress,
      platform: 'linux',
      power: acPower,
      notifier: { notify: () => undefined },
      secrets: memorySecretStore(),
      opener: { openFolder: async () => undefined, openUrl: async () => undefined, openFile: async () => undefined, chooseFolder: async () => null },
      ...(o.clock ? { clock: o.clock } : {}),
    },
    {
      ...(o.settings ? { settingsOverride: o.settings } : {}),
      ...(o.once ? { once: true } : {}),
      ...(o.wrapPort ? { phonePort: o.wrapPort(createPhonePort({ muxAddress: o.muxAddress })) } : {}),
      ...(o.photoMetadata ? { photoMetadata: o.photoMetadata } : {}),
    },
  )
}

export interface DownloadCall {
  path: string
  offset: number
}

/**
 * Passes everything through to the real port, but every file download goes through `around`
 * (which must call `download()` to run it): to record downloads, or to hold one back.
 */
export function interceptDownloads(around: (path: string, offset: number, download: () => Promise<void>) => Promise<void>): (port: PhonePort) => PhonePort {
  return (port) => ({
    list: (signal) => port.list(signal),
    watch: (listener) => port.watch(listener),
    async open(udid, options) {
      const link = await port.open(udid, options)
      return {
        identity: link.identity,
        battery: (signal) => link.battery(signal),
        locked: (signal) => link.locked(signal),
        close: () => link.close(),
        async openFiles(signal) {
          const files = await link.openFiles(signal)
          return {
            listDir: (p, s) => files.listDir(p, s),
            statMany: (p, s) => files.statMany(p, s),
            close: () => files.close(),
            download: (p, sink, opts) => around(p, opts.offset, () => files.download(p, sink, opts)),
          }
        },
      }
    },
  })
}

/**
 * Records every file download the engine starts (path and resume offset): the evidence that an
 * interrupted file continued where it stopped.
 */
export function recordDownloads(calls: DownloadCall[]): (port: PhonePort) => PhonePort {
  return interceptDownloads((path, offset, download) => {
    calls.push({ path, offset })
    return download()
  })
}

/** Resolves with the first snapshot for which `check` returns a value; rejects after `timeoutMs` with the last state. */
export function waitForState<T>(engine: Engine, check: (s: AppState) => T | undefined | null | false, timeoutMs = 60_000, what = 'state'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let last: AppState = engine.current()
    let unsubscribe: () => void = () => undefined
    const done = (value: T): void => {
      clearTimeout(timer)
      clearInterval(poll)
      unsubscribe()
      resolve(value)
    }
    const test = (s: AppState): boolean => {
      last = s
      const v = check(s)
      if (v !== undefined && v !== null && v !== false) {
        done(v)
        return true
      }
      return false
    }
    const timer = setTimeout(() => {
      clearInterval(poll)
      unsubscribe()
      const devices = last.devices.map((d) => ({ udid: d.udid, phase: d.phase, problem: d.problem?.code, progress: d.progress && `${d.progress.itemsDone}/${d.progress.itemsTotal}` }))
      reject(new Error(`timed out waiting for ${what}; devices: ${JSON.stringify(devices)}; problems: ${JSON.stringify(last.problems.map((p) => p.code))}`))
    }, timeoutMs)
    // Snapshots are throttled and only sent on change; poll as well so a state reached between pushes is seen.
    // A waiter left behind by a Promise.race may outlive its engine: once current() throws (the
    // catalog is closed) it rejects and stops polling instead of throwing from the timer forever.
    const poll = setInterval(() => {
      let s: AppState
      try {
        s = engine.current()
      } catch (error) {
        clearTimeout(timer)
        clearInterval(poll)
        unsubscribe()
        reject(error instanceof Error ? error : new Error(String(error)))
        return
      }
      test(s)
    }, 100)
    if (test(engine.current())) return
    unsubscribe = engine.subscribe((s) => void test(s))
  })
}

/** The connected device card for `udid`, if any. */
export function deviceOf(s: AppState, udid: string): DeviceView | undefined {
  return s.devices.find((d) => d.udid === udid && d.connected)
}

/** Opens the catalog of a stopped engine (or alongside a running one: SQLite WAL allows readers). */
export function openLibrary(dirs: TempDirs): Library {
  return Library.open(dirs.dataDir, defaultSettings(dirs.libraryDir), { extraModules: [uploadsSchema, historySchema] })
}

/** Every regular file under `root` (relative, '/'-separated), skipping Cradle's own dot-folders. */
export function listFiles(root: string, opts: { includeHidden?: boolean } = {}): string[] {
  const out: string[] = []
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      if (!opts.includeHidden && e.name.startsWith('.')) continue
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) walk(r)
      else if (e.isFile()) out.push(r)
    }
  }
  if (fs.existsSync(root)) walk('')
  return out.sort()
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
