/**
 * What the engine calls for uploads: the destinations (add, list, remove, test, sign in), the
 * queue (enqueue after imports, retry failed, pause/resume, AC-power gate, bandwidth limit) and
 * the read side (views for the snapshot, per-asset states for queue rows, counts for
 * `cradle status`). One DestinationRunner per destination does the work.
 */
import { validateDestinationDraft, type DestinationDraft } from '../../shared/destination-config.js'
import { CradleError, type ErrorCode } from '../../shared/errors.js'
import { toWireError, type Platform } from '../../shared/error-text.js'
import type { DestinationView } from '../../shared/state.js'
import { systemClock, type Clock, type PowerSource, type SecretStore } from '../engine/ports.js'
import type { Db } from '../library/catalog-db.js'
import { fillSha1, kindNeedsSha1 } from '../library/sha1.js'
import { createLogger, type Logger } from '../logging/logger.js'
import { noPhotoMetadata } from '../photos/no-photo-metadata.js'
import type { PhotoMetadataSource } from '../photos/photo-metadata.js'
import { BandwidthLimiter, BYTES_PER_MB } from './bandwidth-limiter.js'
import { createDestination, skipRolesFor, type DestinationOptions } from './create-destination.js'
import type { Destination, UploadItem } from './destination.js'
import type { GooglePhotosDestination } from './google-photos/google-photos-destination.js'
import { retryHorizon } from './backoff.js'
import { DestinationRunner, DEFAULT_TUNING, type RunnerTuning } from './destination-runner.js'
import { DestinationStore, secretKeys, type DestinationRecord } from './destination-store.js'
import { UploadQueue, type DestinationCounts } from './queue/upload-queue.js'
import { toView } from './destination-view.js'
import { SpaceTracker } from './space-tracker.js'
import { assetUploadStates, destinationStatusCounts, type AssetUploadState, type DestinationStatusCounts } from './upload-status.js'
import { toUploadError } from './upload-errors.js'
import { UploadBatches, type UploadBatchSummary, type UploadReason } from './upload-batch.js'
import { verifyCopies, type DestinationFinding, type DestinationVerifyReport } from './destination-verify.js'
import { testPassedMessage } from './write-probe.js'

export interface UploadSettings {
  uploadOnlyOnAcPower: boolean
  uploadLimitMBps: number | null
}

export interface UploadManagerDeps {
  db: Db
  libraryRoot: string
  secrets: SecretStore
  clock?: Clock
  power?: PowerSource
  random?: () => number
  settings?: UploadSettings
  log?: Logger
  tuning?: Partial<RunnerTuning>
  options?: DestinationOptions
  platform?: Platform
  /**
   * What the phone's Photos library says about each asset (albums, favorite, hidden), applied to
   * the uploaded copies where the destination can take it. Default: nothing is described.
   */
  metadata?: PhotoMetadataSource
  /**
   * A destination finished a batch (drained, stopped, paused, or the run ended) having uploaded
   * something or left something behind: History records it.
   */
  onBatch?: (summary: UploadBatchSummary) => void
  /** Test seam: builds the Destination for a record instead of the real module for its kind. */
  factory?: (record: DestinationRecord) => Destination
}

export type { AssetUploadState, DestinationStatusCounts } from './upload-status.js'
export type { UploadBatchSummary } from './upload-batch.js'

export class UploadManager {
  private readonly store: DestinationStore
  private readonly queue: UploadQueue
  private readonly runners = new Map<string, DestinationRunner>()
  private readonly batches = new UploadBatches()
  private readonly listeners = new Set<() => void>()
  private readonly clock: Clock
  private readonly log: Logger
  private readonly limiter: BandwidthLimiter
  private readonly tuning: RunnerTuning
  private settings: UploadSettings
  private paused = false
  /** A phone is importing: a destination that drained waits for the rest before History hears of its batch. */
  private importing = false
  private started = false
  private emitTimer: NodeJS.Timeout | null = null
  private countsCache = new Map<string, { at: number; counts: DestinationCounts }>()
  private unsubscribePower: (() => void) | null = null
  private lastAc: boolean | null = null
  private readonly space: SpaceTracker

  constructor(private readonly deps: UploadManagerDeps) {
    this.store = new DestinationStore(deps.db)
    this.queue = new UploadQueue(deps.db)
    this.clock = deps.clock ?? systemClock
    this.log = deps.log ?? createLogger('destinations/manager')
    this.settings = deps.settings ?? { uploadOnlyOnAcPower: true, uploadLimitMBps: null }
    this.limiter = new BandwidthLimiter(this.rateFor(this.settings))
    this.tuning = { ...DEFAULT_TUNING, ...deps.tuning }
    this.space = new SpaceTracker({ store: this.store, clock: this.clock, log: this.log, onChange: () => this.emit() })
  }

