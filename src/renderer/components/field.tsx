/** A labelled input with its hint and its error, wired for screen readers (aria-invalid, -describedby). */
import { useId, type InputHTMLAttributes, type ReactNode } from 'react'

export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value' | 'checked'> {
  label: string
  hint?: string
  error?: string | null
  value: string | boolean
  onValue: (value: string | boolean) => void
  /** A control beside the input (a path field's Browse button). */
  addon?: ReactNode
}

export function Field({ label, hint, error, value, onValue, addon, type = 'text', ...rest }: FieldProps) {
  const id = useId()
  const hintId = `${id}-hint`
  const errorId = `${id}-error`
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined
  if (type === 'checkbox') {
    return (
      <div className="field check">
        <input id={id} type="checkbox" checked={value === true} onChange={(e) => onValue(e.target.checked)} aria-describedby={describedBy} aria-invalid={error ? true : undefined} {...rest} />
        <label htmlFor={id}>{label}</label>
        {hint && <p id={hintId} className="hint">{hint}</p>}
        {error && <p id={errorId} className="error">{error}</p>}
      </div>
    )
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {addon === undefined
        ? <input id={id} type={type} value={String(value)} onChange={(e) => onValue(e.target.value)} aria-describedby={describedBy} aria-invalid={error ? true : undefined} {...rest} />
        : (
          <div className="field-row">
            <input id={id} type={type} value={String(value)} onChange={(e) => onValue(e.target.value)} aria-describedby={describedBy} aria-invalid={error ? true : undefined} {...rest} />
            {addon}
          </div>
        )}
      {hint && <p id={hintId} className="hint">{hint}</p>}
      {error && <p id={errorId} className="error">{error}</p>}
    </div>
  )
}
