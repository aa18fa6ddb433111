/**
 * How long to wait before reconnecting: doubling from `baseMs` up to `maxMs`, with jitter so many
 * windows do not reconnect in step after a server restart.
 */
export interface BackoffOptions {
  baseMs: number
  maxMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 10_000 }

/** attempt 0 → about baseMs, then ×2 each time; the result lies in [half, full] of the step. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30))
  return Math.round(step / 2 + (step / 2) * random())
}
