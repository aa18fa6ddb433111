/**
 * Google Photos Library API daily request budget: 10,000 requests per project per day across all
 * Library API calls, every upload request and batchCreate included (destinations.md §2). Google
 * resets daily quotas at midnight Pacific time. Counted here before each request, persisted in
 * the catalog, refused (destination-quota, with resetsAt) once spent, reported in the view.
 */
import { CradleError } from '../../../shared/errors.js'

export const DEFAULT_DAILY_LIMIT = 10_000
const TZ = 'America/Los_Angeles'

// Made on first use: a formatter with a time zone loads the zone data, a start-up cost every
// command paid whether or not a Google Photos destination exists.
let formatter: Intl.DateTimeFormat | null = null
const pacific = (): Intl.DateTimeFormat => (formatter ??= new Intl.DateTimeFormat('en-US', {
  timeZone: TZ, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
}))

/** The Pacific calendar day of `ms` ('2026-11-25') and the instant that day ends. */
export function pacificDay(ms: number): { day: string; endsAt: number } {
  const parts = Object.fromEntries(pacific().formatToParts(new Date(ms)).map((p) => [p.type, p.value])) as Record<string, string>
  const y = Number(parts.year)
  const m = Number(parts.month)
  const d = Number(parts.day)
  const wall = Date.UTC(y, m - 1, d, Number(parts.hour), Number(parts.minute), Number(parts.second))
  const offset = wall - (ms - (ms % 1000))
  return { day: `${parts.year}-${parts.month}-${parts.day}`, endsAt: Date.UTC(y, m - 1, d + 1) - offset }
}

export interface QuotaState {
  day: string
  used: number
}

export class DailyQuota {
  private state: QuotaState

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
    private readonly store: { load(): Partial<QuotaState>; save(s: QuotaState): void },
  ) {
    const saved = store.load()
    this.state = { day: typeof saved.day === 'string' ? saved.day : '', used: typeof saved.used === 'number' ? saved.used : 0 }
  }

  private roll(): { endsAt: number } {
    const { day, endsAt } = pacificDay(this.now())
    if (day !== this.state.day) this.state = { day, used: 0 }
    return { endsAt }
  }

  /** Counts one request, or throws destination-quota when today's budget is spent. */
  take(): void {
    const { endsAt } = this.roll()
    if (this.state.used >= this.limit) throw this.exhausted(endsAt)
    this.state.used++
    this.store.save(this.state)
  }

  /** Google said the quota is spent (429 "per day"): believe it until the reset. */
  markExhausted(): CradleError {
    const { endsAt } = this.roll()
    this.state.used = Math.max(this.state.used, this.limit)
    this.store.save(this.state)
    return this.exhausted(endsAt)
  }

  private exhausted(endsAt: number): CradleError {
    return new CradleError('destination-quota', `daily request budget of ${this.limit} spent`, { context: { resetsAt: endsAt } })
  }

  view(): { used: number; limit: number; resetsAt: number } {
    const { endsAt } = this.roll()
    return { used: this.state.used, limit: this.limit, resetsAt: endsAt }
  }
}
