/**
 * The engine: phones come and go (one PhoneSession each), the library takes in what they give,
 * the upload manager sends it on, and one AppState snapshot (≤ 10 a second) tells every UI.
 * Commands from the contract arrive here already validated by the transport.
 */
import os from 'node:os'
import { CradleError, toCradleError } from '../../shared/errors.js'
import { toWireError, type Platform } from '../../shared/error-text.js'
import { isQueueItemId, type CommandName, type Input, type LibraryFile, type Result, type ThumbnailImage } from '../../shared/contract.js'
import { validateSettingsPatch, type Settings } from '../../shared/settings.js'
import type { AppState, DeviceView, LibraryView, PhotoLibraryView, QueueCounts, SafetyView } from '../../shared/state.js'
import type { UploadManager } from '../destinations/upload-manager.js'
import { combineUploadStates, type AssetUploadState } from '../destinations/upload-status.js'
import { CatalogMemo } from '../library/catalog-version.js'
import { InboxWatcher } from '../library/inbox.js'
import { Library } from '../library/library.js'
import { saveSettings } from '../library/settings-store.js'
import { createLogger, type Logger } from '../logging/logger.js'
import { LibrarySidecars } from '../photos/library-sidecars.js'
import { noPhotoMetadata } from '../photos/no-photo-metadata.js'
import type { PhotoMetadataSource } from '../photos/photo-metadata.js'
import { allowedRoots, listAllowedFolder } from '../folders/allowed-folders.js'
import { BackgroundScrub } from './background-scrub.js'
import type { EngineHandle } from './engine-handle.js'
import type { History } from './history.js'
import type { PhoneEvent, PhonePort } from './phone-port.js'
import { PhoneSession, type SessionResult } from './phone-session.js'
import type { Clock, Opener, PowerSource, SecretStore } from './ports.js'
import { catalogRefreshPacer } from './refresh-pacer.js'
import { SnapshotPublisher } from './snapshot-publisher.js'
import { safetyLedger, type LedgerDestination } from './safety-ledger.js'
import { collectProblems, disconnectedPhoneView, type Interrupted } from './state-views.js'
import { photoLibraryView } from '../photos/library-view.js'

export interface EngineParts {
  dataDir: string
  settings: Settings
  /** A settings file that was bad at start-up (kept aside): shown until dismissed by a save. */
  settingsProblem: CradleError | null
  /** The catalog was damaged and rebuilt at start-up: shown for this run (it needs nothing more). */
  catalogProblem?: CradleError | null
  library: Library
  uploads: UploadManager
  /**
   * What the phone's Photos library says about a library's assets (the catalog rows the
   * Photos.sqlite reader left): written into XMP sidecars here and applied by the destinations
   * (makeUploads injects the same source). Default: nothing is described.
   */
  photoMetadata?: (library: Library) => PhotoMetadataSource
  /** Builds the upload manager for a library (again when the library folder changes). */
  makeUploads: (library: Library, settings: Settings) => UploadManager
  history: History
  port: PhonePort
  clock: Clock
  opener: Opener
  secrets: SecretStore
  power: PowerSource
  platform: Platform
  log?: Logger
  /** `backup --once`: sessions run one backup without waiting for gates or Trust, then end. */
  once?: boolean
  /** Read speed of the background scrub (bytes a second); tests raise it. */
  scrubBytesPerSecond?: number
  /** Runs once stop() has closed the catalog (gives up the data-folder lock startEngine took). */
  onStopped?: () => void
}

const NO_LEDGER: SafetyView = { total: { items: 0, onlyInICloud: 0, safeIn: 0, places: [] }, phones: [] }
const EMPTY_COUNTS: QueueCounts = { all: 0, pending: 0, failed: 0, notOnPhone: 0, done: 0, importPending: 0, importFailed: 0 }
const LIBRARY_VIEW_REFRESH_MS = 5_000

