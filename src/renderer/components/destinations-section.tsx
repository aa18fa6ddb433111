/** Where the photos go: the library first, then each destination with its state and actions. */
import { useState } from 'react'
import { formatBytes, formatPhotos } from '../../shared/format.js'
import { placesLine, safetySentence, scrubLine } from '../../shared/safety-text.js'
import { spaceText } from '../../shared/space-text.js'
import type { DestinationView, LibraryView } from '../../shared/state.js'
import { KIND_LABELS, UPDATE_SECRET_LABEL } from '../forms/destination-form-model.js'
import { destinationStatus } from '../store/selectors.js'
import { useActions, useAppStore } from '../store/store-context.js'
import { isSecretRefused } from './add-destination-dialog.js'

export function DestinationsSection() {
  const ids = useAppStore((s) => (s.snapshot?.destinations ?? []).map((d) => d.id).join('\n'))
  const openDialog = useAppStore((s) => s.openDialog)
  return (
    <section className="panel" aria-labelledby="destinations-heading">
      <div className="panel-head">
        <h2 id="destinations-heading">Destinations</h2>
        <button type="button" onClick={() => openDialog({ kind: 'add-destination' })}>Add destination</button>
      </div>
      <SafetyTotal />
      <ul className="destinations">
        <LibraryRow />
        {ids !== '' && ids.split('\n').map((id) => <DestinationRow key={id} id={id} />)}
      </ul>
    </section>
  )
}

/** The ledger in total: "12,431 photos and videos · safe in 3 places · 2 in iCloud only" and where. */
function SafetyTotal() {
  const total = useAppStore((s) => s.snapshot?.safety.total)
  if (!total || total.items === 0) return null
  return (
    <div className="safety-total">
      <p data-testid="safety-total">{safetySentence(total)}</p>
      <p className="muted" data-testid="safety-places">{placesLine(total.places)}</p>
    </div>
  )
}

/** "15.2 GB used · 120 GB free" (free space is the disk's, as the library's folder sees it). */
function librarySpace(library: LibraryView): string {
  return `${formatBytes(library.bytes)} used · ${library.freeBytes === null ? 'free space not reported' : `${formatBytes(library.freeBytes)} free`}`
}

function LibraryRow() {
  const library = useAppStore((s) => s.snapshot?.library)
  // The ledger's count (photos and videos, undamaged), the same figure the header says.
  const safeThere = useAppStore((s) => s.snapshot?.safety.total.places.find((p) => p.id === 'library')?.safe ?? 0)
  const scrub = useAppStore((s) => s.snapshot?.scrub)
  const open = useAppStore((s) => s.openLibraryFolder)
  if (!library) return null
  return (
    <li className="destination">
      <div className="dest-main">
        <span className="dest-name">Library</span>
        <span className="muted dest-target">{library.path}</span>
      </div>
      <div className="dest-state">
        <span className={`dot tone-${library.available ? 'ok' : 'error'}`} aria-hidden="true" />
        {library.available ? `${formatPhotos(safeThere)} safe` : 'The library folder is not there'}
        {library.available && <span className="dest-detail muted" data-testid="library-space">{librarySpace(library)}</span>}
        {scrub && (
          <span className={`dest-detail ${scrub.damaged > 0 ? 'tone-text-error' : 'muted'}`} data-testid="scrub-line">
            {scrubLine(scrub)}
          </span>
        )}
        {scrub?.progress && (
          <progress className="scrub-progress" aria-label="Library check" value={scrub.progress.checked} max={Math.max(1, scrub.progress.total)} />
        )}
      </div>
      <div className="dest-actions">
        <button type="button" onClick={() => void open()}>Open folder</button>
      </div>
    </li>
  )
}

function needsSignInButton(d: DestinationView): boolean {
  return d.kind === 'google-photos' && (d.status === 'needs-sign-in' || d.problem?.code === 'destination-auth')
}

/** The Edit button names what to fix there: "Update key" when the key or password was refused. */
function editLabel(d: DestinationView): string {
  return (isSecretRefused(d) && UPDATE_SECRET_LABEL[d.kind]) || 'Edit'
}

/** Editing is the fix for a refused key and for wrong settings: the button stands out then. */
function editHighlighted(d: DestinationView): boolean {
  return isSecretRefused(d) || d.problem?.code === 'destination-config'
}

export function DestinationRow({ id }: { id: string }) {
  const dest = useAppStore((s) => s.snapshot?.destinations.find((d) => d.id === id))
  const testing = useAppStore((s) => Boolean(s.busy.testDestination))
  const { testDestination, retryFailed, signIn, openDialog } = useActions()
  const [test, setTest] = useState<{ ok: boolean; message: string } | null>(null)
  if (!dest) return null
  const status = destinationStatus(dest)
  const headingId = `dest-${dest.id}`
  return (
    <li className="destination" aria-labelledby={headingId} data-testid={`destination-${dest.id}`}>
      <div className="dest-main">
        <span className="dest-name" id={headingId}>{dest.name}</span>
        <span className="muted dest-target">{KIND_LABELS[dest.kind]} · {dest.target}</span>
      </div>
      <div className="dest-state">
        <span className={`dot tone-${status.tone}`} aria-hidden="true" />
        <span>{status.label}</span>
        {status.detail && <span className={`dest-detail tone-text-${status.tone}`} data-testid="destination-detail">{status.detail}</span>}
        {dest.space && (
          <span className={`dest-detail ${dest.space.low ? 'tone-text-attention' : 'muted'}`} data-testid="destination-space">{spaceText(dest.space)}</span>
        )}
        {test && <span className={test.ok ? 'muted' : 'tone-text-error'} role="status">{test.message}</span>}
      </div>
      <div className="dest-actions">
        {needsSignInButton(dest) && (
          <button type="button" className="primary" onClick={() => void signIn(dest.id)} aria-label={`Sign in to ${dest.name}`}>Sign in</button>
        )}
        {dest.counts.failed > 0 && (
          <button type="button" onClick={() => void retryFailed(dest.id)} aria-label={`Retry failed uploads to ${dest.name}`}>Retry failed</button>
        )}
        <button
          type="button"
          className={editHighlighted(dest) ? 'primary' : undefined}
          onClick={() => openDialog({ kind: 'edit-destination', id: dest.id })}
          aria-label={editLabel(dest) === 'Edit' ? `Edit ${dest.name}` : `${editLabel(dest)} for ${dest.name}`}
        >
          {editLabel(dest)}
        </button>
        <button type="button" disabled={testing} onClick={() => void testDestination({ id: dest.id }).then((r) => r && setTest(r))} aria-label={`Test ${dest.name}`}>Test</button>
        <button type="button" onClick={() => openDialog({ kind: 'remove-destination', id: dest.id })} aria-label={`Remove ${dest.name}`}>Remove</button>
      </div>
    </li>
  )
}