  private rateFor(s: UploadSettings): number | null {
    return s.uploadLimitMBps !== null ? s.uploadLimitMBps * BYTES_PER_MB : null
  }

  /** Resumes after a restart: interrupted rows back to pending, missing rows added, runners started. */
  start(): void {
    if (this.started) return
    this.started = true
    const now = this.clock.now()
    const reset = this.queue.resetInterrupted(now)
    if (reset > 0) this.log.info('resuming interrupted uploads', { count: reset })
    const clamped = this.queue.clampDue(now, retryHorizon(this.tuning.backoff))
    if (clamped > 0) this.log.warn('retries due far in the future (the clock went back while stopped) are due now', { count: clamped })
    this.queue.enqueue(now)
    this.lastAc = this.onAc()
    this.unsubscribePower = this.deps.power?.onChange(() => this.powerChanged()) ?? null
    for (const record of this.store.list()) this.startRunner(record)
    this.emit()
  }

  /** Aborts transfers cleanly (resumable state kept) and waits for every runner. */
  async stop(): Promise<void> {
    this.started = false
    this.space.stop()
    this.unsubscribePower?.()
    this.unsubscribePower = null
    await Promise.all([...this.runners.values()].map((r) => r.stop()))
    await Promise.all([...this.runners.values()].map((r) => r.destination.close?.()))
    this.runners.clear()
    if (this.emitTimer) clearTimeout(this.emitTimer)
  }

  pause(): void {
    this.paused = true
    for (const r of this.runners.values()) r.abortInflight()
    this.emit()
  }

  resume(): void {
    this.paused = false
    for (const r of this.runners.values()) r.wake()
    this.emit()
  }

  /** Whether a phone is importing now; when the imports end, a drained destination's batch is recorded. */
  setImporting(importing: boolean): void {
    if (importing === this.importing) return
    this.importing = importing
    if (!importing) for (const r of this.runners.values()) r.wake()
  }

  get isPaused(): boolean {
    return this.paused
  }

  /** Applies Settings.uploadOnlyOnAcPower and Settings.uploadLimitMBps. */
  updateSettings(patch: Partial<UploadSettings>): void {
    this.settings = { ...this.settings, ...patch }
    this.limiter.setRate(this.rateFor(this.settings))
    this.powerChanged()
  }

  private onAc(): boolean {
    return this.deps.power?.onAcPower() !== false
  }

  private powerChanged(): void {
    const ac = this.onAc()
    const gated = this.settings.uploadOnlyOnAcPower && !ac
    if (gated) for (const r of this.runners.values()) r.abortInflight()
    if (ac !== this.lastAc) this.log.info(ac ? 'on AC power: uploads run' : 'on battery', { gated })
    this.lastAc = ac
    for (const r of this.runners.values()) r.wake()
    this.emit()
  }

  private gate = (): string | null => {
    if (this.paused) return 'paused'
    if (this.settings.uploadOnlyOnAcPower && !this.onAc()) return 'power'
    return null
  }

  /**
   * Adds pending rows for every (asset, destination) pair that has none. Call after imports
   * (pass the new asset ids to skip the full scan). Returns the number of rows added.
   */
  enqueue(assetIds?: readonly number[]): number {
    const n = this.queue.enqueue(this.clock.now(), assetIds ? { assetIds } : {})
    if (n > 0) {
      this.countsCache.clear()
      for (const r of this.runners.values()) r.wake({ newWork: true })
      this.emit()
    }
    return n
  }

  /** The phone's metadata was read again: every destination brings its copies up to date. */
  syncMetadata(): void {
    for (const r of this.runners.values()) r.syncMetadata()
  }

  // ── destinations ──────────────────────────────────────────────────────────────────────────

  /** Validates, stores the config in the catalog and the secret in the SecretStore, back-fills the queue. */
  async add(input: unknown): Promise<DestinationView> {
    const draft = this.validate(input)
    const record = this.store.insert(draft.kind, draft.name, draft.config, skipRolesFor(draft.kind, draft.config), this.clock.now())
    try {
      if (draft.secret) await this.deps.secrets.set(secretKeys.secret(record.id), draft.secret)
    } catch (error) {
      this.store.remove(record.id)
      throw error
    }
    if (record.kind === 'google-photos') {
      // Nothing can go up before the user signs in: say so from the start ("needs sign-in").
      record.problem = { code: 'destination-auth', detail: 'not signed in yet', context: {}, at: this.clock.now() }
      this.store.setProblem(record.id, record.problem)
    }
    this.queue.enqueue(this.clock.now(), { destinationId: record.id })
    this.log.info('destination added', { dest: record.id, kind: record.kind })
    if (this.started) this.startRunner(record)
    this.emit()
    return this.viewOf(record)
  }

