/**
 * Runs one destination's queue: N workers claim due rows, upload, and record the outcome.
 * Failure policy (destinations.md §5): transient errors retry with full-jitter backoff and
 * Retry-After as a floor, and hold the whole destination when the server asks (429) or keeps
 * failing (then a check() probes before any file is tried again); item errors fail that file;
 * permanent errors (401/403/413/config) stop this destination with a problem for the user; a
 * daily quota parks it until the reset. Pause and power loss abort in-flight uploads cleanly:
 * rows go back to pending with their resumable session kept.
 */
import fs from 'node:fs'
import path from 'node:path'
import { Readable, pipeline } from 'node:stream'
import { CradleError } from '../../shared/errors.js'
import type { Clock } from '../engine/ports.js'
import type { Logger } from '../logging/logger.js'
import { readChunks } from '../library/buffer-pool.js'
import { librarySidecarText } from '../photos/library-sidecar.js'
import { metadataJson, parseMetadataJson } from '../photos/metadata-json.js'
import type { PhotoMetadataSource } from '../photos/photo-metadata.js'
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js'
import { MeteredStream, type BandwidthLimiter } from './bandwidth-limiter.js'
import type { Destination, UploadContext, UploadItem } from './destination.js'
import type { StoredProblem } from './destination-store.js'
import type { ClaimedRow, UploadQueue } from './queue/upload-queue.js'
import { SpeedMeter } from './speed-meter.js'
import type { UploadOutcome, UploadReason } from './upload-batch.js'
import { classify, stallError, toUploadError } from './upload-errors.js'

export interface RunnerTuning {
  /** A transfer with no byte moving for this long is aborted and retried (real time). */
  stallTimeoutMs: number
  /** After this many transient failures in a row a file is marked failed (retryFailed revives it). */
  maxAttempts: number
  /** Consecutive transient failures after which check() must pass before the next file. */
  probeAfter: number
  backoff: BackoffPolicy
  /** Batch size for the destination's has() dedupe (Immich's CLI uses 5,000). */
  checkBatch: number
  /** A full destination is tried again after this long (error-text.ts says "every 15 minutes"). */
  fullRecheckMs: number
}

export const DEFAULT_TUNING: RunnerTuning = { stallTimeoutMs: 120_000, maxAttempts: 8, probeAfter: 3, backoff: DEFAULT_BACKOFF, checkBatch: 1_000, fullRecheckMs: 15 * 60_000 }

export interface RunnerDeps {
  id: string
  name: string
  destination: Destination
  queue: UploadQueue
  libraryRoot: string
  clock: Clock
  random: () => number
  limiter: BandwidthLimiter | null
  log: Logger
  tuning: RunnerTuning
  /** Manager-level reason not to run (paused, no AC power), or null. */
  gate: () => string | null
  problem: StoredProblem | null
  onProblem: (problem: StoredProblem | null) => void
  onChange: () => void
  /** What the phone's Photos library says about each asset (albums, favorite) for applyMetadata. */
  metadata: PhotoMetadataSource
  /**
   * For a destination that compares SHA-1 (library/sha1.ts): makes item.sha1 known before the
   * destination sees the item (throws when the library file no longer matches); null otherwise.
   */
  fillSha1: ((item: UploadItem, signal?: AbortSignal) => Promise<void>) | null
  /** What History hears of this destination's batches (upload-batch.ts); optional for tests that do not care. */
  batch?: BatchReporter
}

export interface BatchReporter {
  /** A file was taken up. */
  begin(): void
  /** A file got there, or failed for good. */
  outcome(outcome: UploadOutcome): void
  /**
   * Nothing to do now and nothing in flight: `drained` (the queue is empty; an import may still add
   * to it), or held or stopped; `stopped`: why, when a problem, a full server or a quota holds it.
   */
  settled(stopped: UploadReason | null, drained: boolean): void
}

/** A metadata pass that failed is tried again after this long (or at the next trigger). */
const METADATA_RETRY_MS = 60_000
const METADATA_PAGE = 200

/** A hold as shown: `until` in wall-clock time, computed from the monotonic deadline when asked. */
export type Hold = { kind: 'backoff' | 'quota' | 'full'; until: number } | null

/** A wall clock that moved this much against the monotonic one was set (NTP steps, a user). */
const CLOCK_JUMP_MS = 2_000