export class Engine implements EngineHandle {
  private settings: Settings
  private readonly sessions = new Map<string, PhoneSession>()
  /** Sessions of detached phones that are still winding down (stop() waits for them). */
  private readonly ending = new Set<Promise<void>>()
  private readonly finished = new Map<string, SessionResult>()
  /** Phones unplugged mid-backup: what their card keeps showing until they come back. */
  private readonly interrupted = new Map<string, Interrupted>()
  private readonly publisher: SnapshotPublisher<AppState>
  private readonly log: Logger
  private paused = false
  private muxAvailable = true
  private muxProblem: CradleError | null = null
  private libraryProblem: CradleError | null = null
  private settingsProblem: CradleError | null
  private seq = 0
  private revision = 0
  private countsCache: { revision: number; counts: QueueCounts; totals: Pick<LibraryView, 'assetCount' | 'bytes'> } = {
    revision: -1, counts: EMPTY_COUNTS, totals: { assetCount: 0, bytes: 0 },
  }
  private readonly scrub: BackgroundScrub
  private readonly sidecars: LibrarySidecars
  private libraryView: LibraryView
  private libraryViewTimer: NodeJS.Timeout | null = null
  private libraryViewPending: NodeJS.Timeout | null = null
  private stopWatching: (() => void) | null = null
  private unsubscribeUploads: (() => void) | null = null
  private inbox: InboxWatcher | null = null
  private stopped = false
  /** Resolves a waiter each time a phone session finishes (used by `backup --once`). */
  private readonly sessionListeners = new Set<(udid: string, result: SessionResult) => void>()

  constructor(private readonly parts: EngineParts) {
    this.settings = parts.settings
    this.settingsProblem = parts.settingsProblem
    this.log = parts.log ?? createLogger('engine')
    this.libraryView = { path: parts.library.root, assetCount: 0, bytes: 0, freeBytes: null, available: true }
    this.publisher = new SnapshotPublisher(() => this.snapshot(), 10, () => parts.clock.now())
    this.scrub = new BackgroundScrub({
      library: () => this.parts.library,
      settings: () => this.settings,
      power: parts.power,
      clock: parts.clock,
      log: this.log.child('scrub'),
      // A finished pass may have found damage: the ledger and the queue rows change.
      onChange: () => this.changed(this.scrub.current().progress === null),
      ...(parts.scrubBytesPerSecond ? { bytesPerSecond: parts.scrubBytesPerSecond } : {}),
    })
    this.sidecars = new LibrarySidecars({
      library: () => this.parts.library,
      metadata: () => parts.photoMetadata?.(this.parts.library) ?? noPhotoMetadata,
      log: this.log.child('sidecars'),
      now: () => parts.clock.now(),
    })
  }

  /**
   * The phone's metadata was read again (or may have changed): the library's sidecars and every
   * destination's copies are brought up to date. Resolves when the sidecars are written.
   */
  photoMetadataChanged(): Promise<void> {
    this.parts.uploads.syncMetadata()
    return this.sidecars.all()
  }

  /** Start-up: repair what a crash left, resume uploads and the inbox, then watch for phones. */
  async start(): Promise<void> {
    const { library, uploads } = this.parts
    this.prepareLibrary()
    try {
      const repaired = library.recover()
      if (repaired.resetRows || repaired.removedStaging) this.log.info('recovered after an interrupted run', repaired)
    } catch (error) {
      this.log.warn('recovery failed', { error })
    }
    await this.refreshLibraryView()
    this.libraryViewTimer = setInterval(() => void this.refreshLibraryView(), LIBRARY_VIEW_REFRESH_MS)
    this.libraryViewTimer.unref()
    uploads.enqueue()
    uploads.start()
    this.unsubscribeUploads = uploads.onChange(() => this.changed(true))
    await this.startInbox()
    this.stopWatching = this.parts.port.watch((event) => this.onPhoneEvent(event))
    // `backup --once` leaves the slow re-reading to the running app and `cradle verify`.
    if (!this.parts.once) this.scrub.start()
    this.publisher.flush()
  }

  private stopping: Promise<void> | null = null
  private readonly shutdownHooks: { before?: () => void; after?: () => Promise<void> }[] = []

  /**
   * Work that ends with the engine, for what is built around it (the headless notices): `before`
   * runs first, while the last state is still there to look at; `after` once the catalog is closed.
   */
  onShutdown(hooks: { before?: () => void; after?: () => Promise<void> }): void {
    this.shutdownHooks.push(hooks)
  }

