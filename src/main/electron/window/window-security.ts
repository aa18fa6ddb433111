/**
 * The window's security decisions as data and pure functions (Electron security checklist):
 * isolated, sandboxed, no Node; no navigation away from the app, no new windows, and an external
 * browser only for a sign-in URL the engine itself just handed out, or a fixed page of a setup guide.
 */
import { isAppUrl } from './app-protocol.js'

/** webPreferences for the one window; `preload` is the bundled CommonJS bridge. */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  } as const
}

/** A page of ours may reload itself; every other navigation is refused. */
export function mayNavigate(url: string): boolean {
  return isAppUrl(url)
}

/**
 * Sign-in URLs the engine returned (signIn results). The renderer opens one with window.open; the
 * window-open handler lets exactly that URL out to the system browser, once, within a few minutes.
 */
export function createExternalLinkPolicy(ttlMs = 10 * 60_000, fixed: readonly string[] = []) {
  const allowed = new Map<string, number>()
  // Fixed pages (the Google Cloud console steps of the setup guide) may open any number of times.
  const always = new Set(fixed.filter((url) => url.startsWith('https://')))
  return {
    /** Remembers a URL the engine produced; only https is ever let out. */
    allow(url: string, now: number): void {
      try {
        if (new URL(url).protocol === 'https:') allowed.set(url, now + ttlMs)
      } catch {
        /* not a URL: never allowed */
      }
    },
    /** What to do with a window.open / target=_blank request. */
    decide(url: string, now: number): 'open-external' | 'deny' {
      if (always.has(url)) return 'open-external'
      const until = allowed.get(url)
      if (until === undefined) return 'deny'
      allowed.delete(url)
      return until >= now ? 'open-external' : 'deny'
    },
  }
}

export type ExternalLinkPolicy = ReturnType<typeof createExternalLinkPolicy>
