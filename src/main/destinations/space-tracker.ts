/**
 * When each destination's space is measured, and where the result goes. Measured when its runner
 * starts, on "Test connection", and after uploads: when its queue has run dry (the end of a
 * batch) or every SPACE_EVERY_UPLOADS files of a long one, never per file. Kept in the catalog so
 * `cradle status` and the next start show the last figure; a failed measurement keeps the last one.
 */
import { measuredSpace } from '../../shared/space-text.js'
import type { DestinationSpace } from '../../shared/state.js'
import type { Clock } from '../engine/ports.js'
import type { Logger } from '../logging/logger.js'
import type { Destination } from './destination.js'
import type { DestinationStore } from './destination-store.js'

/** In a long batch, space is measured again after this many more files went up. */
export const SPACE_EVERY_UPLOADS = 200
const SPACE_TIMEOUT_MS = 30_000

export interface SpaceTrackerDeps {
  store: DestinationStore
  clock: Clock
  log: Logger
  /** Something a view shows changed. */
  onChange: () => void
}

export class SpaceTracker {
  /** Per destination: the done count when last measured. */
  private readonly doneAt = new Map<string, number>()
  private readonly running = new Map<string, Promise<DestinationSpace | null>>()
  private readonly stopping = new AbortController()

  constructor(private readonly deps: SpaceTrackerDeps) {}

  /** Measures now (a runner's start, "Test connection"); joins a measurement already under way. */
  refresh(id: string, destination: Destination, done?: number): Promise<DestinationSpace | null> {
    if (done !== undefined) this.doneAt.set(id, done)
    const under = this.running.get(id)
    if (under) return under
    const p = this.measure(id, destination).finally(() => this.running.delete(id))
    this.running.set(id, p)
    return p
  }

  /**
   * After the runner changed: measures when uploads finished since the last look and the batch is
   * over (or long). `counts` reads the queue (every row of the destination), so it is asked only
   * once nothing is in flight, not on each of the two changes every upload makes.
   */
  afterUploads(id: string, destination: Destination, inflight: number, counts: () => { done: number; waiting: number }): void {
    const last = this.doneAt.get(id)
    if (last === undefined || inflight > 0) return
    const { done, waiting } = counts()
    if (done === last) return
    if (waiting > 0 && done - last < SPACE_EVERY_UPLOADS) return
    void this.refresh(id, destination, done)
  }

  /** The destination was edited or removed: its next measurement starts afresh. */
  forget(id: string): void {
    this.doneAt.delete(id)
  }

  stop(): void {
    this.stopping.abort()
  }

  private async measure(id: string, destination: Destination): Promise<DestinationSpace | null> {
    try {
      const report = await destination.space(AbortSignal.any([AbortSignal.timeout(SPACE_TIMEOUT_MS), this.stopping.signal]))
      const space = measuredSpace(report, this.deps.clock.now())
      if (this.deps.store.get(id)) this.deps.store.setSpace(id, space)
      if (space.low) this.deps.log.warn('destination nearly full', { dest: id, freeBytes: space.freeBytes, totalBytes: space.totalBytes })
      this.deps.onChange()
      return space
    } catch (error) {
      // Unreachable now: the runner says so; the last figure stays, dated.
      this.deps.log.info('space not measured', { dest: id, error })
      return null
    }
  }
}
