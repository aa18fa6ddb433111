/** The top of the window: a card per phone (or how to start), and the controls for the run. */
import { useShallow } from 'zustand/react/shallow'
import { formatWhen } from '../../shared/format.js'
import { cardDevices, knownPhones, selectBackupAvailability, selectDevices } from '../store/selectors.js'
import { useActions, useAppStore } from '../store/store-context.js'
import { CONNECT_PROMPT, phoneBlocker } from '../words.js'
import { DeviceCard, instructionId } from './device-card.js'
import { Dialog } from './dialog.js'

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

/** "Back up now", with the reason when it cannot start anything (unless the phone's card says it). */
export function JobControls() {
  const { enabled, reason, onCard, heldBack } = useAppStore(useShallow(selectBackupAvailability))
  const busy = useAppStore((s) => Boolean(s.busy.backupNow || s.busy.pause || s.busy.resume))
  const backupNow = useAppStore((s) => s.backupNow)
  const openDialog = useAppStore((s) => s.openDialog)
  // The card shows its instruction once; the button points at it instead of repeating it.
  const describedBy = onCard ? instructionId(onCard) : reason ? 'backup-reason' : undefined
  return (
    <div className="job-controls">
      {reason && !onCard && <p id="backup-reason" className="reason" data-testid="backup-reason">{reason}</p>}
      <div className="buttons">
        <button
          type="button"
          className="primary"
          disabled={!enabled || busy}
          aria-describedby={describedBy}
          onClick={() => void (heldBack ? openDialog({ kind: 'backup-anyway', udid: heldBack }) : backupNow())}
        >
          Back up now
        </button>
      </div>
    </div>
  )
}

/** Pause all / Resume all: stops imports and uploads everywhere, so it sits in the header, not on a phone. */
export function PauseAll() {
  const paused = useAppStore((s) => s.snapshot?.paused ?? false)
  const hasSnapshot = useAppStore((s) => s.snapshot !== null)
  const busy = useAppStore((s) => Boolean(s.busy.pause || s.busy.resume))
  const pause = useAppStore((s) => s.pause)
  const resume = useAppStore((s) => s.resume)
  return (
    <button type="button" disabled={!hasSnapshot || busy} onClick={() => void (paused ? resume() : pause())}>
      {paused ? 'Resume all' : 'Pause all'}
    </button>
  )
}

/** "Back up anyway?" for a phone held back because it is not charging or its battery is low. */
export function BackupAnywayDialog({ udid }: { udid: string }) {
  const device = useAppStore((s) => s.snapshot?.devices.find((d) => d.udid === udid))
  const settings = useAppStore((s) => s.snapshot?.settings ?? null)
  const { closeDialog, backupNow } = useActions()
  const why = device ? phoneBlocker(device, settings) : null
  return (
    <Dialog
      title="Back up anyway?"
      onClose={closeDialog}
      description={`${why ?? 'The iPhone is held back'}. A backup now uses its battery; otherwise Cradle starts by itself once it charges.`}
    >
      <div className="dialog-buttons">
        <button type="button" onClick={closeDialog} data-autofocus>Cancel</button>
        <button type="button" className="primary" onClick={() => { closeDialog(); void backupNow(udid, true) }}>Back up anyway</button>
      </div>
    </Dialog>
  )
}
