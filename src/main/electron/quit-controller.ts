/**
 * Quit really quits, and only after the engine stopped cleanly. Electron's `before-quit` is
 * cancelled the first time, the engine is stopped, then `quit()` runs again and goes through.
 * A second Quit while stopping does not stop twice. Closing the window is not quitting: until
 * Quit, the window only hides and the app stays in the tray.
 */
export type QuitPhase = 'running' | 'stopping' | 'stopped'

export interface QuitControllerOptions {
  stopEngine(): Promise<void>
  /** Electron's app.quit(): called again once the engine has stopped. */
  quit(): void
  /** A stop that hangs must not keep the app alive for ever; files are written atomically anyway. */
  timeoutMs?: number
  setTimer?(fn: () => void, ms: number): unknown
  onError?(error: unknown): void
}

export interface QuitController {
  readonly phase: QuitPhase
  /** Handler for app's `before-quit`. */
  onBeforeQuit(event: { preventDefault(): void }): void
  /** True once quitting started: window `close` may then really close. */
  isQuitting(): boolean
}

/** Runs the stop-then-quit sequence for Electron's `before-quit`. */
export function createQuitController(options: QuitControllerOptions): QuitController {
  const timeoutMs = options.timeoutMs ?? 30_000
  const setTimer = options.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms))
  let phase: QuitPhase = 'running'

  const finish = (): void => {
    if (phase !== 'stopping') return
    phase = 'stopped'
    options.quit()
  }

  return {
    get phase() {
      return phase
    },
    onBeforeQuit(event) {
      if (phase === 'stopped') return // the engine is down: let Electron quit
      event.preventDefault()
      if (phase === 'stopping') return // already on its way
      phase = 'stopping'
      setTimer(() => {
        if (phase === 'stopping') options.onError?.(new Error(`engine did not stop within ${timeoutMs} ms`))
        finish()
      }, timeoutMs)
      options.stopEngine().then(finish, (error: unknown) => {
        options.onError?.(error)
        finish()
      })
    },
    isQuitting: () => phase !== 'running',
  }
}
