/** The window, top to bottom: header, messages, phones, destinations, queue, history; and dialogs. */
import { useEffect } from 'react'
import { AddDestinationDialog, EditDestinationDialog, RemoveDestinationDialog } from './components/add-destination-dialog.js'
import { Banners } from './components/banners.js'
import { DestinationsSection } from './components/destinations-section.js'
import { BackupAnywayDialog, DevicesSection, PauseAll } from './components/devices-section.js'
import { HistorySection } from './components/history-section.js'
import { QueueSection } from './components/queue-section.js'
import { SettingsDialog } from './components/settings-dialog.js'
import { statusLine } from './store/selectors.js'
import { useActions, useAppStore } from './store/store-context.js'

/**
 * Marks the page with the last snapshot it has drawn (`<html data-snapshot-seq>`), so a check that
 * something did NOT change can wait until the page has caught up with the engine instead of sleeping.
 */
function SnapshotMarker(): null {
  const seq = useAppStore((s) => s.snapshot?.seq)
  useEffect(() => {
    if (seq !== undefined) document.documentElement.dataset.snapshotSeq = String(seq)
  }, [seq])
  return null
}

function Header() {
  const line = useAppStore((s) => statusLine(s.snapshot, s.connected))
  const hasSnapshot = useAppStore((s) => s.snapshot !== null)
  const { openDialog } = useActions()
  return (
    <header className="app-header">
      <div>
        <h1>Cradle</h1>
        <p className="headline" data-testid="headline">{line}</p>
      </div>
      <div className="header-buttons">
        <PauseAll />
        <button type="button" onClick={() => openDialog({ kind: 'settings' })} disabled={!hasSnapshot}>Settings</button>
      </div>
    </header>
  )
}

function Dialogs() {
  const dialog = useAppStore((s) => s.dialog)
  if (!dialog) return null
  switch (dialog.kind) {
    case 'settings': return <SettingsDialog />
    case 'add-destination': return <AddDestinationDialog />
    case 'edit-destination': return <EditDestinationDialog id={dialog.id} />
    case 'backup-anyway': return <BackupAnywayDialog udid={dialog.udid} />
    case 'remove-destination': return <RemoveDestinationDialog id={dialog.id} />
  }
}

export function App() {
  return (
    <>
      <div className="app">
        <SnapshotMarker />
        <Header />
        <Banners />
        <main>
          <DevicesSection />
          <DestinationsSection />
          <QueueSection />
          <HistorySection />
        </main>
      </div>
      <Dialogs />
    </>
  )
}
