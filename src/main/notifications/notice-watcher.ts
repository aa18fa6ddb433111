/**
 * The tray's notice rules without the tray: turns each change of the engine's state into notices
 * (notification-rules.ts) and lets through only what the gate admits, as the Electron shell does —
 * the same events, texts, keys and cooldowns. Headless there is no window in front to defer to.
 */
import type { Platform } from '../../shared/error-text.js'
import type { AppState } from '../../shared/state.js'
import type { Notifier } from '../engine/ports.js'
import { createNotificationGate, type Gate } from './notification-gate.js'
import { notificationsFor } from './notification-rules.js'

/** The cooldown for notices that come without a rule's own (the engine's Notifier calls), as in the shell. */
export const DIRECT_NOTICE_COOLDOWN_MS = 10 * 60_000

export interface NoticeSource {
  current(): AppState
  subscribe(listener: (state: AppState) => void): () => void
}

/** A notifier that passes the gate first (for the engine's own notify calls). */
export function gatedNotifier(gate: Gate, next: Notifier, now: () => number = Date.now): Notifier {
  return {
    notify: (n) => {
      if (gate.admit(n.tag ?? n.title, DIRECT_NOTICE_COOLDOWN_MS, now(), false)) next.notify(n)
    },
  }
}

/** Starts watching; returns the function that stops it (after a last look at the current state). */
export function watchNotices(source: NoticeSource, notifier: Notifier, o: { platform: Platform; gate?: Gate; now?: () => number }): () => void {
  const gate = o.gate ?? createNotificationGate()
  const now = o.now ?? Date.now
  let prev: AppState | null = null
  const onState = (state: AppState): void => {
    const before = prev
    prev = state
    for (const n of notificationsFor(before, state, o.platform)) {
      if (gate.admit(n.key, n.cooldownMs, now(), false)) notifier.notify({ title: n.title, body: n.body, tag: n.key })
    }
  }
  onState(source.current())
  const unsubscribe = source.subscribe(onState)
  return () => {
    unsubscribe()
    // Snapshots are throttled: the state that ended a `backup --once` may not have been published yet.
    onState(source.current())
  }
}
