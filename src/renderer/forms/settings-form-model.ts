/**
 * The settings form as data: form values from Settings, and the patch of what changed, checked
 * with the shared validateSettingsPatch before it is sent. Pure, unit-tested.
 */
import { validateSettingsPatch, type Settings, type SettingsPatch, type Validation } from '../../shared/settings.js'

export interface SettingsForm {
  libraryPath: string
  layout: string
  autoRunOnConnect: boolean
  importOnlyOnPower: boolean
  batteryMinimumOn: boolean
  minBatteryPercent: string
  uploadOnlyOnAcPower: boolean
  startAtLogin: boolean
}

export function formFromSettings(s: Settings): SettingsForm {
  return {
    libraryPath: s.libraryPath,
    layout: s.layout,
    autoRunOnConnect: s.autoRunOnConnect,
    importOnlyOnPower: s.importOnlyOnPower,
    batteryMinimumOn: s.minBatteryPercent !== null,
    minBatteryPercent: String(s.minBatteryPercent ?? 30),
    uploadOnlyOnAcPower: s.uploadOnlyOnAcPower,
    startAtLogin: s.startAtLogin,
  }
}

/** Only the fields that changed, validated; a number field that is not a number fails by name. */
export function patchFromForm(form: SettingsForm, original: Settings): Validation<SettingsPatch> {
  const battery = form.batteryMinimumOn ? (/^\s*\d+\s*$/.test(form.minBatteryPercent) ? Number(form.minBatteryPercent) : Number.NaN) : null
  const next: SettingsPatch = {
    libraryPath: form.libraryPath.trim(),
    layout: form.layout.trim(),
    autoRunOnConnect: form.autoRunOnConnect,
    importOnlyOnPower: form.importOnlyOnPower,
    minBatteryPercent: battery,
    uploadOnlyOnAcPower: form.uploadOnlyOnAcPower,
    startAtLogin: form.startAtLogin,
  }
  const changed: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(next)) {
    if (!Object.is(value, original[key as keyof Settings])) changed[key] = value
  }
  return validateSettingsPatch(changed)
}

export const SETTING_LABELS: Record<string, string> = {
  libraryPath: 'Library folder',
  layout: 'Folder layout',
  minBatteryPercent: 'Battery minimum',
}