export class DestinationRunner {
  private readonly inflight = new Map<number, AbortController>()
  private wakers = new Set<() => void>()
  private workers: Promise<void>[] = []
  private running = false
  /** Deadline on the monotonic clock: a wall clock set back does not stretch it. */
  private hold: { kind: 'backoff' | 'quota' | 'full'; untilMono: number } | null = null
  /** Wall minus monotonic when last looked at; a change is a jump of the wall clock. */
  private wallOffset: number
  private consecutiveFailures = 0
  private probing = false
  private prechecking = false
  private needsPrecheck = true
  /** Copies whose metadata may differ from the phone's: a pass over done rows is due. */
  private metaDirty = true
  private metaRunning = false
  /** Monotonic time before which a failed metadata pass is not tried again. */
  private metaRetryAt = 0
  private metaAbort: AbortController | null = null
  readonly speed: SpeedMeter
  problem: StoredProblem | null
  lastError: CradleError | null = null

  constructor(private readonly d: RunnerDeps) {
    this.problem = d.problem
    this.speed = new SpeedMeter(() => d.clock.monotonic())
    this.wallOffset = d.clock.now() - d.clock.monotonic()
  }

  get id(): string {
    return this.d.id
  }
  get destination(): Destination {
    return this.d.destination
  }
  get inflightCount(): number {
    return this.inflight.size
  }
  get currentHold(): Hold {
    const left = this.hold ? this.hold.untilMono - this.d.clock.monotonic() : 0
    return this.hold && left > 0 ? { kind: this.hold.kind, until: this.d.clock.now() + left } : null
  }
  get isRunning(): boolean {
    return this.running
  }
  /** A metadata pass is running or due now (drain waits for it: `backup --once` applies albums too). */
  get metadataBusy(): boolean {
    if (this.metaRunning) return true
    return this.metaDirty && !!this.d.destination.applyMetadata && this.metaRetryAt <= this.d.clock.monotonic()
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.needsPrecheck = true
    for (let i = 0; i < Math.max(1, this.d.destination.concurrency); i++) this.workers.push(this.work())
  }