  /** Stops everything once; later calls wait for the same stop. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown()
    return this.stopping
  }

  private async shutdown(): Promise<void> {
    for (const hook of this.shutdownHooks) hook.before?.()
    this.stopped = true
    this.stopWatching?.()
    if (this.libraryViewTimer) clearInterval(this.libraryViewTimer)
    if (this.libraryViewPending) clearTimeout(this.libraryViewPending)
    if (this.safetyTimer) clearTimeout(this.safetyTimer)
    await Promise.all([...[...this.sessions.values()].map((s) => s.detach(true)), ...this.ending, this.scrub.stop()])
    this.sessions.clear()
    await this.sidecars.idle()
    await this.inbox?.stop().catch(() => undefined)
    this.unsubscribeUploads?.()
    await this.parts.uploads.stop()
    this.publisher.close()
    try {
      this.parts.library.close()
    } finally {
      this.parts.onStopped?.()
    }
    for (const hook of this.shutdownHooks) await hook.after?.()
  }

  // ── CommandHandler ─────────────────────────────────────────────────────────

  subscribe(listener: (state: AppState) => void): () => void {
    return this.publisher.subscribe(listener)
  }

  current(): AppState {
    return this.snapshot()
  }

  thumbnail(itemId: string): Promise<ThumbnailImage | null> {
    return isQueueItemId(itemId) ? this.parts.library.thumbnail(Number(itemId)) : Promise.resolve(null)
  }

  libraryFile(itemId: string): Promise<LibraryFile> {
    if (!isQueueItemId(itemId)) return Promise.reject(new CradleError('not-found', `no queue item ${itemId}`))
    return this.parts.library.file(Number(itemId))
  }

  async handle<K extends CommandName>(name: K, input: Input<K>): Promise<Result<K>> {
    const result = await this.dispatch(name, input)
    this.publisher.flush()
    return result as Result<K>
  }

  private async dispatch<K extends CommandName>(name: K, input: Input<K>): Promise<unknown> {
    const { uploads, library } = this.parts
    switch (name) {
      case 'getState':
        return this.snapshot()
      case 'backupNow':
        return this.backupNow((input as Input<'backupNow'>).udid, (input as Input<'backupNow'>).anyway === true)
      case 'pause':
        this.paused = true
        uploads.pause()
        for (const s of this.sessions.values()) s.poke()
        return undefined
      case 'resume':
        this.paused = false
        uploads.resume()
        for (const s of this.sessions.values()) s.poke()
        return undefined
      case 'retryFailed': {
        const { destinationId } = input as Input<'retryFailed'>
        const files = destinationId ? 0 : library.retryFailed()
        const retried = files + uploads.retryFailed(destinationId)
        if (files > 0) for (const s of this.sessions.values()) s.trigger()
        this.changed(true)
        return { retried }
      }
      case 'updateSettings':
        return this.updateSettings(input as Input<'updateSettings'>)
      case 'listQueue':
        return this.listQueue(input as Input<'listQueue'>)
      case 'addDestination': {
        const view = await uploads.add(input)
        this.changed(true)
        return view
      }
      case 'testDestination':
        return uploads.test(input as Input<'testDestination'>)
      case 'updateDestination': {
        const { id, draft } = input as Input<'updateDestination'>
        const view = await uploads.update(id, draft)
        this.changed(true)
        return view
      }
      case 'removeDestination':
        await uploads.remove((input as Input<'removeDestination'>).id)
        this.changed(true)
        return undefined
      case 'signIn': {
        const { url, completion } = await uploads.signIn((input as Input<'signIn'>).id)
        completion.then(
          () => this.changed(true),
          (error: unknown) => this.log.warn('sign-in did not complete', { error }),
        )
        return { url }
      }
      case 'openLibraryFolder':
        await this.parts.opener.openFolder(library.root)
        return { path: library.root }
      case 'openItem': {
        const { id, reveal } = input as Input<'openItem'>
        const file = await this.libraryFile(id)
        await this.parts.opener.openFile(file.path, { reveal: reveal === true })
        return { by: 'shell' }
      }
      case 'chooseFolder':
        return { path: await this.parts.opener.chooseFolder((input as Input<'chooseFolder'>).startAt) }
      case 'listFolders': {
        const roots = await allowedRoots({ home: os.homedir(), libraryRoot: library.root })
        return listAllowedFolder((input as Input<'listFolders'>).path, roots)
      }
      default:
        throw new CradleError('invalid-input', `unknown command ${String(name)}`)
    }
  }

  /** `anyway`: the person confirmed "Back up anyway?" for a phone held back by power or battery. */
  private backupNow(udid?: string, anyway = false): { started: boolean; reason: string | null } {
    this.parts.uploads.retryFailed() // "Back up now" also gives stopped destinations another go
    this.parts.uploads.resume()
    const targets = udid ? [this.sessions.get(udid)].filter((s): s is PhoneSession => !!s) : [...this.sessions.values()]
    if (udid && targets.length === 0) return { started: false, reason: 'That iPhone is not connected.' }
    if (targets.length === 0) return { started: false, reason: 'Connect your iPhone with a cable. Cradle starts by itself.' }
    if (this.paused) {
      this.paused = false
      for (const s of this.sessions.values()) s.poke()
    }
    const started = targets.map((s) => s.trigger(anyway)).some(Boolean)
    return started ? { started: true, reason: null } : { started: false, reason: "Your iPhone said Don't Trust. Unplug it and plug it in again to be asked again." }
  }

