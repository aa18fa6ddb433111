/**
 * Paces a refresh whose cost grows with the catalog: a phone's counts with its Photos-library
 * report, the safety ledger. Each reads every row of a big phone (0.2–0.5 s for 50,000 items on a
 * small machine, seconds on a busy one). Refreshed at a fixed rate during an import, they kept
 * `cradle serve`'s event loop busy nearly all the time, and the window waited 10–25 s for any
 * answer (bench/README.md, "ui"). A refresh is due once `minIntervalMs` has passed and, in
 * addition, `1 / share` times what the last one cost: such work never takes more than `share` of
 * the time, however big the phone, and a small phone still refreshes every `minIntervalMs`.
 */
export interface RefreshPacerOptions {
  minIntervalMs: number
  /** The most of the time the refresh may take (0.1: a refresh costing 0.5 s runs every 5 s at most). */
  share: number
  /** The clock the interval is counted on (the engine's). */
  now: () => number
  /** What a refresh costs is measured on this clock (real time; injectable for tests). */
  elapsed?: () => number
}

export class RefreshPacer {
  private lastAt = -Infinity
  private lastCostMs = 0
  private readonly elapsed: () => number

  constructor(private readonly o: RefreshPacerOptions) {
    this.elapsed = o.elapsed ?? (() => performance.now())
  }

  /** Milliseconds until a refresh is due (0: now). */
  wait(): number {
    const interval = Math.max(this.o.minIntervalMs, this.lastCostMs / this.o.share)
    return Math.max(0, this.lastAt + interval - this.o.now())
  }

  due(): boolean {
    return this.wait() === 0
  }

  /** Runs the refresh, remembering when and what it cost. */
  run<T>(refresh: () => T): T {
    const start = this.elapsed()
    try {
      return refresh()
    } finally {
      this.lastCostMs = this.elapsed() - start
      this.lastAt = this.o.now()
    }
  }

  /** The next refresh is due at once (e.g. the data it shows changed in kind, not only in number). */
  reset(): void {
    this.lastAt = -Infinity
  }
}

/**
 * The pacing of every whole-catalog refresh the window shows side by side (the card's counts, the
 * safety ledger): one floor and one share, so on a small phone they follow the import together and
 * agree, and on a big one each takes at most a tenth of the time.
 */
export function catalogRefreshPacer(now: () => number): RefreshPacer {
  return new RefreshPacer({ minIntervalMs: 100, share: 0.1, now })
}