  /** Aborts in-flight uploads (their rows go back to pending) and waits for the workers. */
  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.abortInflight()
    this.wake()
    await Promise.all(this.workers)
    this.workers = []
    this.d.batch?.settled(this.stopReason(), false)
  }

  /** The reason a stop or hold leaves files waiting (a problem, full, quota), for History. */
  private stopReason(): UploadReason | null {
    if (this.problem) return { code: this.problem.code, context: this.problem.context }
    const hold = this.currentHold
    if (hold && hold.kind !== 'backoff' && this.lastError) return { code: this.lastError.code, context: this.lastError.context }
    return null
  }

  /** Re-evaluates gates, due rows and new work now. */
  wake(options: { newWork?: boolean } = {}): void {
    if (options.newWork) this.needsPrecheck = true
    const wakers = this.wakers
    this.wakers = new Set()
    for (const w of wakers) w()
  }

  /** Pause or power loss: stop the transfers in flight without counting a failed attempt. */
  abortInflight(): void {
    for (const ctl of this.inflight.values()) ctl.abort(new CradleError('aborted', 'paused'))
    this.metaAbort?.abort(new CradleError('aborted', 'paused'))
  }

  /** The phone's metadata changed (or may have): bring every uploaded copy up to date. */
  syncMetadata(): void {
    this.metaDirty = true
    this.metaRetryAt = 0
    this.wake()
  }

  /** The user fixed something (retry, test passed, signed in): clear the stop and holds. */
  clearProblem(): void {
    this.hold = null
    this.consecutiveFailures = 0
    if (this.problem) {
      this.problem = null
      this.d.onProblem(null)
    }
    this.wake({ newWork: true })
  }

  /** Why this runner is not uploading right now (null = it may). */
  blockedReason(): string | null {
    if (this.problem) return 'problem'
    const gate = this.d.gate()
    if (gate) return gate
    if (this.currentHold) return this.hold!.kind
    return null
  }

  private idle(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const ctl = new AbortController()
      const done = (): void => {
        this.wakers.delete(done)
        ctl.abort()
        resolve()
      }
      this.wakers.add(done)
      if (!this.running) return done()
      if (ms !== undefined) this.d.clock.sleep(Math.max(0, ms), ctl.signal).then(done, () => undefined)
    })
  }

  private async work(): Promise<void> {
    while (this.running) {
      try {
        await this.step()
      } catch (error) {
        // A bug or a catalog error must not kill the worker silently; wait and go on.
        this.d.log.error('runner step failed', { dest: this.d.id, error })
        await this.idle(5_000)
      }
    }
  }

  /**
   * Retry times stored in the queue are wall-clock times (they must survive a restart). When the
   * wall clock jumps, they move with it, so each row stays due after the same real wait.
   */
  private followWallClock(now: number): void {
    const drift = now - this.d.clock.monotonic() - this.wallOffset
    if (Math.abs(drift) < CLOCK_JUMP_MS) return
    this.wallOffset += drift
    const moved = this.d.queue.shiftDue(this.d.id, drift)
    this.d.log.warn('wall clock jumped; retry times moved with it', { dest: this.d.id, jumpMs: drift, rows: moved })
  }

  private async step(): Promise<void> {
    const now = this.d.clock.now()
    this.followWallClock(now)
    const blocked = this.blockedReason()
    if (blocked) {
      if (this.inflight.size === 0) this.d.batch?.settled(this.stopReason(), false)
      return this.idle(this.hold && blocked === this.hold.kind ? this.hold.untilMono - this.d.clock.monotonic() : undefined)
    }
    if (this.prechecking || this.probing) return this.idle()
    if (this.d.destination.has && this.needsPrecheck) return this.precheck()
    if (this.consecutiveFailures >= this.d.tuning.probeAfter) return this.probe()
    const row = this.d.queue.claim(this.d.id, now, new Set(this.inflight.keys()))
    if (!row) {
      const metaWait = this.metaDirty && this.d.destination.applyMetadata ? this.metaRetryAt - this.d.clock.monotonic() : null
      if (metaWait !== null && metaWait <= 0 && !this.metaRunning) return this.metadataPass()
      // Rows due now but not claimable (a still waiting for its motion part, or in flight) are
      // picked up when another upload finishes and wakes the workers.
      const due = this.d.queue.nextDueAfter(this.d.id, now)
      // Drained: nothing due now or later, nothing in flight (retries waiting keep the batch open).
      if (due === null && this.inflight.size === 0) this.d.batch?.settled(null, true)
      const waits = [due !== null ? due - now : null, metaWait !== null && metaWait > 0 ? metaWait : null].filter((w): w is number => w !== null)
      return this.idle(waits.length > 0 ? Math.min(...waits) : undefined)
    }
    this.d.batch?.begin()
    this.d.onChange()
    await this.process(row)
  }

  /** Immich: ask the server which files it has before sending any (bulk-upload-check). */
  private async precheck(): Promise<void> {
    this.prechecking = true
    try {
      for (;;) {
        const items = this.d.queue.unchecked(this.d.id, this.d.tuning.checkBatch)
        if (items.length === 0) break
        // Files imported without SHA-1 get it first (before the request's timeout starts); one whose
        // file fails that is left to its own upload attempt, which reports why.
        const asked = this.d.fillSha1 ? await this.withSha1(items) : items
        const signal = AbortSignal.timeout(Math.max(this.d.tuning.stallTimeoutMs, 10_000))
        const found = asked.length > 0 ? await this.d.destination.has!(asked, signal) : new Map<number, string>()
        const n = this.d.queue.applyCheck(this.d.id, items, found, this.d.clock.now())
        if (n > 0) {
          this.d.log.info('already on destination', { dest: this.d.id, count: n })
          this.metaDirty = true // found there, never uploaded by this run: its albums and favorite still to apply
        }
        this.d.onChange()
      }
      this.needsPrecheck = false
    } catch (error) {
      const err = toUploadError(error)
      const kind = classify(err)
      if (kind === 'destination') this.stopWith(err)
      else if (kind === 'quota') this.parkForQuota(err)
      else if (kind === 'full') this.parkWhileFull(err)
      else {
        // Each upload dedupes by itself (Immich answers 200 duplicate); still honour Retry-After.
        const retryAfterMs = typeof err.context.retryAfterMs === 'number' ? err.context.retryAfterMs : null
        if (kind === 'transient') this.backOff(err, retryAfterMs, false)
        this.d.log.warn('batch check failed; uploads will dedupe one by one', { dest: this.d.id, code: err.code })
      }
      this.needsPrecheck = false
    } finally {
      this.prechecking = false
      this.wake()
    }
  }

  /** After repeated failures: one check() decides whether files are tried again. */
  private async probe(): Promise<void> {
    this.probing = true
    try {
      await this.d.destination.check(AbortSignal.timeout(Math.max(this.d.tuning.stallTimeoutMs, 10_000)))
      this.consecutiveFailures = 0
      this.hold = null
    } catch (error) {
      const err = toUploadError(error)
      const kind = classify(err)
      if (kind === 'destination') this.stopWith(err)
      else if (kind === 'quota') this.parkForQuota(err)
      else if (kind === 'full') this.parkWhileFull(err)
      else this.backOff(err, (err.context.retryAfterMs as number | undefined) ?? null, true)
    } finally {
      this.probing = false
      this.d.onChange()
      this.wake()
    }
  }

  private backOff(err: CradleError, retryAfterMs: number | null, force: boolean): void {
    this.consecutiveFailures++
    this.lastError = err
    if (retryAfterMs !== null || force || this.consecutiveFailures >= 2) {
      const delay = backoffDelay(Math.max(1, this.consecutiveFailures - 1), this.d.random, this.d.tuning.backoff, retryAfterMs)
      const until = this.d.clock.monotonic() + delay
      if (!this.hold || this.hold.kind === 'backoff') this.hold = { kind: 'backoff', untilMono: Math.max(until, this.hold?.untilMono ?? 0) }
      this.d.log.warn('destination backing off', { dest: this.d.id, delayMs: delay, code: err.code, failures: this.consecutiveFailures })
    }
  }

  private parkForQuota(err: CradleError): void {
    // The server names a wall-clock moment; wait that long from now.
    const resetsAt = Number(err.context.resetsAt ?? this.d.clock.now() + 3_600_000)
    this.hold = { kind: 'quota', untilMono: this.d.clock.monotonic() + Math.max(0, resetsAt - this.d.clock.now()) }
    this.lastError = err
    this.d.log.warn('daily quota reached; parked', { dest: this.d.id, resetsAt })
  }

  /**
   * Full (507, a quota, ENOSPC): no upload can succeed until someone frees space, so none is tried
   * (and none counts an attempt) until the next re-check; the view shows it as the destination's
   * problem meanwhile. The re-check is simply the next upload: one file, not a burst.
   */
  private parkWhileFull(err: CradleError): void {
    this.hold = { kind: 'full', untilMono: this.d.clock.monotonic() + this.d.tuning.fullRecheckMs }
    this.lastError = err
    this.d.log.warn('destination is full; uploads wait for the next re-check', { dest: this.d.id, recheckInMs: this.d.tuning.fullRecheckMs, detail: err.message })
  }

  /** The full destination's error while it is held for being full (null otherwise). */
  get fullError(): CradleError | null {
    return this.hold?.kind === 'full' && this.lastError?.code === 'destination-full' ? this.lastError : null
  }

  private stopWith(err: CradleError): void {
    const problem: StoredProblem = { code: err.code, detail: err.message, context: err.context, at: this.d.clock.now() }
    this.problem = problem
    this.lastError = err
    this.d.onProblem(problem)
    this.d.log.error('destination stopped; the user must act', { dest: this.d.id, code: err.code, detail: err.message })
    this.abortInflight()
  }

  private async *readFile(item: UploadItem, start: number, end: number, counted: (n: number) => void, signal: AbortSignal): AsyncGenerator<Buffer, void, undefined> {
    if (start >= end) return
    const limiter = this.d.limiter
    for await (const chunk of readChunks(path.join(this.d.libraryRoot, item.libraryPath), { start, end, signal })) {
      if (limiter && limiter.bytesPerSecond !== null) await limiter.take(chunk.length, signal)
      counted(chunk.length)
      yield chunk
    }
  }

  private openFile(item: UploadItem, start: number, end: number, counted: ((n: number) => void) | null, signal?: AbortSignal): Readable {
    if (start >= end) return Readable.from([])
    const file = fs.createReadStream(path.join(this.d.libraryRoot, item.libraryPath), { start, end: end - 1, highWaterMark: 256 * 1024 })
    if (!counted) return file
    const metered = new MeteredStream(this.d.limiter, counted, signal)
    return pipeline(file, metered, () => undefined)
  }

  private async process(row: ClaimedRow): Promise<void> {
    const { item } = row
    const { id } = this.d
    const ctl = new AbortController()
    this.inflight.set(item.assetId, ctl)
    let bytesSent = 0
    let timer: NodeJS.Timeout | undefined
    const stallMs = this.d.tuning.stallTimeoutMs
    const touch = (): void => {
      clearTimeout(timer)
      timer = setTimeout(() => ctl.abort(stallError(stallMs)), stallMs)
    }
    const counted = (n: number): void => {
      bytesSent += n
      this.speed.add(n)
      touch()
    }
    const log = this.d.log.child(String(item.assetId))
    const ctx: UploadContext = {
      signal: ctl.signal,
      open: (start = 0, end = item.size) => this.openFile(item, start, end, counted, ctl.signal),
      read: (start = 0, end = item.size) => this.readFile(item, start, end, counted, ctl.signal),
      openLocal: (start = 0, end = item.size) => this.openFile(item, start, end, null),
      session: row.session,
      saveSession: (state) => this.d.queue.saveSession(id, item.assetId, state),
      groupRef: (role) => this.d.queue.groupRef(id, item.groupId, role),
      touch,
      log,
    }
    touch()
    try {
      await this.checkLocalFile(item)
      await this.d.fillSha1?.(item, ctl.signal)
      const result = await this.d.destination.upload(item, ctx)
      this.d.queue.markDone(id, item.assetId, result.remoteRef, result.deduped, bytesSent, this.d.clock.now(), result.verified)
      this.d.batch?.outcome({ groupId: item.groupId, bytes: bytesSent, error: null })
      this.consecutiveFailures = 0
      if (this.hold?.kind === 'backoff') this.hold = null
      log.debug('uploaded', { dest: id, deduped: result.deduped, verified: result.verified, bytes: bytesSent })
      try {
        touch()
        // A destination that batches metadata requests gets them from the pass, many copies at once.
        if (this.d.destination.metadataBatch) this.metaDirty = true
        else await this.applyMetadata(item, result.remoteRef, ctl.signal, log)
      } catch (error) {
        // The file is safe there; albums and favorite follow with the next metadata pass.
        const err = toUploadError(error, ctl.signal)
        log.warn('metadata not applied after upload', { dest: id, code: err.code, detail: err.message })
        this.metaDirty = true
        this.metaRetryAt = this.d.clock.monotonic() + METADATA_RETRY_MS
      }
    } catch (error) {
      this.onFailure(row, toUploadError(error, ctl.signal))
    } finally {
      clearTimeout(timer)
      this.inflight.delete(item.assetId)
      this.d.onChange()
      // A finished upload may unblock others (a still waiting for its motion part).
      this.wake()
    }
  }

  /**
   * Applies the phone's metadata to one uploaded copy unless it is what was applied last time.
   * `applied` is the stored JSON when the caller has it already (the metadata pass).
   */
  private async applyMetadata(item: UploadItem, remoteRef: string, signal: AbortSignal, log: Logger, applied?: string | null): Promise<boolean> {
    const destination = this.d.destination
    if (!destination.applyMetadata) return false
    const meta = this.d.metadata.forAsset(item.assetId)
    if (!meta) return false
    const json = metadataJson(meta)
    const before = applied !== undefined ? applied : this.d.queue.appliedMetadata(this.d.id, item.assetId)
    if (before === json) return false
    await destination.applyMetadata(item, remoteRef, meta, {
      signal,
      previous: parseMetadataJson(before),
      sidecar: () => librarySidecarText(this.d.libraryRoot, item.libraryPath, meta),
      log,
    })
    this.d.queue.markMetadataApplied(this.d.id, item.assetId, remoteRef, json)
    return true
  }

  /**
   * Walks the uploaded copies and applies the phone's metadata where it changed (after a restart,
   * a re-read of the phone's database, copies found already there). Runs when no upload is due; a
   * failure ends the pass, which is tried again a minute later or at the next change.
   */
  private async metadataPass(): Promise<void> {
    this.metaRunning = true
    this.metaDirty = false
    let applied = 0
    const log = this.d.log.child('metadata')
    try {
      let after = 0
      for (;;) {
        // A page with nothing to apply never waits on the network: let sockets and timers run between pages.
        if (after > 0) await new Promise<void>((resolve) => setImmediate(resolve))
        const page = this.d.queue.doneForMetadata(this.d.id, after, METADATA_PAGE)
        if (page.length === 0) return
        // Copies applied side by side where the destination batches its requests (Google's album adds).
        const width = Math.max(1, this.d.destination.metadataBatch ?? 1)
        for (let i = 0; i < page.length; i += width) {
          const chunk = page.slice(i, i + width)
          after = chunk[chunk.length - 1]!.item.assetId
          if (!this.running || this.blockedReason()) {
            this.metaDirty = true
            return
          }
          const ctl = new AbortController()
          this.metaAbort = ctl
          const timer = setTimeout(() => ctl.abort(stallError(this.d.tuning.stallTimeoutMs)), this.d.tuning.stallTimeoutMs)
          let stop = false
          try {
            const results = await Promise.allSettled(chunk.map((r) => this.applyMetadata(r.item, r.remoteRef, ctl.signal, log, r.applied)))
            results.forEach((result, k) => {
              if (result.status === 'fulfilled') {
                if (result.value) applied++
                return
              }
              const err = toUploadError(result.reason, ctl.signal)
              log.warn('metadata not applied', { dest: this.d.id, assetId: chunk[k]!.item.assetId, code: err.code, detail: err.message })
              // One copy the service refuses does not hold up the others; anything else ends the pass.
              if (classify(err) !== 'item') stop = true
            })
          } finally {
            clearTimeout(timer)
            this.metaAbort = null
          }
          if (stop) {
            this.metaDirty = true
            this.metaRetryAt = this.d.clock.monotonic() + METADATA_RETRY_MS
            return
          }
        }
      }
    } finally {
      this.metaRunning = false
      if (applied > 0) log.info('metadata applied', { dest: this.d.id, count: applied })
      this.d.onChange()
      this.wake()
    }
  }

  private async withSha1(items: UploadItem[]): Promise<UploadItem[]> {
    const ready: UploadItem[] = []
    for (const item of items) {
      try {
        await this.d.fillSha1!(item)
        ready.push(item)
      } catch (error) {
        this.d.log.warn('SHA-1 of a library file not computed', { dest: this.d.id, assetId: item.assetId, detail: (error as Error).message })
      }
    }
    return ready
  }

  /** The library file must still be there and the size it was imported with. */
  private async checkLocalFile(item: UploadItem): Promise<void> {
    let size: number
    try {
      size = (await fs.promises.stat(path.join(this.d.libraryRoot, item.libraryPath))).size
    } catch (error) {
      throw new CradleError('library-missing', `library file missing: ${item.libraryPath}`, { cause: error, context: { path: item.libraryPath } })
    }
    if (size !== item.size) throw new CradleError('internal', `library file ${item.libraryPath} changed size since import (${item.size} → ${size})`, { context: { path: item.libraryPath } })
  }

  private onFailure(row: ClaimedRow, err: CradleError): void {
    const { id, queue, clock } = this.d
    const now = clock.now()
    const assetId = row.item.assetId
    const rowError = { code: err.code, detail: err.message.slice(0, 500) }
    const kind = classify(err)
    const retryAfterMs = typeof err.context.retryAfterMs === 'number' ? err.context.retryAfterMs : null
    switch (kind) {
      case 'aborted':
        queue.release(id, assetId, now)
        return
      case 'transient': {
        const attempts = row.attempts + 1
        if (attempts >= this.d.tuning.maxAttempts) {
          queue.markFailed(id, assetId, attempts, rowError, now)
          this.d.batch?.outcome({ groupId: row.item.groupId, bytes: 0, error: { code: err.code, context: err.context } })
          this.d.log.error('upload failed after retries', { dest: id, assetId, attempts, code: err.code })
        } else {
          const delay = backoffDelay(attempts, this.d.random, this.d.tuning.backoff, retryAfterMs)
          queue.markRetry(id, assetId, attempts, now + delay, rowError, now)
          this.d.log.warn('upload retry', { dest: id, assetId, attempt: attempts, delayMs: delay, code: err.code, detail: err.message })
        }
        this.backOff(err, retryAfterMs, false)
        return
      }
      case 'item':
        queue.markFailed(id, assetId, row.attempts + 1, rowError, now)
        this.d.batch?.outcome({ groupId: row.item.groupId, bytes: 0, error: { code: err.code, context: err.context } })
        this.consecutiveFailures = 0
        this.d.log.warn('upload failed', { dest: id, assetId, code: err.code, detail: err.message })
        return
      case 'unsupported':
        queue.markSkipped(id, assetId, rowError, now)
        this.consecutiveFailures = 0
        this.d.log.info('not sent: the destination does not take this file type', { dest: id, assetId, detail: err.message })
        return
      case 'quota':
        queue.release(id, assetId, now)
        this.parkForQuota(err)
        return
      case 'full':
        queue.release(id, assetId, now)
        this.parkWhileFull(err)
        return
      case 'destination':
        queue.release(id, assetId, now)
        this.stopWith(err)
        return
    }
  }
}
