/**
 * A scripted stand-in for the engine: a CommandHandler whose state moves the way the real engine's
 * will (phone attaches → trust → scan → import at 10 Hz → uploads → history), driven by timers or by
 * tick(). It gives the window's unit tests, the UI bench and the `scripted` E2E project
 * (test/e2e/scripted: states the real engine cannot make cheaply, such as a 50,000-row queue)
 * something fast and exact; the scenarios run against `cradle demo` (test/e2e/demo).
 * Scenario controls (attachPhone, trust, unplug, failDestination, …) stand for what a person or a
 * server would do.
 */
import type { CommandHandler, CommandName, Input, LibraryFile, Result, ThumbnailImage } from '../../src/shared/contract.js'
import type { DestinationDraft } from '../../src/shared/destination-config.js'
import { toWireError } from '../../src/shared/error-text.js'
import { CradleError, type ErrorCode } from '../../src/shared/errors.js'
import { defaultSettings, type Settings } from '../../src/shared/settings.js'
import type { AppState, DestinationView, DeviceView, HistoryEntry, QueueItemView, SafetyPlace, SafetySummary, SafetyView } from '../../src/shared/state.js'
import { buildDestination, buildDevice, buildQueueItem } from './app-state-builder.js'
import { countQueue, pageQueue } from './scripted-queue.js'

export interface ScriptedEngineOptions {
  /** Items in the phone's camera roll (default 240). */
  photos?: number
  /** Of those, already safe in the library before this run (default 0). */
  alreadySafe?: number
  /** Of the new ones, in iCloud only (default 3). */
  notOnPhone?: number
  /** Done rows already in the queue from earlier backups (e.g. 50,000 for the bench). */
  queueRows?: number
  /** Import speed (default 4 items per tick). */
  itemsPerTick?: number
  /** Upload speed per destination (default 6 items per tick). */
  uploadsPerTick?: number
  /** 100 ms = the engine's 10 Hz. */
  tickMs?: number
  /** false: nothing moves until tick() is called (unit tests). */
  autoTick?: boolean
  /** Attach a trusted phone at start (default true). */
  attached?: boolean
  settings?: Partial<Settings>
  destinations?: DestinationView[]
  /** Thumbnails by item id (default none). */
  thumbnails?: Record<string, ThumbnailImage>
  /** Library files by item id (default none: every item answers not-in-library). */
  files?: Record<string, LibraryFile>
  now?: () => number
}

interface Phone {
  view: DeviceView
  photos: number
  alreadySafe: number
  notOnPhone: number
  items: QueueItemView[]
  /** Ids of items the phone lists but holds only in iCloud. */
  icloud: Set<string>
  cursor: number
  runStartedAt: number
}

const UDID = '00008110-000A1B2C3D4E5F60'
const READ_ONLY = new Set<CommandName>(['getState', 'listQueue', 'testDestination', 'openLibraryFolder', 'openItem', 'chooseFolder', 'listFolders'])

export class ScriptedEngine implements CommandHandler {
  private readonly opts: Required<Pick<ScriptedEngineOptions, 'photos' | 'alreadySafe' | 'notOnPhone' | 'itemsPerTick' | 'uploadsPerTick' | 'tickMs'>>
  private readonly now: () => number
  private readonly thumbnails: Record<string, ThumbnailImage>
  private readonly files: Record<string, LibraryFile>
  private readonly listeners = new Set<(s: AppState) => void>()
  private readonly phones = new Map<string, Phone>()
  private readonly queue: QueueItemView[] = []
  private readonly uploadBacklog: QueueItemView[] = []
  private destinations: DestinationView[]
  private history: HistoryEntry[] = []
  private settings: Settings
  private paused = false
  private revision = 1
  private seq = 0
  private nextId = 1
  private snapshot: AppState
  private timer: ReturnType<typeof setInterval> | null = null