  private async updateSettings(patch: Input<'updateSettings'>): Promise<Settings> {
    const checked = validateSettingsPatch(patch)
    if (!checked.ok) throw new CradleError('settings-invalid', `"${checked.key}" ${checked.message}`, { context: { key: checked.key } })
    if (checked.value.libraryPath !== undefined && checked.value.libraryPath !== this.settings.libraryPath && this.sessions.size > 0) {
      throw new CradleError('library-in-use', 'the library folder cannot change while an iPhone is connected', { context: { key: 'libraryPath' } })
    }
    const next: Settings = { ...this.settings, ...checked.value }
    // A new library folder is checked before anything is saved: a folder Cradle may not use is refused.
    const newLibrary = next.libraryPath !== this.settings.libraryPath ? this.openLibraryAt(next) : null
    saveSettings(this.parts.dataDir, next)
    const before = this.settings
    this.settings = next
    this.settingsProblem = null
    if (next.layout !== before.layout) this.parts.library.setLayout(next.layout)
    this.parts.uploads.updateSettings({ uploadOnlyOnAcPower: next.uploadOnlyOnAcPower, uploadLimitMBps: next.uploadLimitMBps })
    if (next.inboxPath !== before.inboxPath) void this.restartInbox()
    if (next.scrubEveryDays !== before.scrubEveryDays) this.scrub.wake()
    if (newLibrary) await this.switchLibrary(newLibrary)
    for (const s of this.sessions.values()) s.poke()
    return next
  }

  /** The library at a new folder, on the same catalog; creates the folder the first time. */
  private openLibraryAt(settings: Settings): Library {
    const library = new Library(this.parts.library.db, settings)
    library.prepare()
    return library
  }

  /**
   * Moves the work to another library folder (no phone is connected: updateSettings refuses
   * otherwise). The catalog stays; library paths are relative, so a library the user moved to
   * another disk is found there. Uploads and the inbox restart on the new root.
   */
  private async switchLibrary(library: Library): Promise<void> {
    this.log.info('library folder changed', { from: this.parts.library.root, to: library.root })
    await this.inbox?.stop().catch(() => undefined)
    this.inbox = null
    this.unsubscribeUploads?.()
    await this.parts.uploads.stop()
    this.parts.library = library
    this.awayPhotoViews.clear()
    this.parts.uploads = this.parts.makeUploads(library, this.settings)
    this.parts.uploads.enqueue()
    this.parts.uploads.start()
    this.unsubscribeUploads = this.parts.uploads.onChange(() => this.changed(true))
    this.libraryProblem = null
    this.scrub.interrupt()
    await this.startInbox()
    await this.refreshLibraryView()
    this.changed(true)
  }

