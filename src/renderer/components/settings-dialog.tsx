/** Settings: library folder and layout, when to import, when to upload, start at login. */
import { useState, type FormEvent } from 'react'
import { formFromSettings, patchFromForm, SETTING_LABELS, type SettingsForm } from '../forms/settings-form-model.js'
import { useActions, useAppStore } from '../store/store-context.js'
import { Dialog } from './dialog.js'
import { Field } from './field.js'
import { BrowseButton } from './folder-picker.js'

export function SettingsDialog() {
  const settings = useAppStore((s) => s.snapshot?.settings)
  const desktop = useAppStore((s) => s.environment === 'desktop')
  const saving = useAppStore((s) => Boolean(s.busy.updateSettings))
  const { closeDialog, updateSettings } = useActions()
  const [form, setForm] = useState<SettingsForm | null>(() => (settings ? formFromSettings(settings) : null))
  const [error, setError] = useState<{ key: string; message: string } | null>(null)
  if (!settings || !form) return null

  const set = <K extends keyof SettingsForm>(key: K) => (value: string | boolean) => setForm((f) => (f ? { ...f, [key]: value } : f))
  const errorFor = (key: string) => (error?.key === key ? error.message : null)

  async function onSubmit(e: FormEvent<HTMLFormElement>): Promise<void> {
    e.preventDefault()
    const element = e.currentTarget
    const patch = patchFromForm(form!, settings!)
    if (!patch.ok) {
      setError({ key: patch.key, message: `${SETTING_LABELS[patch.key] ?? patch.key} ${patch.message}` })
      element.querySelector<HTMLElement>(`[data-key="${patch.key}"]`)?.focus()
      return
    }
    if (Object.keys(patch.value).length > 0 && !(await updateSettings(patch.value))) return
    closeDialog()
  }
  return (
    <Dialog title="Settings" onClose={closeDialog}>
      <form onSubmit={(e) => void onSubmit(e)} noValidate>
        <fieldset>
          <legend>Library</legend>
          <Field label="Library folder" value={form.libraryPath} onValue={set('libraryPath')} error={errorFor('libraryPath')} data-key="libraryPath" data-autofocus hint="Where photos are kept, on the computer running Cradle."
            addon={<BrowseButton value={form.libraryPath} onChoose={(p) => set('libraryPath')(p)} />}
          />
          <Field label="Folder layout" value={form.layout} onValue={set('layout')} error={errorFor('layout')} data-key="layout" hint="By capture date: {YYYY}, {MM} and {DD}, e.g. {YYYY}/{YYYY}-{MM}." />
        </fieldset>
        <fieldset>
          <legend>Backing up from the iPhone</legend>
          <Field type="checkbox" label="Start when an iPhone is connected" value={form.autoRunOnConnect} onValue={set('autoRunOnConnect')} />
          <Field type="checkbox" label="Only while the iPhone is charging" value={form.importOnlyOnPower} onValue={set('importOnlyOnPower')} />
          <Field type="checkbox" label="Wait for a minimum battery level" value={form.batteryMinimumOn} onValue={set('batteryMinimumOn')} />
          {form.batteryMinimumOn && (
            <Field label="Battery minimum (%)" type="number" inputMode="numeric" min={1} max={100} value={form.minBatteryPercent} onValue={set('minBatteryPercent')} error={errorFor('minBatteryPercent')} data-key="minBatteryPercent" />
          )}
        </fieldset>
        <fieldset>
          <legend>Uploading</legend>
          <Field type="checkbox" label="Upload only when this computer is on AC power" value={form.uploadOnlyOnAcPower} onValue={set('uploadOnlyOnAcPower')} />
        </fieldset>
        {desktop && (
          <fieldset>
            <legend>This computer</legend>
            <Field type="checkbox" label="Start Cradle at login" value={form.startAtLogin} onValue={set('startAtLogin')} />
          </fieldset>
        )}
        {error && !['libraryPath', 'layout', 'minBatteryPercent'].includes(error.key) && <p className="error" role="alert">{error.message}</p>}
        <div className="dialog-buttons">
          <button type="button" onClick={closeDialog}>Cancel</button>
          <button type="submit" className="primary" disabled={saving}>Save</button>
        </div>
      </form>
    </Dialog>
  )
}
