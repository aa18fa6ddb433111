/**
 * What the window asks of the engine, one action per command. Every action goes through the
 * transport chosen at start-up, marks itself busy while in flight, and turns a refusal into a
 * notice with describeError's words. Nothing here touches window.cradle or fetch directly.
 */
import type { StateCreator } from 'zustand'
import { HTTP, type CommandName, type FolderListing, type Input, type Result } from '../../shared/contract.js'
import type { DestinationDraft } from '../../shared/destination-config.js'
import type { Settings, SettingsPatch } from '../../shared/settings.js'
import type { DestinationView } from '../../shared/state.js'
import { wireErrorOf } from '../transport/command-error.js'
import type { Store, StoreDeps } from './store-types.js'

export interface ActionsSlice {
  /** Runs a command; on failure shows its words and resolves undefined. */
  run<K extends CommandName>(name: K, input: Input<K>): Promise<Result<K> | undefined>
  /** `anyway`: the person confirmed "Back up anyway?" for a phone held back by power or battery. */
  backupNow(udid?: string, anyway?: boolean): Promise<void>
  pause(): Promise<void>
  resume(): Promise<void>
  retryFailed(destinationId?: string): Promise<void>
  updateSettings(patch: SettingsPatch): Promise<Settings | undefined>
  addDestination(draft: DestinationDraft): Promise<DestinationView | undefined>
  testDestination(target: Input<'testDestination'>): Promise<{ ok: boolean; message: string } | undefined>
  updateDestination(id: string, draft: DestinationDraft): Promise<DestinationView | undefined>
  removeDestination(id: string): Promise<boolean>
  signIn(id: string): Promise<void>
  openLibraryFolder(): Promise<void>
  /**
   * Opens a queue item's library file: the desktop shell opens it with its app (or, `reveal`,
   * shows it in its folder); a browser opens the link the server signed in a new tab.
   */
  openItem(id: string, reveal?: boolean): Promise<void>
  /** The headless folder picker's listing of `path` (undefined: the roots), or the refusal in words. */
  listFolders(path?: string): Promise<{ ok: true; listing: FolderListing } | { ok: false; message: string }>
  /** The desktop's folder dialog; resolves the chosen folder, or null (cancelled or refused). */
  chooseFolder(startAt?: string): Promise<string | null>
  /**
   * Where the queue row's <img> finds an item's thumbnail: HTTP.thumbnail(id) where the page can
   * load it as is (the desktop shell), else a blob: URL of the picture the transport fetched with
   * its credentials (the caller revokes it). null: the item has none.
   */
  thumbnailSource(itemId: string, signal: AbortSignal): Promise<string | null>
}

export const createActionsSlice = (deps: StoreDeps): StateCreator<Store, [], [], ActionsSlice> => (set, get) => {
  async function attempt<K extends CommandName>(name: K, input: Input<K>): Promise<{ ok: true; value: Result<K> } | { ok: false }> {
    set((s) => ({ busy: { ...s.busy, [name]: true } }))
    try {
      return { ok: true, value: await deps.transport.invoke(name, input) }
    } catch (error) {
      const wire = wireErrorOf(error)
      if (wire.code === 'access-denied') get().setAccessDenied(true)
      get().notify('error', wire.action ? `${wire.message}. ${wire.action}` : wire.message)
      return { ok: false }
    } finally {
      set((s) => {
        const busy = { ...s.busy }
        delete busy[name]
        return { busy }
      })
    }
  }

  async function run<K extends CommandName>(name: K, input: Input<K>): Promise<Result<K> | undefined> {
    const outcome = await attempt(name, input)
    return outcome.ok ? outcome.value : undefined
  }

  return {
    run,
    thumbnailSource: async (itemId, signal) => {
      if (!deps.transport.thumbnail) return HTTP.thumbnail(itemId)
      const blob = await deps.transport.thumbnail(itemId, signal)
      return blob ? URL.createObjectURL(blob) : null
    },
    backupNow: async (udid, anyway) => {
      const result = await run('backupNow', { ...(udid ? { udid } : {}), ...(anyway ? { anyway } : {}) })
      if (result && !result.started && result.reason) get().notify('info', result.reason)
    },
    pause: async () => void (await run('pause', undefined)),
    resume: async () => void (await run('resume', undefined)),
    retryFailed: async (destinationId) => {
      const result = await run('retryFailed', destinationId ? { destinationId } : {})
      if (result) get().notify('info', result.retried === 1 ? 'Retrying 1 file.' : `Retrying ${result.retried} files.`)
    },
    updateSettings: (patch) => run('updateSettings', patch),
    addDestination: (draft) => run('addDestination', draft),
    testDestination: (target) => run('testDestination', target),
    updateDestination: (id, draft) => run('updateDestination', { id, draft }),
    removeDestination: async (id) => (await attempt('removeDestination', { id })).ok,
    signIn: async (id) => {
      const result = await run('signIn', { id })
      // In the app the shell opens the page itself; in a browser the window does.
      if (result && get().environment === 'browser') deps.openUrl(result.url)
    },
    openItem: async (id, reveal) => {
      const result = await run('openItem', { id, ...(reveal ? { reveal } : {}) })
      if (result?.by === 'window') deps.openUrl(result.url)
    },
    // Not through run(): the picker shows a refusal itself, beside the folder asked for.
    listFolders: async (path) => {
      try {
        return { ok: true, listing: await deps.transport.invoke('listFolders', path === undefined ? {} : { path }) }
      } catch (error) {
        const wire = wireErrorOf(error)
        if (wire.code === 'access-denied') get().setAccessDenied(true)
        return { ok: false, message: wire.action ? `${wire.message}. ${wire.action}` : wire.message }
      }
    },
    chooseFolder: async (startAt) => (await run('chooseFolder', startAt ? { startAt } : {}))?.path ?? null,
    openLibraryFolder: async () => {
      const result = await run('openLibraryFolder', undefined)
      if (result && get().environment === 'browser') get().notify('info', `The library is at ${result.path} on the computer running Cradle.`)
    },
  }
}
