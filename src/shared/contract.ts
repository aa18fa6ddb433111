/**
 * The one typed contract between the engine and every UI. Electron carries it over IPC
 * (ipcMain.handle per command, the preload bridge), headless over HTTP
 * (POST /api/commands/<name>, GET /api/events as server-sent events). Same types, same validator.
 */
import type { DestinationDraft } from './destination-config.js'
import type { WireError } from './errors.js'
import type { Settings, SettingsPatch } from './settings.js'
import type { AppState, DestinationView, QueueFilter, QueueItemView } from './state.js'

/**
 * How a queue item's library file was opened: the desktop shell opened it (or showed it in its
 * folder) itself; a browser window gets a short-lived link to the file the engine serves.
 */
export type OpenedItem = { by: 'shell' } | { by: 'window'; url: string }

/** One folder the picker offers. */
export interface FolderEntry {
  name: string
  path: string
}

/**
 * What the headless folder picker shows: the subfolders of `path`, or the roots themselves when
 * `path` is null. `parent` is where Up goes (null: back to the roots); hidden folders are left out.
 */
export interface FolderListing {
  path: string | null
  parent: string | null
  folders: FolderEntry[]
  /** More subfolders than the picker lists (the first ones by name are shown). */
  truncated: boolean
}

export interface QueuePage {
  total: number
  offset: number
  items: QueueItemView[]
  revision: number
}

/** One input object per command: it is also the HTTP body. `void` means "send {} or nothing". */
export interface Commands {
  getState: { input: void; result: AppState }
  /** `anyway`: back up although the phone is not charging or its battery is below the minimum (the window asks first). */
  backupNow: { input: { udid?: string; anyway?: boolean }; result: { started: boolean; reason: string | null } }
  pause: { input: void; result: void }
  resume: { input: void; result: void }
  retryFailed: { input: { destinationId?: string }; result: { retried: number } }
  updateSettings: { input: SettingsPatch; result: Settings }
  listQueue: { input: { filter: QueueFilter; offset: number; limit: number; search?: string }; result: QueuePage }
  addDestination: { input: DestinationDraft; result: DestinationView }
  /** `draft` with `id`: the edit form's values, tested with the stored secret unless one was retyped. */
  testDestination: { input: { id: string } | { draft: DestinationDraft; id?: string }; result: { ok: boolean; message: string } }
  /** Saves an edited destination (same kind); a draft without `secret` keeps the stored one. */
  updateDestination: { input: { id: string; draft: DestinationDraft }; result: DestinationView }
  removeDestination: { input: { id: string }; result: void }
  /** Starts an OAuth sign-in (Google Photos); the UI opens `url` in the system browser. */
  signIn: { input: { id: string }; result: { url: string } }
  openLibraryFolder: { input: void; result: { path: string } }
  /**
   * A queue item's library file (QueueItemView.id): opened with its app, or (`reveal`) shown in
   * its folder. The path is resolved by the engine, never taken from the window.
   */
  openItem: { input: { id: string; reveal?: boolean }; result: OpenedItem }
  /** The system's folder dialog (desktop only); null when cancelled. */
  chooseFolder: { input: { startAt?: string }; result: { path: string | null } }
  /** Subfolders of a folder for the headless picker, confined to the folders the user may use. */
  listFolders: { input: { path?: string }; result: FolderListing }
}

export type CommandName = keyof Commands
export type Input<K extends CommandName> = Commands[K]['input']
export type Result<K extends CommandName> = Commands[K]['result']

export const COMMAND_NAMES = [
  'getState', 'backupNow', 'pause', 'resume', 'retryFailed', 'updateSettings', 'listQueue',
  'addDestination', 'testDestination', 'updateDestination', 'removeDestination', 'signIn', 'openLibraryFolder',
  'openItem', 'chooseFolder', 'listFolders',
] as const satisfies readonly CommandName[]

export function isCommandName(value: unknown): value is CommandName {
  return typeof value === 'string' && (COMMAND_NAMES as readonly string[]).includes(value)
}

/** Errors cross as data: only the message of a thrown error survives IPC. */
export type Wire<T> = { ok: true; value: T } | { ok: false; error: WireError }

