/**
 * Messages above everything: the connection to Cradle, a refused access token, the last command's
 * refusal, and problems that belong to no card or row (usbmuxd missing, the library disk full).
 */
import { describeError } from '../../shared/error-text.js'
import type { ErrorCode } from '../../shared/errors.js'
import { useActions, useAppStore } from '../store/store-context.js'

/** Problems shown here; phone and destination problems are shown on their card or row. */
const GLOBAL: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'usbmuxd-missing', 'usbmuxd-not-running', 'disk-full', 'library-missing', 'library-permission',
  'catalog-corrupt', 'settings-invalid', 'internal',
])

export function Banners() {
  const connected = useAppStore((s) => s.connected)
  const hasSnapshot = useAppStore((s) => s.snapshot !== null)
  const accessDenied = useAppStore((s) => s.accessDenied)
  const problems = useAppStore((s) => s.snapshot?.problems)
  const notice = useAppStore((s) => s.notice)
  const { dismissNotice } = useActions()
  const global = (problems ?? []).filter((p) => GLOBAL.has(p.code))
  const denied = describeError('access-denied')
  return (
    <div className="banners">
      {accessDenied ? (
        <div className="banner tone-error" role="alert">
          <strong>{denied.title}.</strong> {denied.action}
        </div>
      ) : !connected && (
        <div className="banner tone-attention" role="status" data-testid="connection-banner">
          {hasSnapshot ? 'Lost the connection to Cradle. Reconnecting…' : 'Connecting to Cradle…'}
        </div>
      )}
      {global.map((p) => (
        <div key={`${p.code}-${p.message}`} className="banner tone-error" role="alert">
          <strong>{p.message}.</strong> {p.action}
        </div>
      ))}
      {notice && (
        <div key={notice.id} className={`banner tone-${notice.tone === 'error' ? 'error' : 'info'}`} role={notice.tone === 'error' ? 'alert' : 'status'} data-testid="notice">
          <span>{notice.text}</span>
          <button type="button" className="link" onClick={dismissNotice} aria-label="Dismiss message">Dismiss</button>
        </div>
      )}
    </div>
  )
}