  private listQueue(q: Input<'listQueue'>): Result<'listQueue'> {
    const page = this.parts.library.listQueue(q)
    const assetIds = page.items.flatMap((i) => i.files.flatMap((f) => (f.assetId === null ? [] : [f.assetId])))
    const states = this.parts.uploads.uploadStates(assetIds)
    const uploadsOf = (assetId: number | null): AssetUploadState[] => (assetId === null ? [] : (states.get(assetId) ?? []))
    return {
      total: page.total,
      offset: page.offset,
      revision: this.revision,
      items: page.items.map(({ udid: _udid, files, ...item }) => ({
        ...item,
        // A file not in the library yet (a Live Photo's still importing) keeps the photo off every ✓.
        uploads: combineUploadStates(files.map((f) => (f.assetId === null ? null : uploadsOf(f.assetId)))),
        files: files.map(({ assetId, ...f }) => ({ ...f, uploads: uploadsOf(assetId) })),
      })),
    }
  }

  // ── Phones ─────────────────────────────────────────────────────────────────

  private onPhoneEvent(event: PhoneEvent): void {
    if (this.stopped) return
    if (event.type === 'mux') {
      this.muxAvailable = event.available
      this.muxProblem = event.available ? null : event.error
      this.changed()
      return
    }
    if (event.type === 'attached') {
      const existing = this.sessions.get(event.udid)
      if (existing) this.endSession(existing)
      this.interrupted.delete(event.udid)
      this.startSession(event.udid, event.connection, this.parts.once === true)
    } else {
      const session = this.sessions.get(event.udid)
      if (!session) return
      this.sessions.delete(event.udid)
      this.rememberInterrupted(session)
      this.endSession(session)
    }
    this.changed(true)
  }

  /**
   * A phone pulled out mid-backup keeps its card: where the bars stopped and "was unplugged —
   * plug it in again; the backup continues where it stopped", until it comes back.
   */
  private rememberInterrupted(session: PhoneSession): void {
    if (session.phase !== 'importing' && session.phase !== 'scanning') return
    const view = session.view(null)
    this.interrupted.set(session.udid, {
      progress: view.progress ? { ...view.progress, bytesPerSecond: 0, secondsLeft: null } : null,
      problem: toWireError('device-unplugged', { deviceName: view.name }, this.parts.platform),
    })
  }

  /**
   * Ends a session whose phone went away. It may still be writing what already arrived (and its
   * catalog rows) for a moment, so stop() waits for it before closing the catalog.
   */
  private endSession(session: PhoneSession): void {
    const ending = session.detach().then(() => this.changed(true))
    this.ending.add(ending)
    void ending.finally(() => this.ending.delete(ending))
  }

  private startSession(udid: string, connection: 'usb' | 'network', once = false): PhoneSession {
    const session = new PhoneSession({
      udid,
      connection,
      once,
      port: this.parts.port,
      library: () => this.parts.library,
      history: this.parts.history,
      settings: () => this.settings,
      paused: () => this.paused,
      clock: this.parts.clock,
      log: this.log.child('session'),
      platform: this.parts.platform,
      enqueueUploads: (ids) => {
        this.parts.uploads.enqueue(ids)
        void this.sidecars.forAssets(ids)
        this.changed(true)
      },
      onChange: () => this.changed(true),
    })
    this.sessions.set(udid, session)
    void session.done.then((result) => {
      // The session read the phone's database afresh: favorites and albums may have changed.
      if (!this.stopped) void this.photoMetadataChanged()
      this.finished.set(udid, result)
      for (const listener of [...this.sessionListeners]) listener(udid, result)
      this.changed(true)
    })
    return session
  }

  /** Phones attached right now, straight from the mux (for `backup --once`). */
  phones(signal?: AbortSignal): Promise<{ udid: string; connection: 'usb' | 'network' }[]> {
    return this.parts.port.list(signal)
  }

  /** Resolves when the uploads have nothing more they can do now (for `backup --once`). */
  drainUploads(signal?: AbortSignal): Promise<void> {
    return this.parts.uploads.drain(signal ? { signal } : {})
  }

