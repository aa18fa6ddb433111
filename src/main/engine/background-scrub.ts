/**
 * The background scrub (tray app and `serve`): every library file is re-read against its checksum
 * once per `settings.scrubEveryDays`, a little at a time. A file falls due an interval after its
 * last check (an import counts as one), so the work spreads out by itself and a stopped pass goes
 * on where it stopped. It reads at most `bytesPerSecond` (default 8 MB/s: a disk barely notices),
 * only while this computer is on AC power (battery: it stops at once and waits), and never while
 * the library folder is missing (that is not a library of missing files).
 */
import { CradleError, toCradleError } from '../../shared/errors.js'
import type { Settings } from '../../shared/settings.js'
import type { ScrubView } from '../../shared/state.js'
import type { Library } from '../library/library.js'
import type { Logger } from '../logging/logger.js'
import type { Clock, PowerSource } from './ports.js'

const DAY_MS = 24 * 60 * 60 * 1000
/** How long to wait before looking again after the library was missing or a scrub failed. */
const RETRY_MS = 10 * 60 * 1000
/** A wait is capped so an unexpected change (a file imported without verified_at) is seen. */
const MAX_WAIT_MS = 6 * 60 * 60 * 1000
/** Pacing granularity: sleep once this many milliseconds' worth of bytes were read. */
const PACE_SLICE_MS = 250

export interface BackgroundScrubDeps {
  library: () => Library
  settings: () => Settings
  power: PowerSource
  clock: Clock
  log: Logger
  onChange: () => void
  bytesPerSecond?: number
}

export class BackgroundScrub {
  private readonly stopController = new AbortController()
  /** Aborted to wake the loop from a wait (settings or power changed). */
  private waitController = new AbortController()
  private runController: AbortController | null = null
  private loopDone: Promise<void> | null = null
  private unsubscribePower: (() => void) | null = null
  private view: ScrubView = { progress: null, last: null, waiting: null, nextAt: null, damaged: 0 }
  /** Resolves each time a pass ends (tests wait for it instead of sleeping). */
  private passListeners = new Set<() => void>()

  constructor(private readonly deps: BackgroundScrubDeps) {}

  start(): void {
    this.refreshView()
    this.unsubscribePower = this.deps.power.onChange(() => {
      if (this.deps.power.onAcPower() === false) this.runController?.abort(new CradleError('aborted', 'on battery'))
      this.wake()
    })
    this.loopDone = this.loop()
  }

  async stop(): Promise<void> {
    this.stopController.abort()
    this.runController?.abort(new CradleError('aborted', 'stopping'))
    this.wake()
    this.unsubscribePower?.()
    await this.loopDone
  }

  /** Settings changed (the interval): look again now. */
  wake(): void {
    this.waitController.abort()
  }

  /**
   * Files were added or changed. Only an empty library's schedule moves (no date → a date); any
   * other import is checked later than the oldest file, so the waiting loop stays as it is.
   */
  libraryChanged(): void {
    if (this.view.nextAt === null && this.view.progress === null && this.deps.settings().scrubEveryDays !== null) this.wake()
  }

  /** The library folder changed: stop a pass on the old one; the loop starts over on the new one. */
  interrupt(): void {
    this.runController?.abort(new CradleError('aborted', 'library changed'))
    this.wake()
  }

  current(): ScrubView {
    return this.view
  }

  /** Resolves when the next pass ends (complete or not). */
  nextPassEnd(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.passListeners.delete(done)
        resolve()
      }
      this.passListeners.add(done)
    })
  }

  private refreshView(): void {
    const lib = this.deps.library()
    const last = lib.lastScrub()
    this.view = {
      ...this.view,
      last: last ? { finishedAt: last.finishedAt, checked: last.checked, corrupt: last.corrupt, missing: last.missing } : null,
      damaged: lib.damagedCount(),
    }
  }

  private set(patch: Partial<ScrubView>): void {
    this.view = { ...this.view, ...patch }
    this.deps.onChange()
  }

  private async wait(ms: number): Promise<void> {
    if (this.stopController.signal.aborted) return
    this.waitController = new AbortController()
    await this.deps.clock.sleep(Math.max(0, Math.min(ms, MAX_WAIT_MS)), AbortSignal.any([this.waitController.signal, this.stopController.signal])).catch(() => undefined)
  }

  private async loop(): Promise<void> {
    while (!this.stopController.signal.aborted) {
      const days = this.deps.settings().scrubEveryDays
      if (days === null) {
        this.set({ nextAt: null, waiting: null })
        await this.wait(MAX_WAIT_MS)
        continue
      }
      const interval = days * DAY_MS
      const now = this.deps.clock.now()
      const due = this.deps.library().scrubDueAt(interval)
      if (due === null || due > now) {
        this.set({ nextAt: due ?? null, waiting: null })
        await this.wait(due === null ? MAX_WAIT_MS : due - now)
        continue
      }
      if (this.deps.power.onAcPower() === false) {
        this.set({ nextAt: due, waiting: 'power' })
        await this.wait(MAX_WAIT_MS)
        continue
      }
      await this.pass(now - interval)
    }
  }

  private async pass(verifiedBefore: number): Promise<void> {
    const library = this.deps.library()
    const run = new AbortController()
    this.runController = run
    this.set({ waiting: null, nextAt: null })
    let failed = false
    try {
      const summary = await library.scrub({
        verifiedBefore,
        signal: AbortSignal.any([run.signal, this.stopController.signal]),
        pace: this.pacer(run.signal),
        onProgress: (p) => this.set({ progress: p }),
        onFinding: (f) => this.deps.log.warn('library file damaged', { path: f.libraryPath, problem: f.problem, restoredFromCopy: f.healed }),
      })
      if (summary.checked > 0) library.recordScrub('background', summary)
      this.deps.log.info('background scrub', { checked: summary.checked, corrupt: summary.corrupt, missing: summary.missing, complete: summary.complete })
    } catch (error) {
      failed = true
      const e = toCradleError(error)
      this.deps.log.warn('background scrub stopped', { code: e.code })
      this.view = { ...this.view, waiting: e.code === 'library-missing' ? 'library' : null }
    } finally {
      this.runController = null
      this.refreshView()
      this.set({ progress: null })
      for (const listener of [...this.passListeners]) listener()
    }
    if (failed) await this.wait(RETRY_MS)
  }

  /** Sleeps after every slice of reading so the average stays at bytesPerSecond. */
  private pacer(signal: AbortSignal): (bytes: number) => Promise<void> {
    const rate = this.deps.bytesPerSecond ?? 8 * 1024 * 1024
    const slice = (rate * PACE_SLICE_MS) / 1000
    let owed = 0
    return async (bytes) => {
      owed += bytes
      if (owed < slice) return
      const ms = Math.round((owed / rate) * 1000)
      owed = 0
      await this.deps.clock.sleep(ms, signal)
    }
  }
}
