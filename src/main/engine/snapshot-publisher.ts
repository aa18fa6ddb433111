/**
 * Publishes state snapshots at most `maxPerSecond` times a second: the first change goes out at
 * once, changes during the quiet period are folded into one trailing publish. Listeners always
 * end up with the latest state.
 */
export class SnapshotPublisher<T> {
  private readonly listeners = new Set<(value: T) => void>()
  private lastPublishedAt = -Infinity
  private timer: NodeJS.Timeout | null = null
  private closed = false

  constructor(
    private readonly build: () => T,
    private readonly maxPerSecond = 10,
    private readonly now: () => number = Date.now,
  ) {}

  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Marks the state as changed; a publish follows within 1/maxPerSecond seconds. */
  changed(): void {
    if (this.closed || this.timer) return
    const interval = 1000 / this.maxPerSecond
    const wait = this.lastPublishedAt + interval - this.now()
    if (wait <= 0) {
      this.publish()
      return
    }
    this.timer = setTimeout(() => {
      this.timer = null
      this.publish()
    }, wait)
  }

  /** Publishes right now (e.g. on a command result), still counted against the rate. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = null
    }
    this.publish()
  }

  close(): void {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.listeners.clear()
  }

  private publish(): void {
    if (this.closed) return
    this.lastPublishedAt = this.now()
    const value = this.build()
    for (const listener of [...this.listeners]) {
      try {
        listener(value)
      } catch {
        // A broken listener (a closed SSE socket) must not stop the others.
      }
    }
  }
}
