/** Add or edit a destination: pick the kind, fill its fields, test, save. Validated before anything is sent. */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { DESTINATION_KINDS } from '../../shared/destination-config.js'
import type { DestinationKind, DestinationView } from '../../shared/state.js'
import { draftFromForm, FIELDS, fieldMessage, initialValues, KIND_LABELS, SETUP_GUIDES, UPDATE_SECRET_LABEL, valuesFromView, type FormValues } from '../forms/destination-form-model.js'
import { useActions, useAppStore } from '../store/store-context.js'
import { Dialog } from './dialog.js'
import { Field } from './field.js'
import { BrowseButton } from './folder-picker.js'

export function AddDestinationDialog() {
  return <DestinationDialog editing={null} />
}

/** The same form filled in from the stored destination; secrets stay as they are unless retyped. */
export function EditDestinationDialog({ id }: { id: string }) {
  const current = useAppStore((s) => s.snapshot?.destinations.find((d) => d.id === id) ?? null)
  // Kept as it was when opened: the form keeps what the person types while snapshots arrive.
  const [editing] = useState(current)
  const { closeDialog } = useActions()
  useEffect(() => {
    if (!editing) closeDialog()
  }, [editing, closeDialog])
  return editing ? <DestinationDialog editing={editing} /> : null
}

const UNCHANGED = 'unchanged'

function DestinationDialog({ editing }: { editing: DestinationView | null }) {
  const { closeDialog, addDestination, updateDestination, testDestination, signIn } = useActions()
  const saving = useAppStore((s) => Boolean(s.busy.addDestination || s.busy.updateDestination))
  const testing = useAppStore((s) => Boolean(s.busy.testDestination))
  const [kind, setKind] = useState<DestinationKind>(editing?.kind ?? 'immich')
  const [values, setValues] = useState<FormValues>(() => (editing ? valuesFromView(editing) : initialValues('immich')))
  const [error, setError] = useState<{ key: string; message: string } | null>(null)
  const [test, setTest] = useState<{ ok: boolean; message: string } | null>(null)
  const formRef = useRef<HTMLFormElement>(null)
  const kindId = useId()

  function changeKind(next: DestinationKind): void {
    setKind(next)
    setValues(initialValues(next))
    setError(null)
    setTest(null)
  }

  /** Validates; on failure shows the message at the field and moves focus there. */
  function checked() {
    const draft = draftFromForm(kind, values, editing?.config)
    if (!draft.ok) {
      setError({ key: draft.key, message: fieldMessage(kind, draft.key, draft.message) })
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>(`[data-key="${draft.key}"]`)?.focus())
      return null
    }
    setError(null)
    return draft.value
  }

  async function onSubmit(e: FormEvent): Promise<void> {
    e.preventDefault()
    const draft = checked()
    if (!draft) return
    if (editing) {
      if (await updateDestination(editing.id, draft)) closeDialog()
      return
    }
    const added = await addDestination(draft)
    if (!added) return
    closeDialog()
    // Google Photos is useless until signed in: the consent page is the next step, so open it now.
    if (added.kind === 'google-photos') await signIn(added.id)
  }

  async function onTest(): Promise<void> {
    const draft = checked()
    if (!draft) return
    setTest(null)
    // An edit without a retyped secret is tested with the stored one.
    const result = await testDestination(editing ? { draft, id: editing.id } : { draft })
    if (result) setTest(result)
  }

  const set = (key: string) => (value: string | boolean) => setValues((v) => ({ ...v, [key]: value }))
  const errorFor = (key: string) => (error?.key === key ? error.message : null)
  const guide = SETUP_GUIDES[kind]
  return (
    <Dialog title={editing ? `Edit ${editing.name}` : 'Add a destination'} onClose={closeDialog}>
      <form ref={formRef} onSubmit={(e) => void onSubmit(e)} noValidate>
        <div className="field">
          <label htmlFor={kindId}>Kind</label>
          <select id={kindId} value={kind} onChange={(e) => changeKind(e.target.value as DestinationKind)} disabled={editing !== null} data-autofocus={editing ? undefined : true}>
            {DESTINATION_KINDS.map((k) => <option key={k} value={k}>{KIND_LABELS[k]}</option>)}
          </select>
        </div>
        {guide && (
          <section className="setup-guide" aria-label={`Setting up ${KIND_LABELS[kind]}`}>
            <p className="hint">{guide.title}</p>
            <ol className="hint">
              {guide.steps.map((step) => (
                <li key={step.text}>
                  {step.text}
                  {step.link && <> (<a href={step.link.href} target="_blank" rel="noreferrer">{step.link.label}</a>)</>}
                </li>
              ))}
            </ol>
          </section>
        )}
        <Field label="Name" value={values.name ?? ''} onValue={set('name')} error={errorFor('name')} data-key="name" autoComplete="off" data-autofocus={editing && !isSecretRefused(editing) ? true : undefined} />
        {FIELDS[kind].map((f) => {
          const keptSecret = editing !== null && f.key === 'secret'
          return (
            <Field
              key={`${kind}-${f.key}`}
              label={f.optional ? `${f.label} (optional)` : f.label}
              type={f.type}
              hint={keptSecret ? 'Leave it empty to keep the saved one.' : f.hint}
              placeholder={keptSecret ? UNCHANGED : f.placeholder}
              value={values[f.key] ?? ''}
              onValue={set(f.key)}
              error={errorFor(f.key)}
              data-key={f.key}
              data-autofocus={keptSecret && isSecretRefused(editing) ? true : undefined}
              autoComplete={f.type === 'password' ? 'new-password' : 'off'}
              {...(f.folder ? { addon: <BrowseButton value={String(values[f.key] ?? '')} onChoose={(p) => set(f.key)(p)} /> } : {})}
            />
          )
        })}
        {error && !FIELDS[kind].some((f) => f.key === error.key) && error.key !== 'name' && <p className="error" role="alert">{error.message}</p>}
        {test && <p className={test.ok ? 'ok-text' : 'error'} role="status" data-testid="test-result">{test.message}</p>}
        <div className="dialog-buttons">
          <button type="button" onClick={closeDialog}>Cancel</button>
          <button type="button" onClick={() => void onTest()} disabled={testing}>Test connection</button>
          <button type="submit" className="primary" disabled={saving}>Save</button>
        </div>
      </form>
    </Dialog>
  )
}

/** The stored key or password was refused: the form opens on that field. */
export function isSecretRefused(d: Pick<DestinationView, 'kind' | 'problem'>): boolean {
  return d.problem?.code === 'destination-auth' && UPDATE_SECRET_LABEL[d.kind] !== undefined
}

export function RemoveDestinationDialog({ id }: { id: string }) {
  const { closeDialog, removeDestination } = useActions()
  const name = useAppStore((s) => s.snapshot?.destinations.find((d) => d.id === id)?.name ?? 'this destination')
  return (
    <Dialog title={`Remove ${name}?`} onClose={closeDialog} description="Cradle stops uploading there. Nothing already uploaded is deleted, and nothing leaves your library.">
      <div className="dialog-buttons">
        <button type="button" onClick={closeDialog} data-autofocus>Cancel</button>
        <button type="button" className="danger" onClick={() => void removeDestination(id).then((ok) => ok && closeDialog())}>Remove</button>
      </div>
    </Dialog>
  )
}