  /**
   * Saves an edited destination: the same kind, a new name, config and (when retyped) secret. Its
   * runner restarts on the new settings, and its stop and failed files get another go, since the
   * edit is how a refused key or a wrong address is fixed. What was uploaded stays recorded.
   */
  async update(id: string, input: unknown): Promise<DestinationView> {
    const record = this.require(id)
    const draft = this.validate(input, { secretOptional: true })
    if (draft.kind !== record.kind) throw new CradleError('invalid-input', `${record.name} is ${record.kind}; add a new destination for ${draft.kind}`, { context: { key: 'kind' } })
    this.store.update(record.id, draft.name, draft.config, skipRolesFor(draft.kind, draft.config))
    if (draft.secret) await this.deps.secrets.set(secretKeys.secret(record.id), draft.secret)
    await this.stopRunner(record.id)
    // A Google Photos destination not signed in stays so; anything else starts afresh.
    if (!(record.kind === 'google-photos' && record.problem?.code === 'destination-auth')) this.store.setProblem(record.id, null)
    const now = this.clock.now()
    this.queue.retryFailed(record.id, now)
    this.queue.enqueue(now, { destinationId: record.id })
    this.countsCache.delete(record.id)
    const updated = this.require(record.id)
    this.log.info('destination edited', { dest: record.id, kind: record.kind, secret: draft.secret ? 'replaced' : 'kept' })
    if (this.started) this.startRunner(updated)
    this.emit()
    return this.viewOf(updated)
  }

  async remove(id: string): Promise<void> {
    const record = this.require(id)
    await this.stopRunner(id)
    this.store.remove(record.id)
    await this.deps.secrets.delete(secretKeys.secret(id))
    await this.deps.secrets.delete(secretKeys.refreshToken(id))
    this.countsCache.delete(id)
    this.log.info('destination removed', { dest: id })
    this.emit()
  }

  /** Reachable, authorised and (where harmless) writable? A stored destination that passes gets its stop cleared. */
  async test(input: { id: string } | { draft: unknown; id?: string }): Promise<{ ok: boolean; message: string }> {
    let destination: Destination
    let name: string
    let kind: DestinationView['kind']
    let temporary = false
    if (!('draft' in input)) {
      const record = this.require(input.id)
      destination = this.runners.get(record.id)?.destination ?? this.build(record)
      temporary = !this.runners.has(record.id)
      name = record.name
      kind = record.kind
    } else {
      // An edit's draft (with the id) falls back on the stored secret when none was retyped.
      const stored = input.id !== undefined ? this.require(input.id) : null
      const draft = this.validate(input.draft, { secretOptional: stored !== null })
      const secret = draft.secret !== undefined || !stored ? async () => draft.secret : () => this.deps.secrets.get(secretKeys.secret(stored.id))
      destination = createDestination(draft.kind, draft.config, { ...this.destinationDeps('draft', draft.name), secret })
      temporary = true
      name = draft.name
      kind = draft.kind
    }
    try {
      const signal = AbortSignal.timeout(30_000)
      await destination.check(signal)
      const probe = destination.probeWrite ? await destination.probeWrite(signal) : null
      if (!('draft' in input)) {
        this.runners.get(input.id)?.clearProblem()
        await this.space.refresh(input.id, destination)
      }
      return { ok: true, message: testPassedMessage(name, probe) }
    } catch (error) {
      const err = toUploadError(error)
      const text = toWireError(err.code, { ...err.context, destinationName: name, destinationKind: kind }, this.deps.platform)
      return { ok: false, message: `${text.message}${text.action ? `. ${text.action}` : ''}` }
    } finally {
      if (temporary) await destination.close?.()
    }
  }

  /** Failed files go back to the queue; stopped destinations get another go. */
  retryFailed(destinationId?: string): number {
    const now = this.clock.now()
    const n = this.queue.retryFailed(destinationId ?? null, now)
    for (const r of this.runners.values()) {
      if (destinationId && r.id !== destinationId) continue
      this.queue.hurry(r.id, now)
      r.clearProblem()
    }
    this.countsCache.clear()
    this.emit()
    return n
  }

