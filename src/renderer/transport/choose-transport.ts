/**
 * Picks the transport once at start-up: the preload bridge when the window runs inside the app,
 * otherwise HTTP to the page's own origin. A token handed over in the URL fragment
 * (`#token=…`, printed by `cradle serve`) is kept in localStorage and removed from the address bar.
 */
import { BRIDGE_KEY, type CradleBridge, type Transport } from '../../shared/contract.js'
import { HttpTransport } from './http-transport.js'
import { IpcTransport } from './ipc-transport.js'

export const TOKEN_STORAGE_KEY = 'cradle.token'

export type Environment = 'desktop' | 'browser'

export interface Chosen {
  transport: Transport
  environment: Environment
  /** Set in the browser: the window listens for a refused token on it. */
  http: HttpTransport | null
}

/** Reads `#token=…` (then clears it from the URL), else the stored token. */
export function takeToken(win: Pick<Window, 'location' | 'history' | 'localStorage'>): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(win.location.hash)
  if (match) {
    const token = decodeURIComponent(match[1]!)
    try {
      win.localStorage.setItem(TOKEN_STORAGE_KEY, token)
    } catch {
      // storage disabled: the token lives for this page only
    }
    win.history.replaceState(null, '', win.location.pathname + win.location.search)
    return token
  }
  try {
    return win.localStorage.getItem(TOKEN_STORAGE_KEY)
  } catch {
    return null
  }
}

export function chooseTransport(win: Window): Chosen {
  const bridge = (win as unknown as Record<string, unknown>)[BRIDGE_KEY] as CradleBridge | undefined
  if (bridge && typeof bridge.invoke === 'function' && typeof bridge.onState === 'function') {
    return { transport: new IpcTransport(bridge), environment: 'desktop', http: null }
  }
  const http = new HttpTransport({ token: takeToken(win) })
  return { transport: http, environment: 'browser', http }
}
