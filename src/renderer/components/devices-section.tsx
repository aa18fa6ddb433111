/** The top of the window: a card per phone (or how to start), and the controls for the run. */
import { useShallow } from 'zustand/react/shallow'
import { formatWhen } from '../../shared/format.js'
import { cardDevices, knownPhones, selectBackupAvailability, selectDevices } from '../store/selectors.js'
import { useAppStore } from '../store/store-context.js'
import { CONNECT_PROMPT } from '../words.js'
import { DeviceCard } from './device-card.js'

export function DevicesSection() {
  // A string of udids is stable between snapshots, so the list re-renders only when phones come or go.
  const cardIds = useAppStore((s) => cardDevices(selectDevices(s)).map((d) => d.udid).join('\n'))
  const hasSnapshot = useAppStore((s) => s.snapshot !== null)
  const ids = cardIds === '' ? [] : cardIds.split('\n')
  return (
    <section className="panel devices" aria-labelledby="devices-heading">
      <h2 id="devices-heading" className="visually-hidden">Phones</h2>
      {ids.length === 0 ? hasSnapshot && <EmptyState /> : ids.map((udid) => <DeviceCard key={udid} udid={udid} />)}
      <JobControls />
    </section>
  )
}

function EmptyState() {
  const known = useAppStore(useShallow((s) => knownPhones(selectDevices(s)).map((d) => `${d.name}\u0000${d.lastBackupAt ?? ''}`)))
  return (
    <div className="empty" data-testid="empty-state">
      <p className="lead">{CONNECT_PROMPT}</p>
      {known.length > 0 && (
        <ul className="known" aria-label="Known phones">
          {known.map((entry) => {
            const [name, at] = entry.split('\u0000') as [string, string]
            return <li key={entry}>{name}: {at ? `last backup ${formatWhen(Number(at))}` : 'not backed up yet'}</li>
          })}
        </ul>
      )}
    </div>
  )
}

/** Pause / Resume and "Back up now" (with the reason when it cannot start anything). */
export function JobControls() {
  const { enabled, reason } = useAppStore(useShallow(selectBackupAvailability))
  const paused = useAppStore((s) => s.snapshot?.paused ?? false)
  const hasSnapshot = useAppStore((s) => s.snapshot !== null)
  const busy = useAppStore((s) => Boolean(s.busy.backupNow || s.busy.pause || s.busy.resume))
  const backupNow = useAppStore((s) => s.backupNow)
  const pause = useAppStore((s) => s.pause)
  const resume = useAppStore((s) => s.resume)
  return (
    <div className="job-controls">
      {reason && <p id="backup-reason" className="reason" data-testid="backup-reason">{reason}</p>}
      <div className="buttons">
        <button type="button" disabled={!hasSnapshot || busy} onClick={() => void (paused ? resume() : pause())}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" className="primary" disabled={!enabled || busy} aria-describedby={reason ? 'backup-reason' : undefined} onClick={() => void backupNow()}>
          Back up now
        </button>
      </div>
    </div>
  )
}