  /** Google Photos: the URL to open; `completion` resolves when the loopback redirect arrived. */
  async signIn(id: string): Promise<{ url: string; completion: Promise<void> }> {
    const record = this.require(id)
    if (record.kind !== 'google-photos') throw new CradleError('invalid-input', `${record.name} does not use sign-in`, { context: { key: 'id' } })
    const runner = this.runners.get(id)
    const destination = (runner?.destination ?? this.build(record)) as GooglePhotosDestination
    const started = await destination.signIn()
    const completion = started.completion.then(() => {
      this.log.info('signed in', { dest: id })
      this.store.setProblem(id, null)
      runner?.clearProblem()
      this.emit()
    })
    return { url: started.url, completion }
  }

  list(): DestinationView[] {
    return this.views()
  }

  /** Finds a destination by id or (case-insensitive) name. */
  find(idOrName: string): DestinationRecord | null {
    return this.store.get(idOrName) ?? this.store.byName(idOrName)
  }

  // ── read side ─────────────────────────────────────────────────────────────────────────────

  views(): DestinationView[] {
    return this.store.list().map((r) => this.viewOf(r))
  }

  private counts(id: string): DestinationCounts {
    const cached = this.countsCache.get(id)
    const now = Date.now()
    if (cached && now - cached.at < 250) return cached.counts
    const counts = this.queue.counts(id)
    this.countsCache.set(id, { at: now, counts })
    return counts
  }

  private viewOf(record: DestinationRecord): DestinationView {
    const counts = this.counts(record.id)
    // Only asked when something failed: the commonest reason, in the words the queue rows use.
    const commonest = counts.failed > 0 ? this.queue.failureReasons(record.id)[0] : undefined
    return toView(record, counts, this.runners.get(record.id) ?? null, {
      paused: this.paused,
      gate: this.gate(),
      now: this.clock.now(),
      platform: this.deps.platform,
      failedReason: commonest ? toWireError(commonest.code as ErrorCode, { destinationName: record.name, destinationKind: record.kind }, this.deps.platform).message : null,
    })
  }

  /** Upload state per destination for a page of asset ids (joined into the queue rows). */
  uploadStates(assetIds: readonly number[]): Map<number, AssetUploadState[]> {
    return assetUploadStates(this.queue, this.store, assetIds, this.deps.platform)
  }

  /** The global upload limit as set now, and how many bytes it has governed (what went through it). */
  uploadLimit(): { bytesPerSecond: number | null; bytesGoverned: number } {
    return { bytesPerSecond: this.limiter.bytesPerSecond, bytesGoverned: this.limiter.bytesGoverned }
  }

  /** Per-destination counts with failure reasons, for `cradle status`. */
  /** `cradle verify --destinations`: checks every destination's copies (destination-verify.ts). */
  async verifyCopies(opts: { damaged: ReadonlySet<number>; signal?: AbortSignal; onFinding?: (f: DestinationFinding) => void }): Promise<DestinationVerifyReport[]> {
    const reports: DestinationVerifyReport[] = []
    for (const record of this.store.list()) {
      const destination = this.build(record)
      try {
        reports.push(await verifyCopies(record, destination, { queue: this.queue, libraryRoot: this.deps.libraryRoot, now: () => this.clock.now(), fillSha1: this.sha1Filler(record), ...opts }))
      } finally {
        await destination.close?.()
      }
    }
    // Copies queued again are new work for a running manager (the app; a CLI run uploads them next time).
    for (const r of this.runners.values()) r.wake({ newWork: true })
    for (const listener of [...this.listeners]) listener()
    return reports
  }

  statusCounts(): DestinationStatusCounts[] {
    return destinationStatusCounts(this.queue, this.store, this.deps.platform)
  }