  constructor(options: ScriptedEngineOptions = {}) {
    this.opts = {
      photos: options.photos ?? 240,
      alreadySafe: options.alreadySafe ?? 0,
      notOnPhone: options.notOnPhone ?? 3,
      itemsPerTick: options.itemsPerTick ?? 4,
      uploadsPerTick: options.uploadsPerTick ?? 6,
      tickMs: options.tickMs ?? 100,
    }
    this.now = options.now ?? Date.now
    this.thumbnails = options.thumbnails ?? {}
    this.files = options.files ?? {}
    this.settings = { ...defaultSettings('/home/anna/Pictures/Cradle'), ...options.settings }
    this.destinations = options.destinations ?? [
      buildDestination({ counts: { done: 0, pending: 0, failed: 0 } }),
      buildDestination({ id: 'nextcloud-1', name: 'Nextcloud', kind: 'webdav', target: 'cloud.example.net', counts: { done: 0, pending: 0, failed: 0 } }),
    ]
    const destIds = this.destinations.map((d) => d.id)
    for (let i = 0; i < (options.queueRows ?? 0); i++) {
      this.queue.push(buildQueueItem(i, { uploads: destIds.map((destinationId) => ({ destinationId, state: 'done', error: null })) }))
    }
    this.snapshot = this.build()
    if (options.attached !== false) this.attachPhone()
    if (options.autoTick !== false) this.timer = setInterval(() => this.tick(), this.opts.tickMs)
  }

  // ---- CommandHandler -------------------------------------------------------------------------

  current(): AppState {
    return this.snapshot
  }

