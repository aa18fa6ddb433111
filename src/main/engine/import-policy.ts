/**
 * Whether a connected, trusted phone may be imported from now, by the user's policy:
 * only on external power (default on) and above a battery minimum (default off). Pure.
 */
import type { Settings } from '../../shared/settings.js'
import type { BatteryView } from '../../shared/state.js'

export type ImportGate = { allowed: true } | { allowed: false; phase: 'waiting-power' | 'waiting-battery'; reason: string }

export function importGate(settings: Pick<Settings, 'importOnlyOnPower' | 'minBatteryPercent'>, battery: BatteryView | null): ImportGate {
  // A phone that does not report its battery (old iOS, a restricted domain) is not held back.
  if (!battery) return { allowed: true }
  if (settings.importOnlyOnPower && !battery.externalPower) {
    return { allowed: false, phase: 'waiting-power', reason: "Waiting for power — this port isn't charging your iPhone." }
  }
  if (settings.minBatteryPercent !== null && battery.level < settings.minBatteryPercent) {
    return {
      allowed: false,
      phase: 'waiting-battery',
      reason: `Waiting for the battery to reach ${settings.minBatteryPercent} % (now ${battery.level} %).`,
    }
  }
  return { allowed: true }
}
