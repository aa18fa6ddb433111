/**
 * How the virtual iPhone's lockdown TLS behaves (switches of `startSimulator`, `cradle sim` and
 * the `tls` control command). The defaults are kind: TLS 1.0–1.2, no client certificate asked
 * for, no close_notify from the phone, no dropped handshakes. The switches are as unkind as a
 * real phone on a bad cable can be.
 */
export interface SimTlsOptions {
  /** Close the tunnel mid-handshake (after the phone's first flight) for the next N TLS sessions. */
  dropHandshakes?: number
  /**
   * TLS 1.3 only, and the phone asks for the host's certificate and accepts it only if it is the
   * pair record's RootCertificate or signed by it (otherwise it hangs up right after the handshake).
   */
  tls13?: boolean
  /** After the StopSession reply the phone sends its own close_notify before plaintext resumes. */
  closeNotify?: boolean
}

export interface TlsCounters {
  /** Handshakes the phone completed. */
  completed: number
  /** Handshakes it dropped on purpose (dropHandshakes). */
  dropped: number
  /** Host certificates it refused (tls13: not from the pair record's root). */
  refused: number
}

export class TlsBehaviour {
  dropHandshakes = 0
  tls13 = false
  closeNotify = false
  readonly counters: TlsCounters = { completed: 0, dropped: 0, refused: 0 }

  constructor(options: SimTlsOptions = {}) {
    this.update(options)
  }

  /** Keys left out keep their value. */
  update(options: SimTlsOptions): void {
    if (options.dropHandshakes !== undefined) this.dropHandshakes = Math.max(0, Math.floor(options.dropHandshakes))
    if (options.tls13 !== undefined) this.tls13 = options.tls13
    if (options.closeNotify !== undefined) this.closeNotify = options.closeNotify
  }

  /** Called once per TLS session: true when this handshake is to be dropped (and counts it). */
  takeDrop(): boolean {
    if (this.dropHandshakes <= 0) return false
    this.dropHandshakes--
    this.counters.dropped++
    return true
  }

  status(): { dropHandshakes: number; tls13: boolean; closeNotify: boolean } & TlsCounters {
    return { dropHandshakes: this.dropHandshakes, tls13: this.tls13, closeNotify: this.closeNotify, ...this.counters }
  }
}
