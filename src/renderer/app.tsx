/** The window, top to bottom: header, messages, phones, destinations, queue, history; and dialogs. */
import { AddDestinationDialog, RemoveDestinationDialog } from './components/add-destination-dialog.js'
import { Banners } from './components/banners.js'
import { DestinationsSection } from './components/destinations-section.js'
import { DevicesSection } from './components/devices-section.js'
import { HistorySection } from './components/history-section.js'
import { QueueSection } from './components/queue-section.js'
import { SettingsDialog } from './components/settings-dialog.js'
import { statusLine } from './store/selectors.js'
import { useActions, useAppStore } from './store/store-context.js'

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
      <button type="button" onClick={() => openDialog({ kind: 'settings' })} disabled={!hasSnapshot}>Settings</button>
    </header>
  )
}

function Dialogs() {
  const dialog = useAppStore((s) => s.dialog)
  if (!dialog) return null
  switch (dialog.kind) {
    case 'settings': return <SettingsDialog />
    case 'add-destination': return <AddDestinationDialog />
    case 'remove-destination': return <RemoveDestinationDialog id={dialog.id} />
  }
}

export function App() {
  return (
    <>
      <div className="app">
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
