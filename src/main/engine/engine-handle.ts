/**
 * What an entry point (Electron shell, `cradle serve`, `cradle demo`) gets back from starting the
 * engine, and what it must give it. The engine itself lives beside this file (start.ts).
 */
import type { CommandHandler } from '../../shared/contract.js'
import type { Platform } from '../../shared/error-text.js'
import type { DataFolderLock } from '../data-folder/data-folder-lock.js'
import type { Clock, Notifier, Opener, PowerSource, SecretStore } from './ports.js'

export interface EngineDeps {
  /** Catalog, settings and (headless) secrets live here. */
  dataDir: string
  /**
   * The entry point's lock on dataDir, taken before it touched the folder; it stays the entry
   * point's to release. Without one, startEngine takes it and the engine gives it up on stop.
   */
  dataFolderLock?: DataFolderLock
  /** Names this Cradle to a second one that is refused (`cradle demo`); with dataFolderLock unused. */
  entryPoint?: string
  /** Overrides the library folder from settings (the --library option). */
  libraryDir?: string
  /** usbmuxd address (`UNIX:/path`, a path, or `HOST:PORT`); default: USBMUXD_SOCKET_ADDRESS, else the OS socket. */
  muxAddress?: string
  platform: Platform
  clock?: Clock
  power: PowerSource
  notifier: Notifier
  secrets: SecretStore
  opener: Opener
}

export interface EngineHandle extends CommandHandler {
  /** Stops cleanly: running imports finish their current write or roll back; nothing half-written. */
  stop(): Promise<void>
}
