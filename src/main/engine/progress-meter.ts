/**
 * Speed and time left for a transfer, smoothed so the numbers people read do not jump:
 * an exponentially weighted rate over samples at least `minIntervalMs` apart. Pure; time is passed in.
 */
export interface ProgressReading {
  bytesPerSecond: number
  /** null until there is enough history to say (first second or so). */
  secondsLeft: number | null
}

export class ProgressMeter {
  private lastAt: number | null = null
  private lastBytes = 0
  private rate = 0
  private samples = 0

  constructor(
    private readonly halfLifeMs = 3000,
    private readonly minIntervalMs = 200,
  ) {}

  /** Records that `bytesDone` bytes are done at time `now` (ms). */
  sample(bytesDone: number, now: number): void {
    if (this.lastAt === null) {
      this.lastAt = now
      this.lastBytes = bytesDone
      return
    }
    const dt = now - this.lastAt
    if (dt < this.minIntervalMs) return
    const instant = Math.max(0, ((bytesDone - this.lastBytes) * 1000) / dt)
    const alpha = 1 - Math.pow(0.5, dt / this.halfLifeMs)
    this.rate = this.samples === 0 ? instant : this.rate + alpha * (instant - this.rate)
    this.samples++
    this.lastAt = now
    this.lastBytes = bytesDone
  }

  read(bytesDone: number, bytesTotal: number): ProgressReading {
    const left = Math.max(0, bytesTotal - bytesDone)
    if (left === 0) return { bytesPerSecond: this.rate, secondsLeft: this.samples > 0 ? 0 : null }
    if (this.samples < 2 || this.rate <= 0) return { bytesPerSecond: this.rate, secondsLeft: null }
    return { bytesPerSecond: this.rate, secondsLeft: Math.round(left / this.rate) }
  }

  reset(): void {
    this.lastAt = null
    this.lastBytes = 0
    this.rate = 0
    this.samples = 0
  }
}