  /** Called (coalesced, at most every 100 ms) when anything a view shows may have changed. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Resolves when every destination has nothing it can do now: queue empty, stopped by a
   * problem, parked (quota, full), gated (paused, power), or only rows not due within `maxWaitMs`.
   * `cradle backup --once` uses it to exit after uploading.
   */
  async drain(options: { maxWaitMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const maxWait = options.maxWaitMs ?? 60_000
    for (;;) {
      options.signal?.throwIfAborted()
      if (this.settled(maxWait)) return
      await new Promise<void>((resolve) => {
        const off = this.onChange(() => {
          off()
          clearTimeout(t)
          resolve()
        })
        const t = setTimeout(() => {
          off()
          resolve()
        }, 200)
      })
    }
  }

  private settled(maxWaitMs: number): boolean {
    const now = this.clock.now()
    for (const r of this.runners.values()) {
      if (r.inflightCount > 0) return false
      const reason = r.blockedReason()
      if (reason === 'problem' || reason === 'quota' || reason === 'full' || reason === 'paused' || reason === 'power') continue
      if (r.metadataBusy) return false
      const due = this.queue.nextDue(r.id)
      if (due === null) continue
      if (due - now > maxWaitMs) continue
      return false
    }
    return true
  }

  // ── plumbing ──────────────────────────────────────────────────────────────────────────────

  private validate(input: unknown, opts: { secretOptional?: boolean } = {}): DestinationDraft {
    const result = validateDestinationDraft(input, opts)
    if (!result.ok) throw new CradleError('invalid-input', `${result.key} ${result.message}`, { context: { key: result.key } })
    return result.value
  }

  private require(id: string): DestinationRecord {
    const record = this.find(id)
    if (!record) throw new CradleError('not-found', `no destination ${id}`)
    return record
  }

  private destinationDeps(id: string, name: string): Parameters<typeof createDestination>[2] {
    return {
      id,
      name,
      secret: () => this.deps.secrets.get(secretKeys.secret(id)),
      refreshToken: {
        get: () => this.deps.secrets.get(secretKeys.refreshToken(id)),
        set: (token) => this.deps.secrets.set(secretKeys.refreshToken(id), token),
      },
      state: {
        load: () => this.store.get(id)?.state ?? {},
        save: (state) => this.store.setState(id, state),
      },
      clock: this.clock,
      log: this.log.child(id),
      options: this.deps.options ?? {},
      timeoutMs: this.tuning.stallTimeoutMs,
    }
  }

  /** Stops a destination's runner and closes its connections (before an edit or a removal). */
  private async stopRunner(id: string): Promise<void> {
    this.space.forget(id)
    const runner = this.runners.get(id)
    if (!runner) return
    await runner.stop()
    await runner.destination.close?.()
    this.runners.delete(id)
  }

  /** Files imported while no destination needed SHA-1 get it from the library file (library/sha1.ts). */
  private sha1Filler(record: DestinationRecord): ((item: UploadItem, signal?: AbortSignal) => Promise<void>) | null {
    if (!kindNeedsSha1(record.kind)) return null
    return (item, signal) => fillSha1(this.deps.db, this.deps.libraryRoot, item, this.clock.now(), signal)
  }

  private build(record: DestinationRecord): Destination {
    if (this.deps.factory) return this.deps.factory(record)
    return createDestination(record.kind, record.config, this.destinationDeps(record.id, record.name))
  }

  private startRunner(record: DestinationRecord): void {
    const runner = new DestinationRunner({
      id: record.id,
      name: record.name,
      destination: this.build(record),
      queue: this.queue,
      libraryRoot: this.deps.libraryRoot,
      clock: this.clock,
      random: this.deps.random ?? Math.random,
      limiter: this.limiter,
      log: this.log.child(record.id),
      tuning: this.tuning,
      gate: this.gate,
      problem: record.problem,
      onProblem: (problem) => {
        this.store.setProblem(record.id, problem)
        this.emit()
      },
      onChange: () => {
        this.countsCache.delete(record.id)
        this.space.afterUploads(record.id, runner.destination, runner.inflightCount, () => {
          const c = this.counts(record.id)
          return { done: c.done, waiting: c.waitingFiles }
        })
        this.emit()
      },
      metadata: this.deps.metadata ?? noPhotoMetadata,
      fillSha1: this.sha1Filler(record),
      batch: {
        begin: () => this.batches.begin(record.id, record.name),
        outcome: (outcome) => this.batches.record(record.id, outcome),
        settled: (stopped, drained) => {
          // While a phone is importing, more files are on their way: the batch goes on.
          if (drained && this.importing) return
          this.batchSettled(record.id, stopped)
        },
      },
    })
    this.runners.set(record.id, runner)
    runner.start()
    void this.space.refresh(record.id, runner.destination, this.counts(record.id).done)
  }

  private batchSettled(id: string, stopped: UploadReason | null): void {
    const summary = this.batches.settle(id, stopped && { error: stopped, waitingPhotos: () => this.queue.photosWaiting(id) })
    if (!summary) return
    try {
      this.deps.onBatch?.(summary)
    } catch (error) {
      this.log.warn('could not record the upload batch', { dest: id, error })
    }
    this.emit()
  }

  private emit(): void {
    if (this.emitTimer) return
    this.emitTimer = setTimeout(() => {
      this.emitTimer = null
      for (const l of [...this.listeners]) {
        try {
          l()
        } catch (error) {
          this.log.error('change listener failed', { error })
        }
      }
    }, 100)
    this.emitTimer.unref?.()
  }
}