  /**
   * The result of this phone's session once it has finished (`backup --once`): waits for the
   * attach event to start it, then for its end. A phone that never shows up rejects after `startMs`.
   */
  async sessionResult(udid: string, signal?: AbortSignal, startMs = 15_000): Promise<SessionResult> {
    const deadline = this.parts.clock.now() + startMs
    for (;;) {
      const done = this.finished.get(udid)
      if (done) return done
      const session = this.sessions.get(udid)
      if (session) return session.done
      if (signal?.aborted) throw new CradleError('aborted', 'stopped')
      if (this.parts.clock.now() > deadline) throw new CradleError('device-not-found', `${udid} did not attach`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  onSessionFinished(listener: (udid: string, result: SessionResult) => void): () => void {
    this.sessionListeners.add(listener)
    return () => this.sessionListeners.delete(listener)
  }

  // ── Inbox ──────────────────────────────────────────────────────────────────

  private async startInbox(): Promise<void> {
    const folder = this.settings.inboxPath
    if (!folder) return
    const inbox = new InboxWatcher({
      library: this.parts.library,
      folder,
      onImported: (_file, outcome) => {
        if (outcome.state === 'done' && outcome.assetId !== null) this.parts.uploads.enqueue([outcome.assetId])
        this.changed(true)
      },
      onError: (file, error) => this.log.warn('inbox file not imported', { file, code: error.code }),
    })
    try {
      await inbox.start()
      this.inbox = inbox
    } catch (error) {
      this.log.warn('inbox could not start', { folder, error })
    }
  }

  private async restartInbox(): Promise<void> {
    await this.inbox?.stop().catch(() => undefined)
    this.inbox = null
    await this.startInbox()
  }

  // ── State ──────────────────────────────────────────────────────────────────

  private prepareLibrary(): void {
    try {
      this.parts.library.prepare()
      this.libraryProblem = null
    } catch (error) {
      this.libraryProblem = toCradleError(error)
    }
  }

  private async refreshLibraryView(): Promise<void> {
    try {
      this.libraryView = await this.parts.library.view()
      if (this.libraryView.available && this.libraryProblem?.code === 'library-missing') this.prepareLibrary()
      if (!this.libraryView.available && !this.libraryProblem) this.libraryProblem = new CradleError('library-missing', 'the library folder is missing', { context: { path: this.parts.library.root } })
      this.changed()
    } catch (error) {
      this.log.debug('library view failed', { error })
    }
  }

  /** Marks the state changed; `queue` also bumps the queue revision so readers refetch rows. */
  private changed(queue = false): void {
    // A destination's History line waits until the imports feeding it are over.
    this.parts.uploads.setImporting([...this.sessions.values()].some((s) => s.phase === 'scanning' || s.phase === 'importing'))
    if (queue) {
      this.scrub.libraryChanged()
      this.revision++
      this.scheduleLibraryViewRefresh()
    }
    this.publisher.changed()
  }

  /** The library card (asset count, bytes, free space) follows imports within a second. */
  private scheduleLibraryViewRefresh(): void {
    if (this.libraryViewPending || this.stopped) return
    this.libraryViewPending = setTimeout(() => {
      this.libraryViewPending = null
      void this.refreshLibraryView()
    }, 1000)
    this.libraryViewPending.unref()
  }

  /**
   * Queue counts and the library's file count follow every change exactly (the library card must
   * never say fewer files are safe than a destination has uploaded); free space, which asks the OS,
   * follows on the slower refresh.
   */
  private counted(): typeof this.countsCache {
    if (this.countsCache.revision !== this.revision) {
      this.countsCache = {
        revision: this.revision,
        counts: this.parts.library.queueCounts(),
        totals: this.parts.library.totals(),
      }
    }
    return this.countsCache
  }

  private readonly safetyPacer = catalogRefreshPacer(() => this.parts.clock.now())
  private safetyCache: SafetyView | null = null
  private safetyTimer: NodeJS.Timeout | null = null
  /** The same ledger while the catalog is unchanged (a no-op re-check publishes many snapshots). */
  private safetyLedgers: CatalogMemo<SafetyView> | null = null

  /**
   * The ledger reads every row of the catalog (about 0.2 s for 50,000 items on a small machine,
   * seconds on a busy one), so while imports and uploads change it many times a second it is
   * recomputed on the pacing the card's counts share (catalogRefreshPacer), less often when it costs more, and
   * once more when the changes stop: it is never left behind for long.
   */
  private safetyView(): SafetyView {
    if (this.safetyCache && !this.safetyPacer.due()) {
      if (!this.safetyTimer && !this.stopped) {
        this.safetyTimer = setTimeout(() => {
          this.safetyTimer = null
          this.safetyPacer.reset()
          this.countsCache = { ...this.countsCache, revision: -1 }
          this.changed()
        }, this.safetyPacer.wait())
        this.safetyTimer.unref()
      }
      return this.safetyCache
    }
    const destinations = this.parts.uploads.views().map((d) => ({ id: d.id, name: d.name }))
    const ledgers = (this.safetyLedgers ??= new CatalogMemo(this.parts.library.db, (key) => safetyLedger(this.parts.library.db, JSON.parse(key) as LedgerDestination[])))
    this.safetyCache = this.safetyPacer.run(() => ledgers.get(JSON.stringify(destinations)))
    return this.safetyCache
  }

  /**
   * A phone that is away keeps the Photos library view of its last read: only a session of that
   * phone changes it, so it is computed once per absence, not on every snapshot.
   */
  private readonly awayPhotoViews = new Map<string, PhotoLibraryView | null>()

  private devices(): DeviceView[] {
    const known = this.parts.library.devices().filter((d) => d.kind === 'phone')
    const lastBackup = new Map(known.map((d) => [d.udid, d.lastBackupAt]))
    const views = [...this.sessions.values()].map((session) => session.view(lastBackup.get(session.udid) ?? null))
    for (const udid of this.sessions.keys()) this.awayPhotoViews.delete(udid)
    for (const d of known) {
      if (this.sessions.has(d.udid)) continue
      if (!this.awayPhotoViews.has(d.udid)) this.awayPhotoViews.set(d.udid, photoLibraryView(this.parts.library.db, d.udid))
      views.push(disconnectedPhoneView(d, this.parts.library.deviceCounts(d.udid), this.interrupted.get(d.udid), this.awayPhotoViews.get(d.udid) ?? null))
    }
    return views
  }

  private snapshot(): AppState {
    const devices = this.devices()
    const destinations = this.parts.uploads.views()
    const { counts, totals } = this.counted()
    const state: AppState = {
      seq: ++this.seq,
      paused: this.paused,
      muxAvailable: this.muxAvailable,
      devices,
      destinations,
      queue: { counts, revision: this.revision },
      library: { ...this.libraryView, ...totals },
      history: this.parts.history.recent(20),
      problems: collectProblems({
        platform: this.parts.platform,
        mux: this.muxProblem,
        library: this.libraryProblem,
        libraryRoot: this.parts.library.root,
        devices,
        destinations,
        settings: this.settingsProblem,
        catalog: this.parts.catalogProblem ?? null,
        secretsWeakness: this.parts.secrets.weakness,
      }),
      settings: this.settings,
      onAcPower: this.parts.power.onAcPower(),
      safety: NO_LEDGER,
      scrub: this.scrub.current(),
    }
    // The ledger reads the whole catalog: it is computed when something reads it (the window, the
    // tray, serve's clients), not for a `backup --once` that prints only its own counts. After stop
    // (catalog closed) a late reader gets the last one computed.
    let safety: SafetyView | null = null
    Object.defineProperty(state, 'safety', {
      enumerable: true,
      configurable: true,
      get: () => (safety ??= this.stopped ? (this.safetyCache ?? NO_LEDGER) : this.safetyView()),
      set: (value: SafetyView) => {
        safety = value
      },
    })
    return state
  }

  /** Resolves when the background scrub's next pass ends (tests). */
  scrubPassEnded(): Promise<void> {
    return this.scrub.nextPassEnd()
  }
}
