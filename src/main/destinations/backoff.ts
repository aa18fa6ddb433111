/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * delay = random(0, min(cap, base · 2^(attempt-1))). A Retry-After from the server is a floor.
 */
export interface BackoffPolicy {
  baseMs: number
  capMs: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 120_000 }

/** Delay before retry number `attempt` (1 = first retry). `random` returns [0, 1). */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF, retryAfterMs?: number | null): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)))
  const jittered = Math.floor(random() * exp)
  return Math.max(jittered, retryAfterMs ?? 0)
}
