/**
 * The OS services the engine needs, as small interfaces. Electron implementations live in
 * src/main/electron/ports/, plain-Node ones in src/main/headless/ports/, fakes in test/fakes/.
 * Each entry point wires them by hand.
 */

export interface Clock {
  /** Wall-clock time (epoch ms): for what is stored or shown. It can jump (NTP, the user, a dead RTC battery). */
  now(): number
  /**
   * Milliseconds from an arbitrary origin that only ever move forward: for waiting and for
   * "how long since". Retry and backoff deadlines use this, so setting the wall clock back a day
   * does not hold uploads for a day.
   */
  monotonic(): number
  /** Waits `ms` of real time (setTimeout runs on the monotonic clock). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** Whether this computer runs on AC power; `null` when the OS cannot tell (treated as AC). */
export interface PowerSource {
  onAcPower(): boolean | null
  onChange(callback: () => void): () => void
}

export interface Notifier {
  notify(notification: { title: string; body: string; tag?: string }): void
}

/** Destination secrets (passwords, API keys, OAuth refresh tokens), by opaque key. */
export interface SecretStore {
  get(key: string): Promise<string | undefined>
  set(key: string, value: string): Promise<void>
  delete(key: string): Promise<void>
  /** A warning to show when secrets are not really protected (Linux without a keyring). */
  readonly weakness?: string
}

/**
 * Opens a folder or URL with the OS (Electron shell); headless just reports it. Files and the
 * folder dialog need a desktop: headless refuses them with needs-desktop (the headless window
 * opens files through the server's link instead, http/file-links.ts).
 */
export interface Opener {
  openFolder(path: string): Promise<void>
  openUrl(url: string): Promise<void>
  /** Opens a library file (already resolved and confined) with its app, or shows it in its folder. */
  openFile(file: string, options: { reveal: boolean }): Promise<void>
  /** The system's folder dialog, starting at `startAt` when given; null when cancelled. */
  chooseFolder(startAt?: string): Promise<string | null>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'))
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      const onAbort = (): void => {
        clearTimeout(timer)
        reject(signal?.reason ?? new Error('aborted'))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
}
