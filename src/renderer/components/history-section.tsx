/** Recent backups with their counts, and the ones that ended on an error with what to do. */
import { historyLine } from '../store/selectors.js'
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
          {history.map((h) => (
            <li key={h.id}>
              <span>{historyLine(h)}</span>
              {h.error && (
                <p className="error">
                  {h.error.message}
                  {h.error.action && <> — {h.error.action}</>}
                </p>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
