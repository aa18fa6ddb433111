/**
 * Builds the engine from its parts for an entry point (Electron, `cradle serve`, `cradle demo`,
 * `cradle backup --once`): settings from --data, the library and catalog, uploads, history,
 * the phones. Nothing here knows which entry point it serves.
 */
import fs from 'node:fs'
import { CradleError, toCradleError } from '../../shared/errors.js'
import { defaultSettings, type Settings } from '../../shared/settings.js'
import { lockDataFolder } from '../data-folder/data-folder-lock.js'
import { ensurePrivateDir } from '../data-folder/private-files.js'
import { UploadManager } from '../destinations/upload-manager.js'
import { uploadsSchema } from '../destinations/queue/uploads-schema.js'
import { defaultLibraryDir } from '../headless/cli/default-paths.js'
import { Library } from '../library/library.js'
import { loadSettings, saveSettings } from '../library/settings-store.js'
import { createLogger } from '../logging/logger.js'
import { CatalogMetadataSource } from '../photos/catalog-metadata-source.js'
import type { PhotoMetadataSource } from '../photos/photo-metadata.js'
import { createPhonePort } from './device-adapter.js'
import { Engine } from './engine.js'
import type { EngineDeps } from './engine-handle.js'
import { History, historySchema, uploadBatchRecord } from './history.js'
import type { PhonePort } from './phone-port.js'
import { systemClock } from './ports.js'

export interface StartOptions {
  /** Replaces the real usbmux client (tests drive the engine with the simulator through the real one). */
  phonePort?: PhonePort
  /** Settings to apply on top of the stored ones for this run only (demo: a fresh library). */
  settingsOverride?: Partial<Settings>
  /** `backup --once`: one backup per attached phone, no waiting. */
  once?: boolean
  /** Replaces the catalog-backed source of the phone's metadata (tests set what the phone "says"). */
  photoMetadata?: (library: Library) => PhotoMetadataSource
}

export async function startEngine(deps: EngineDeps, options: StartOptions = {}): Promise<Engine> {
  // One Cradle per data folder, before anything in it is read or written.
  const ownLock = deps.dataFolderLock ? null : lockDataFolder(deps.dataDir, deps.entryPoint ?? 'Cradle')
  try {
    return await startLocked(deps, options, () => ownLock?.release())
  } catch (error) {
    ownLock?.release()
    throw error
  }
}

async function startLocked(deps: EngineDeps, options: StartOptions, releaseLock: () => void): Promise<Engine> {
  const log = createLogger('engine/start')
  ensurePrivateDir(deps.dataDir)
  const defaults = defaultSettings(deps.libraryDir ?? defaultLibraryDir())
  const loaded = loadSettings(deps.dataDir, defaults)
  let settings: Settings = { ...loaded.settings, ...options.settingsOverride }
  // An explicit --library is the user's choice: remember it, so the window shows the same folder.
  if (deps.libraryDir && settings.libraryPath !== deps.libraryDir) {
    settings = { ...settings, libraryPath: deps.libraryDir }
    saveSettings(deps.dataDir, settings)
  } else if (!loaded.problem && !fs.existsSync(`${deps.dataDir}/settings.json`)) {
    saveSettings(deps.dataDir, settings)
  }

  let library: Library
  let catalogProblem: CradleError | null = null
  try {
    const opened = await Library.openChecked(deps.dataDir, settings, { extraModules: [uploadsSchema, historySchema] })
    library = opened.library
    if (opened.rebuilt) {
      const r = opened.rebuilt
      log.warn('catalog was damaged; rebuilt from the library', { ...r, unreadable: r.unreadable.length })
      catalogProblem = new CradleError('catalog-rebuilt', `rebuilt from ${r.files} library files; damaged copy at ${r.aside}`, {
        context: { path: r.aside, destinationsLost: r.salvageFailed, files: r.files },
      })
    }
  } catch (error) {
    throw toCradleError(error, 'catalog-corrupt')
  }
  const clock = deps.clock ?? systemClock
  const photoMetadata = (lib: Library): PhotoMetadataSource => options.photoMetadata?.(lib) ?? new CatalogMetadataSource(lib.db)
  const makeUploads = (lib: Library, s: Settings = settings): UploadManager =>
    new UploadManager({
      metadata: photoMetadata(lib),
      db: lib.db,
      libraryRoot: lib.root,
      secrets: deps.secrets,
      clock,
      power: deps.power,
      settings: { uploadOnlyOnAcPower: s.uploadOnlyOnAcPower, uploadLimitMBps: s.uploadLimitMBps },
      platform: deps.platform,
      onBatch: (batch) => new History(lib.db).add(uploadBatchRecord(batch, clock.now())),
    })
  const uploads = makeUploads(library)
  let port: PhonePort
  try {
    port = options.phonePort ?? createPhonePort(deps.muxAddress ? { muxAddress: deps.muxAddress } : {})
  } catch (error) {
    library.close()
    throw error instanceof CradleError ? error : toCradleError(error)
  }
  const engine = new Engine({
    dataDir: deps.dataDir,
    settings,
    settingsProblem: loaded.problem,
    catalogProblem,
    library,
    uploads,
    makeUploads,
    photoMetadata,
    history: new History(library.db),
    port,
    clock,
    opener: deps.opener,
    secrets: deps.secrets,
    power: deps.power,
    platform: deps.platform,
    once: options.once === true,
    onStopped: releaseLock,
  })
  await engine.start()
  log.info('engine started', { dataDir: deps.dataDir, library: library.root })
  return engine
}