  subscribe(listener: (state: AppState) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The scripted roll is HEIC and MOV, which have no cheap thumbnail; tests may hand some in. */
  thumbnail(itemId: string): Promise<ThumbnailImage | null> {
    return Promise.resolve(this.thumbnails[itemId] ?? null)
  }

  libraryFile(itemId: string): Promise<LibraryFile> {
    const file = this.files[itemId]
    return file ? Promise.resolve(file) : Promise.reject(new CradleError('not-in-library', `item ${itemId} has no scripted file`))
  }

  async handle<K extends CommandName>(name: K, input: Input<K>): Promise<Result<K>> {
    const result = this.run(name, input as never)
    // Reading commands change nothing; the rest publish at once, as the engine does after a command.
    if (!READ_ONLY.has(name)) this.publish()
    return result as Result<K>
  }

  private run(name: CommandName, input: never): unknown {
    switch (name) {
      case 'getState': return this.snapshot
      case 'backupNow': return this.backupNow(input as Input<'backupNow'>)
      case 'pause': this.setPaused(true); return undefined
      case 'resume': this.setPaused(false); return undefined
      case 'retryFailed': return this.retryFailed(input as Input<'retryFailed'>)
      case 'updateSettings': this.settings = { ...this.settings, ...(input as Input<'updateSettings'>) }; return this.settings
      case 'listQueue': return pageQueue(this.queue, input as Input<'listQueue'>, this.revision)
      case 'addDestination': return this.addDestination(input as DestinationDraft)
      case 'testDestination': return this.testDestination(input as Input<'testDestination'>)
      case 'updateDestination': return this.updateDestination(input as Input<'updateDestination'>)
      case 'removeDestination': return this.removeDestination((input as Input<'removeDestination'>).id)
      case 'signIn': return this.signIn((input as Input<'signIn'>).id)
      case 'openLibraryFolder': return { path: this.settings.libraryPath }
      // As the desktop shell answers: it opened the file (or refused an item without one).
      case 'openItem': return this.libraryFile((input as Input<'openItem'>).id).then(() => ({ by: 'shell' }))
      case 'chooseFolder': return { path: null }
      case 'listFolders': return { path: null, parent: null, folders: [], truncated: false }
    }
  }

  // ---- scenario controls (what a person or a server does) --------------------------------------

  /** Plugs a phone in. `trust: 'pending'` = the Trust prompt is showing, `'locked'` = passcode locked. */
  attachPhone(o: { udid?: string; name?: string; trust?: 'paired' | 'pending' | 'locked'; battery?: number; externalPower?: boolean } = {}): string {
    const udid = o.udid ?? UDID
    const known = this.phones.get(udid)
    const trust = o.trust ?? 'paired'
    const view: DeviceView = known?.view ?? buildDevice({
      udid, name: o.name ?? "Anna's iPhone", itemsOnPhone: null, itemsSafe: null, lastBackupAt: null, phase: 'connecting',
    })
    const external = o.externalPower ?? true
    Object.assign(view, {
      connected: true, connection: 'usb', phase: 'connecting', trust, problem: null,
      battery: { level: o.battery ?? view.battery?.level ?? 57, charging: external, externalPower: external },
    })
    if (!known) this.phones.set(udid, { view, photos: this.opts.photos, alreadySafe: this.opts.alreadySafe, notOnPhone: this.opts.notOnPhone, items: [], icloud: new Set(), cursor: 0, runStartedAt: 0 })
    this.publish()
    return udid
  }

  /** The person taps Trust and enters the passcode. */
  trust(udid = UDID): void {
    const phone = this.phone(udid)
    phone.view.trust = 'paired'
    phone.view.problem = null
    phone.view.phase = 'connecting'
    this.publish()
  }

  unlock(udid = UDID): void {
    this.trust(udid)
  }

  /** The cable comes out; an import in flight stops where it is. */
  unplug(udid = UDID): void {
    const phone = this.phone(udid)
    const wasImporting = phone.view.phase === 'importing' || phone.view.phase === 'scanning' || phone.view.phase === 'paused'
    Object.assign(phone.view, { connected: false, connection: null, phase: 'disconnected', battery: null })
    phone.view.problem = wasImporting ? toWireError('device-unplugged', { deviceName: phone.view.name }) : null
    this.publish()
  }

  failDestination(id: string, code: ErrorCode = 'destination-auth'): void {
    const dest = this.destination(id)
    dest.status = code === 'destination-auth' ? 'needs-sign-in' : 'error'
    dest.problem = toWireError(code, { destinationName: dest.name })
    for (const item of this.uploadBacklog) {
      for (const u of item.uploads) if (u.destinationId === id && u.state === 'uploading') u.state = 'failed'
    }
    this.bump()
    this.publish()
  }

  recoverDestination(id: string): void {
    const dest = this.destination(id)
    dest.status = 'ready'
    dest.problem = null
    this.publish()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** One engine step (every tickMs when autoTick): phones move on, uploads advance, a snapshot goes out. */
  tick(): void {
    for (const phone of this.phones.values()) this.stepPhone(phone)
    this.stepUploads()
    this.publish()
  }

  // ---- the simulation ----------------------------------------------------------------------------

  private stepPhone(phone: Phone): void {
    const v = phone.view
    if (!v.connected) return
    switch (v.phase) {
      case 'connecting':
        if (v.trust === 'pending') { v.phase = 'needs-trust'; v.problem = toWireError('pairing-pending', { deviceName: v.name }) }
        else if (v.trust === 'locked') { v.phase = 'needs-unlock'; v.problem = toWireError('device-locked', { deviceName: v.name }) }
        else if (phone.cursor > 0 && phone.cursor < phone.items.length) { v.problem = null; v.phase = 'importing' } // resume after a replug
        else if (this.settings.importOnlyOnPower && !v.battery?.externalPower) v.phase = 'waiting-power'
        else if (this.settings.minBatteryPercent !== null && (v.battery?.level ?? 0) < this.settings.minBatteryPercent) v.phase = 'waiting-battery'
        else if (this.settings.autoRunOnConnect && !this.paused) this.startRun(phone)
        else v.phase = 'ready'
        if (v.itemsOnPhone === null && v.trust === 'paired') { v.itemsOnPhone = phone.photos; v.itemsSafe = phone.alreadySafe }
        return
      case 'scanning':
        this.scan(phone)
        return
      case 'importing':
        if (this.paused) { v.phase = 'paused'; return }
        this.importSome(phone)
        return
      case 'paused':
        if (!this.paused) v.phase = 'importing'
        return
      default:
        return
    }
  }

  private startRun(phone: Phone): void {
    phone.view.phase = 'scanning'
    phone.view.problem = null
    phone.runStartedAt = this.now()
  }

  private scan(phone: Phone): void {
    const destIds = this.destinations.map((d) => d.id)
    const first = phone.items.length === 0
    if (first) {
      const fresh = Math.max(0, phone.photos - phone.alreadySafe)
      // Spread the iCloud-only items through the roll, as they are on a real phone.
      const every = phone.notOnPhone > 0 ? Math.max(1, Math.floor(fresh / phone.notOnPhone)) : 0
      phone.items = Array.from({ length: fresh }, (_, i) => buildQueueItem(100_000 + i, {
        id: `${phone.view.udid}-${i}`,
        fileName: `IMG_${String(4400 + i).padStart(4, '0')}.HEIC`,
        sourceName: phone.view.name,
        importState: 'pending',
        uploads: destIds.map((destinationId) => ({ destinationId, state: 'pending', error: null })),
        libraryPath: null,
        libraryCopy: null,
      }))
      for (let n = 1; every > 0 && n <= phone.notOnPhone && n * every <= fresh; n++) phone.icloud.add(phone.items[n * every - 1]!.id)
      this.queue.unshift(...phone.items)
      phone.cursor = 0
    }
    // A later run finds nothing new: the camera roll did not change since.
    const run = first ? phone.items : []
    phone.view.itemsOnPhone = phone.photos
    phone.view.itemsSafe = phone.alreadySafe
    phone.view.phase = 'importing'
    phone.view.progress = {
      itemsDone: 0, itemsTotal: run.length, bytesDone: 0,
      bytesTotal: run.reduce((sum, item) => sum + item.size, 0),
      currentFile: run[0]?.fileName ?? null, bytesPerSecond: 0, secondsLeft: null, startedAt: phone.runStartedAt,
    }
    this.bump()
    if (!first) this.finishRun(phone)
  }

  private importSome(phone: Phone): void {
    const p = phone.view.progress!
    let bytes = 0
    for (let n = 0; n < this.opts.itemsPerTick && phone.cursor < phone.items.length; n++) {
      const item = phone.items[phone.cursor++]!
      if (phone.icloud.has(item.id)) {
        item.importState = 'not-on-phone'
        item.error = toWireError('file-not-on-device')
        item.uploads = []
        phone.view.itemsNotOnPhone++
      } else {
        item.importState = 'done'
        item.libraryPath = `2025/2025-03/${item.fileName}`
        item.libraryCopy = { damage: null, verifiedAt: this.now() }
        this.uploadBacklog.push(item)
        phone.view.itemsSafe = (phone.view.itemsSafe ?? 0) + 1
        bytes += item.size
      }
      item.importPercent = null
      p.itemsDone++
    }
    const next = phone.items[phone.cursor]
    if (next) { next.importState = 'importing'; next.importPercent = 40 }
    p.bytesDone += bytes
    p.bytesPerSecond = Math.round(bytes * (1000 / this.opts.tickMs)) || p.bytesPerSecond
    p.currentFile = next?.fileName ?? null
    p.secondsLeft = p.bytesPerSecond > 0 ? Math.round((p.bytesTotal - p.bytesDone) / p.bytesPerSecond) : null
    this.bump()
    if (phone.cursor >= phone.items.length) this.finishRun(phone)
  }

  private finishRun(phone: Phone): void {
    const v = phone.view
    const p = v.progress!
    const unavailable = phone.items.filter((item) => item.importState === 'not-on-phone').length
    this.history.unshift({
      id: `h-${this.nextId++}`, at: this.now(), kind: 'import', sourceName: v.name, udid: v.udid,
      imported: p.itemsTotal === 0 ? 0 : p.itemsDone - unavailable,
      // The fake's items are photos and videos already (one file each).
      photosImported: p.itemsTotal === 0 ? 0 : p.itemsDone - unavailable, photosNotBackedUp: 0, photosAlreadySafe: phone.alreadySafe, photosInICloudOnly: unavailable, alreadyHad: phone.alreadySafe, unavailable,
      unreadable: 0, failed: 0, bytes: p.bytesDone, durationMs: this.now() - phone.runStartedAt, error: null,
    })
    phone.alreadySafe = phone.photos - v.itemsNotOnPhone
    v.phase = 'done'
    v.progress = null
    v.lastBackupAt = this.now()
  }

  private stepUploads(): void {
    if (this.paused) return
    let changed = false
    for (const dest of this.destinations) {
      if (dest.status === 'error' || dest.status === 'needs-sign-in') continue
      let budget = this.opts.uploadsPerTick
      for (const item of this.uploadBacklog) {
        const u = item.uploads.find((x) => x.destinationId === dest.id)
        if (!u || (u.state !== 'pending' && u.state !== 'uploading')) continue
        u.state = u.state === 'pending' ? 'uploading' : 'done'
        changed = true
        if (--budget === 0) break
      }
    }
    if (changed) this.bump()
  }

  // ---- commands --------------------------------------------------------------------------------

  private backupNow(input: { udid?: string }): Result<'backupNow'> {
    const candidates = [...this.phones.values()].filter((p) => p.view.connected && (!input.udid || p.view.udid === input.udid))
    if (candidates.length === 0) return { started: false, reason: 'Connect your iPhone with a cable.' }
    if (this.paused) return { started: false, reason: 'Cradle is paused.' }
    const ready = candidates.filter((p) => p.view.trust === 'paired' && ['ready', 'done', 'error', 'waiting-power', 'waiting-battery'].includes(p.view.phase))
    if (ready.length === 0) return { started: false, reason: candidates.some((p) => p.view.phase === 'importing') ? 'Already backing up.' : 'The iPhone is not ready yet.' }
    for (const phone of ready) this.startRun(phone)
    return { started: true, reason: null }
  }

  private setPaused(paused: boolean): void {
    this.paused = paused
    for (const phone of this.phones.values()) {
      if (paused && phone.view.phase === 'importing') phone.view.phase = 'paused'
      if (!paused && phone.view.phase === 'paused') phone.view.phase = 'importing'
    }
  }

  private retryFailed(input: { destinationId?: string }): Result<'retryFailed'> {
    let retried = 0
    for (const item of this.queue) {
      for (const u of item.uploads) {
        if (u.state === 'failed' && (!input.destinationId || u.destinationId === input.destinationId)) { u.state = 'pending'; u.error = null; retried++ }
      }
    }
    if (retried > 0) this.bump()
    return { retried }
  }

  private addDestination(draft: DestinationDraft): DestinationView {
    const c = draft.config as unknown as Record<string, unknown>
    const target = typeof c.url === 'string' ? new URL(c.url).host : typeof c.bucket === 'string' ? c.bucket : typeof c.path === 'string' ? c.path : 'Google Photos'
    const view = buildDestination({
      id: `${draft.kind}-added-${this.nextId++}`, name: draft.name, kind: draft.kind, target, config: draft.config,
      status: draft.kind === 'google-photos' ? 'needs-sign-in' : 'ready', counts: { done: 0, pending: 0, failed: 0 },
    })
    this.destinations.push(view)
    return { ...view }
  }

  private testDestination(input: Input<'testDestination'>): Result<'testDestination'> {
    if ('draft' in input) {
      const url = (input.draft.config as unknown as Record<string, unknown>).url
      if (typeof url === 'string' && url.includes('unreachable')) return { ok: false, message: toWireError('destination-unreachable', { destinationName: input.draft.name }).message }
      return { ok: true, message: `${input.draft.name} answered; uploads can go there.` }
    }
    const dest = this.destination(input.id)
    if (dest.problem) return { ok: false, message: dest.problem.message }
    return { ok: true, message: `${dest.name} answered; uploads can go there.` }
  }

  /** An edit clears the problem, as the engine's does (its runner restarts on the new settings). */
  private updateDestination({ id, draft }: Input<'updateDestination'>): DestinationView {
    const dest = this.destination(id)
    Object.assign(dest, { name: draft.name, config: draft.config, problem: null, status: dest.kind === 'google-photos' && dest.status === 'needs-sign-in' ? 'needs-sign-in' : 'ready' })
    return { ...dest }
  }

  private removeDestination(id: string): void {
    this.destination(id)
    this.destinations = this.destinations.filter((d) => d.id !== id)
  }

  private signIn(id: string): Result<'signIn'> {
    const dest = this.destination(id)
    // The person completes the consent screen; the real engine learns it from the OAuth redirect.
    setTimeout(() => this.recoverDestination(dest.id), 300)
    return { url: `https://accounts.google.com/o/oauth2/v2/auth?client_id=cradle&state=${encodeURIComponent(id)}` }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private phone(udid: string): Phone {
    const phone = this.phones.get(udid)
    if (!phone) throw new CradleError('device-not-found', udid)
    return phone
  }

  private destination(id: string): DestinationView {
    const dest = this.destinations.find((d) => d.id === id)
    if (!dest) throw new CradleError('not-found', `destination ${id}`)
    return dest
  }

  private bump(): void {
    this.revision++
  }

  private publish(): void {
    this.snapshot = this.build()
    for (const listener of [...this.listeners]) listener(this.snapshot)
  }

  /** A fresh, deep-enough copy: a published snapshot never changes afterwards. */
  private build(): AppState {
    const counts = countQueue(this.queue)
    const destinations = this.destinations.map((d) => {
      const c = { done: 0, pending: 0, failed: 0 }
      for (const item of this.uploadBacklog) {
        const u = item.uploads.find((x) => x.destinationId === d.id)
        if (u?.state === 'done') c.done++
        else if (u?.state === 'failed') c.failed++
        else if (u) c.pending++
      }
      const uploading = c.pending > 0 && d.status !== 'error' && d.status !== 'needs-sign-in' && !this.paused
      return { ...d, counts: c, status: d.problem ? d.status : uploading ? 'uploading' as const : 'ready' as const, problem: d.problem ? { ...d.problem } : null }
    })
    const devices = [...this.phones.values()].map(({ view }) => ({ ...view, battery: view.battery ? { ...view.battery } : null, progress: view.progress ? { ...view.progress } : null }))
    return {
      seq: ++this.seq,
      paused: this.paused,
      muxAvailable: true,
      devices,
      destinations,
      queue: { counts, revision: this.revision },
      library: { path: this.settings.libraryPath, assetCount: this.queue.filter((i) => i.importState === 'done' || i.importState === 'duplicate').length, bytes: 61_000_000_000, freeBytes: 400_000_000_000, available: true },
      history: this.history.slice(0, 20).map((h) => ({ ...h })),
      problems: [...devices.flatMap((d) => (d.problem ? [d.problem] : [])), ...destinations.flatMap((d) => (d.problem ? [d.problem] : []))],
      settings: { ...this.settings },
      onAcPower: true,
      safety: this.safety(destinations),
      scrub: { progress: null, last: null, waiting: null, nextAt: null, damaged: 0 },
    }
  }

  /** The ledger from the scripted queue: the library holds what was imported, a destination what it uploaded. */
  private safety(destinations: readonly DestinationView[]): SafetyView {
    const summarize = (items: readonly QueueItemView[]): SafetySummary => {
      const onlyInICloud = items.filter((i) => i.importState === 'not-on-phone').length
      const of = items.length - onlyInICloud
      const places: SafetyPlace[] = [
        { id: 'library', name: 'Library', safe: items.filter((i) => i.importState === 'done' || i.importState === 'duplicate').length, of, verifiedAt: null },
        ...destinations.map((d) => ({ id: d.id, name: d.name, safe: items.filter((i) => i.uploads.some((u) => u.destinationId === d.id && u.state === 'done')).length, of, verifiedAt: null })),
      ]
      return { items: items.length, onlyInICloud, safeIn: places.filter((p) => p.of > 0 && p.safe >= p.of).length, places }
    }
    return {
      total: summarize(this.queue),
      phones: [...this.phones.values()].map(({ view }) => ({ udid: view.udid, name: view.name, ...summarize(this.queue.filter((i) => i.sourceName === view.name)) })),
    }
  }
}
