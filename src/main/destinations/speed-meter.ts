/** Bytes per second over a sliding window, for the destination card's speed and time left. */
export class SpeedMeter {
  private samples: { t: number; bytes: number }[] = []

  constructor(private readonly now: () => number, private readonly windowMs = 5_000) {}

  add(bytes: number): void {
    const t = this.now()
    const last = this.samples[this.samples.length - 1]
    // One sample per 100 ms keeps the array short at gigabit speeds.
    if (last && t - last.t < 100) last.bytes += bytes
    else this.samples.push({ t, bytes })
    this.trim(t)
  }

  bytesPerSecond(): number {
    const t = this.now()
    this.trim(t)
    const first = this.samples[0]
    if (!first) return 0
    const total = this.samples.reduce((sum, s) => sum + s.bytes, 0)
    const span = Math.max(1_000, t - first.t)
    return Math.round((total * 1000) / span)
  }

  private trim(t: number): void {
    while (this.samples.length > 0 && t - this.samples[0]!.t > this.windowMs) this.samples.shift()
  }
}
