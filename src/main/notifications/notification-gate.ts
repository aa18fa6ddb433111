/**
 * Keeps notifications "not more often than useful": one per subject (key) per cooldown, at most a
 * few per minute in all, and none while the window is in front (it already shows the same thing).
 * Both the shell's rules and the engine's own Notifier calls pass through the same gate.
 */
export interface GateOptions {
  /** At most this many notifications in any `burstWindowMs`. */
  burst?: number
  burstWindowMs?: number
}

export interface Gate {
  /** True when the notification should be shown now; records it when it is. */
  admit(key: string, cooldownMs: number, now: number, windowFocused: boolean): boolean
}

/** A gate with per-key cooldowns and a burst limit (default: 3 a minute). */
export function createNotificationGate(options: GateOptions = {}): Gate {
  const burst = options.burst ?? 3
  const burstWindowMs = options.burstWindowMs ?? 60_000
  const lastByKey = new Map<string, number>()
  let recent: number[] = []
  return {
    admit(key, cooldownMs, now, windowFocused) {
      if (windowFocused) return false
      const last = lastByKey.get(key)
      if (last !== undefined && now - last < cooldownMs) return false
      recent = recent.filter((t) => now - t < burstWindowMs)
      if (recent.length >= burst) return false
      recent.push(now)
      lastByKey.set(key, now)
      return true
    },
  }
}
