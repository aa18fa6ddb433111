/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * delay = random(0, min(cap, base · 2^(attempt-1))). A Retry-After from the server is a floor.
 */
export interface BackoffPolicy {
  baseMs: number
  capMs: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 120_000 }

/**
 * The longest Retry-After honoured for one file (an hour): longer answers are servers misstating
 * a quota, which the quota hold handles. It also bounds how far ahead a stored retry can be, so a
 * retry time further ahead than this can only come from a wall clock that went back.
 */
export const MAX_RETRY_AFTER_MS = 3_600_000

/** How far ahead of now a stored retry may legitimately be under `policy`. */
export function retryHorizon(policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.max(policy.capMs, MAX_RETRY_AFTER_MS)
}

/** Delay before retry number `attempt` (1 = first retry). `random` returns [0, 1). */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF, retryAfterMs?: number | null): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)))
  const jittered = Math.floor(random() * exp)
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS))
}
