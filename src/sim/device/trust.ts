/**
 * What the phone's screen does when a computer asks to pair (protocol.md §2.4, §6):
 * locked → PasswordProtected; unlocked and unknown computer → the Trust dialog
 * (PairingDialogResponsePending while it shows), then success or UserDeniedPairing.
 * A denial sticks until the next plug-in, as on iOS.
 */
export type TrustMode = 'auto' | 'prompt' | 'deny' | 'locked'

export type PairDecision = 'ok' | 'PasswordProtected' | 'PairingDialogResponsePending' | 'UserDeniedPairing'

type Dialog = 'none' | 'showing' | 'accepted' | 'denied'

export class TrustState {
  /** What the dialog answers once unlocked: auto (no dialog), prompt (wait for the user), deny. */
  private answer: 'auto' | 'prompt' | 'deny'
  locked: boolean
  private dialog: Dialog = 'none'
  private timer: NodeJS.Timeout | undefined
  /** How often the Trust dialog came up (a second pairing shows a second one). */
  dialogsShown = 0
  /** Told synchronously when the user taps Trust: the phone posts request_pair to observers. */
  private readonly acceptListeners = new Set<() => void>()

  /**
   * `locked` is the same as prompt-after-unlock, as on a new phone: unlock, then the Trust dialog.
   * `delayMs` (prompt only): the dialog answers "Trust" by itself after this long.
   */
  constructor(
    mode: TrustMode,
    private readonly delayMs?: number,
  ) {
    this.locked = mode === 'locked'
    this.answer = mode === 'locked' ? 'prompt' : mode
  }

  get mode(): TrustMode {
    return this.locked ? 'locked' : this.answer
  }

  /** A Pair request from a computer the phone does not trust yet. */
  onPairRequest(): PairDecision {
    if (this.locked) return 'PasswordProtected'
    if (this.answer === 'auto') return 'ok'
    if (this.answer === 'deny' || this.dialog === 'denied') {
      this.dialog = 'denied'
      return 'UserDeniedPairing'
    }
    if (this.dialog === 'accepted') {
      this.dialog = 'none'
      return 'ok'
    }
    if (this.dialog === 'none') {
      this.dialog = 'showing'
      this.dialogsShown++
      if (this.delayMs !== undefined) {
        this.timer = setTimeout(() => {
          if (this.dialog === 'showing') this.accept()
        }, this.delayMs)
        this.timer.unref()
      }
    }
    return 'PairingDialogResponsePending'
  }

  /** The user taps Trust (also before the dialog shows: the next Pair then succeeds). */
  accept(): void {
    this.clearTimer()
    if (this.answer === 'deny') this.answer = 'prompt'
    this.dialog = 'accepted'
    for (const listener of [...this.acceptListeners]) listener()
  }

  /** Calls `listener` each time the user taps Trust; returns the unsubscribe function. */
  onAccept(listener: () => void): () => void {
    this.acceptListeners.add(listener)
    return () => this.acceptListeners.delete(listener)
  }

  /** The user taps Don't Trust. */
  deny(): void {
    this.clearTimer()
    this.dialog = 'denied'
  }

  get dialogShowing(): boolean {
    return this.dialog === 'showing'
  }

  /** Unplug: the dialog goes away and a denial is forgotten. */
  reset(): void {
    this.clearTimer()
    this.dialog = 'none'
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }
}
