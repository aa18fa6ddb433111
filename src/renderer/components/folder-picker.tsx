/**
 * Browse for a folder. In the app, the system's own folder dialog (chooseFolder); in a browser,
 * a small dialog of folders the engine lists (listFolders), which shows only folders the user may
 * use — the engine refuses anything else. It is drawn over the form it was opened from.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import { createPortal } from 'react-dom'
import type { FolderListing } from '../../shared/contract.js'
import { useActions, useAppStore } from '../store/store-context.js'
import { Dialog } from './dialog.js'

/**
 * The Browse button beside a path field: it fills the field with the folder chosen. Its name is
 * just "Browse…" (it sits right after the field it fills): a name repeating the field's label
 * would make the label name two controls.
 */
export function BrowseButton({ value, onChoose }: { value: string; onChoose: (path: string) => void }) {
  const desktop = useAppStore((s) => s.environment === 'desktop')
  const { chooseFolder } = useActions()
  const [picking, setPicking] = useState(false)
  const start = value.trim() === '' ? undefined : value.trim()
  async function browse(): Promise<void> {
    if (!desktop) return setPicking(true)
    const chosen = await chooseFolder(start)
    if (chosen !== null) onChoose(chosen)
  }
  return (
    <>
      <button type="button" className="browse" onClick={() => void browse()}>Browse…</button>
      {picking && createPortal(
        <FolderPickerDialog
          startAt={start}
          onCancel={() => setPicking(false)}
          onChoose={(path) => {
            setPicking(false)
            onChoose(path)
          }}
        />,
        document.body,
      )}
    </>
  )
}

export function FolderPickerDialog({ startAt, onChoose, onCancel }: { startAt: string | undefined; onChoose: (path: string) => void; onCancel: () => void }) {
  const { listFolders } = useActions()
  const [listing, setListing] = useState<FolderListing | null>(null)
  const [error, setError] = useState<string | null>(null)
  const box = useRef<HTMLDivElement>(null)
  const moved = useRef(false)

  const open = useCallback(async (path: string | undefined, fallBack: boolean): Promise<void> => {
    const result = await listFolders(path)
    if (result.ok) {
      setListing(result.listing)
      setError(null)
    } else if (fallBack && path !== undefined) {
      // The field's folder is not one the picker may show (or not there yet): start from the roots.
      await open(undefined, false)
    } else {
      setError(result.message)
    }
  }, [listFolders])

  useEffect(() => {
    void open(startAt, true)
  }, [open, startAt])

  // The folder button just pressed is gone with the old list: focus goes to the new list's first folder.
  useEffect(() => {
    if (!moved.current || listing === null) return
    moved.current = false
    const target = box.current?.querySelector<HTMLElement>('.picker-folder') ?? box.current?.querySelector<HTMLElement>('button.primary:not([disabled])')
    target?.focus()
  }, [listing])

  const go = (path: string | undefined): void => {
    moved.current = true
    void open(path, false)
  }

  const here = listing?.path ?? null
  return (
    <Dialog title="Choose a folder" onClose={onCancel} description="Folders on the computer running Cradle.">
      <div ref={box}>
      <p className="picker-path" data-testid="picker-path">{here ?? 'Places you may use'}</p>
      {error && <p className="error" role="alert">{error}</p>}
      {listing === null && !error && <p className="muted" aria-live="polite">Loading…</p>}
      {listing !== null && (
        <ul className="picker-list" aria-label={here === null ? 'Places' : `Folders in ${here}`}>
          {listing.folders.length === 0 && <li className="muted">No folders here.</li>}
          {listing.folders.map((f) => (
            <li key={f.path}>
              <button type="button" className="picker-folder" onClick={() => go(f.path)}>{f.name}</button>
            </li>
          ))}
          {listing.truncated && <li className="muted">Only the first {listing.folders.length} folders are shown; type the path for another.</li>}
        </ul>
      )}
      <div className="dialog-buttons">
        <button type="button" disabled={here === null} onClick={() => go(listing?.parent ?? undefined)}>Up</button>
        <button type="button" onClick={onCancel}>Cancel</button>
        <button type="button" className="primary" disabled={here === null} onClick={() => here !== null && onChoose(here)}>Choose</button>
      </div>
      </div>
    </Dialog>
  )
}
