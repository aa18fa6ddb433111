/** role="progressbar" with aria values and a name: what screen readers and the E2E tests read. */
export function ProgressBar({ label, value, max, valueText }: { label: string; value: number; max: number; valueText: string }) {
  const fraction = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      aria-valuetext={valueText}
    >
      {/* scaleX is set through CSSOM, which a style-src 'self' CSP allows (unlike a style attribute in HTML). */}
      <div className="progress-fill" style={{ transform: `scaleX(${fraction})` }} />
    </div>
  )
}
