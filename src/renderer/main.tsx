/** Start-up: choose the transport once, make the store, connect them, render. */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.js'
import { connectStore, createAppStore } from './store/store.js'
import { StoreProvider } from './store/store-context.js'
import { chooseTransport } from './transport/choose-transport.js'
import './styles.css'

const chosen = chooseTransport(window)
const store = createAppStore({
  transport: chosen.transport,
  environment: chosen.environment,
  openUrl: (url) => void window.open(url, '_blank', 'noopener,noreferrer'),
})
connectStore(store, chosen)
chosen.http?.onAccessDenied(() => store.getState().setAccessDenied(true))
// Coming back to a hidden tab: do not wait out the backoff to reconnect.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') chosen.http?.reconnectNow()
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
)
