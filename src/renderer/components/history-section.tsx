/** Recent backups with their counts; an error still to act on in red with what to do, a dealt-with one in grey. */
import { historyRow } from '../store/selectors.js'
import { useAppStore } from '../store/store-context.js'

export function HistorySection() {
  const history = useAppStore((s) => s.snapshot?.history)
  return (
    <section className="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      {!history || history.length === 0 ? (
        <p className="muted">No backups yet.</p>
      ) : (
        <ol className="history" data-testid="history">
          {history.map((h) => {
            const row = historyRow(h, history)
            return (
              <li key={h.id} className={row.tone === 'past' || row.tone === 'quiet' ? 'muted' : undefined} data-tone={row.tone}>
                <span>{row.text}</span>
                {row.error && (
                  <p className="error">
                    {row.error.message}
                    {row.error.action && <> — {row.error.action}</>}
                  </p>
                )}
              </li>
            )
          })}
        </ol>
      )}
    </section>
  )
}