/** How the renderer reaches the engine; it never knows which one it has. */
export interface Transport {
  invoke<K extends CommandName>(name: K, input: Input<K>): Promise<Result<K>>
  /** Calls back with every snapshot (the current one first); returns an unsubscribe function. */
  onState(callback: (state: AppState) => void): () => void
  /** Connection to the engine: the HTTP transport reconnects after a drop. */
  onConnection?(callback: (connected: boolean) => void): () => void
  /**
   * A queue item's thumbnail, fetched with the transport's credentials (null: it has none). Only
   * where an <img src> could not be authorised (HTTP: the token travels in a header, never in a
   * cookie); without it the window loads HTTP.thumbnail(id) directly (the desktop shell serves it).
   */
  thumbnail?(itemId: string, signal: AbortSignal): Promise<Blob | null>
}

/** A queue item's picture: bytes, so not a command; the window shows it from HTTP.thumbnail (Transport.thumbnail). */
export interface ThumbnailImage {
  contentType: 'image/jpeg' | 'image/png'
  bytes: Uint8Array
}

/** A queue item's file in the library, resolved and confined to the library root (library-file.ts). */
export interface LibraryFile {
  /** Absolute, with every link resolved: what is opened or streamed. */
  path: string
  contentType: string
  size: number
}

/** What the engine (or a test double) offers both the IPC and HTTP adapters. */
export interface CommandHandler {
  handle<K extends CommandName>(name: K, input: Input<K>): Promise<Result<K>>
  subscribe(listener: (state: AppState) => void): () => void
  current(): AppState
  /** The thumbnail of a queue item (QueueItemView.id), or null when it has no cheap one. */
  thumbnail(itemId: string): Promise<ThumbnailImage | null>
  /** A queue item's library file; throws not-in-library (not imported), not-found (no such item). */
  libraryFile(itemId: string): Promise<LibraryFile>
}

/** IPC channel names (Electron). */
export const IPC = {
  command: (name: CommandName) => `cradle:command:${name}`,
  state: 'cradle:state',
} as const

/**
 * HTTP routes (headless). The Electron shell answers the thumbnail path on its app:// origin too,
 * so the window uses the same relative URL in both.
 */
export const HTTP = {
  command: (name: CommandName) => `/api/commands/${name}`,
  events: '/api/events',
  thumbnailPrefix: '/api/thumbnails/',
  thumbnail: (itemId: string) => `/api/thumbnails/${encodeURIComponent(itemId)}`,
  /** A queue item's library file, streamed whole (headless only; see docs/headless-api.md). */
  filePrefix: '/api/files/',
  file: (itemId: string) => `/api/files/${encodeURIComponent(itemId)}`,
} as const

/** Queue item ids are catalog row numbers; anything else in a thumbnail URL is refused unread. */
export function isQueueItemId(value: string): boolean {
  return /^[1-9][0-9]{0,14}$/.test(value)
}

/** The item id of a thumbnail URL's path, or null when the path is not one. */
export function thumbnailItemIdOf(pathname: string): string | null {
  if (!pathname.startsWith(HTTP.thumbnailPrefix)) return null
  const id = pathname.slice(HTTP.thumbnailPrefix.length)
  return isQueueItemId(id) ? id : null
}

/** The item id of a library-file URL's path, or null when the path is not one. */
export function fileItemIdOf(pathname: string): string | null {
  if (!pathname.startsWith(HTTP.filePrefix)) return null
  const id = pathname.slice(HTTP.filePrefix.length)
  return isQueueItemId(id) ? id : null
}

/** Thumbnails of an imported file never change; the window may keep them for a day. */
export const THUMBNAIL_CACHE_CONTROL = 'private, max-age=86400'

/** The global the preload bridge exposes in the window. */
export const BRIDGE_KEY = 'cradle'

/**
 * Exactly what the preload exposes as `window[BRIDGE_KEY]` (Electron). `invoke` resolves with the
 * Wire form (errors as data, never a rejection for a command error); `onState` calls back with every
 * snapshot the engine publishes and returns an unsubscribe function. Nothing else crosses the bridge.
 */
export interface CradleBridge {
  invoke<K extends CommandName>(name: K, input: Input<K>): Promise<Wire<Result<K>>>
  onState(callback: (state: AppState) => void): () => void
}
