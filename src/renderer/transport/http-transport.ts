/**
 * The headless transport: POST /api/commands/<name> with a JSON body for commands, and
 * GET /api/events read as a stream of server-sent events for snapshots. The stream is read with
 * fetch (not EventSource) so it can carry the bearer token and so reconnection (backoff, a stall
 * timer fed by the server's heartbeats) is ours to control.
 */
import { HTTP, type CommandName, type Input, type Result, type Transport } from '../../shared/contract.js'
import { toWireError } from '../../shared/error-text.js'
import type { AppState } from '../../shared/state.js'
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js'
import { CommandError, unwrapWire } from './command-error.js'
import { SseParser } from './sse-parser.js'

export interface HttpTransportOptions {
  /** Default: the page's own origin. */
  baseUrl?: string
  /** The access token, sent as `Authorization: Bearer` on every request. */
  token?: string | null
  /** No bytes for this long means a dead stream: reconnect (the server sends a comment every 15 s). */
  stallMs?: number
  /** A command without an answer for this long fails with "timeout" (default 30 s). */
  commandTimeoutMs?: number
  backoff?: BackoffOptions
}

export class HttpTransport implements Transport {
  private readonly base: string
  private readonly token: string | null
  private readonly stallMs: number
  private readonly commandTimeoutMs: number
  private readonly backoff: BackoffOptions
  private readonly stateListeners = new Set<(s: AppState) => void>()
  private readonly connectionListeners = new Set<(connected: boolean) => void>()
  private readonly deniedListeners = new Set<() => void>()
  private latest: AppState | null = null
  private connected = false
  private running = false
  private closed = false
  private abort: AbortController | null = null
  private wake: (() => void) | null = null

  constructor(options: HttpTransportOptions = {}) {
    this.base = options.baseUrl ?? globalThis.location.href
    this.token = options.token ?? null
    this.stallMs = options.stallMs ?? 45_000
    this.commandTimeoutMs = options.commandTimeoutMs ?? 30_000
    this.backoff = options.backoff ?? DEFAULT_BACKOFF
  }

  async invoke<K extends CommandName>(name: K, input: Input<K>): Promise<Result<K>> {
    let res: Response
    try {
      res = await fetch(new URL(HTTP.command(name), this.base), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...this.authHeader() },
        body: JSON.stringify(input ?? {}),
        cache: 'no-store',
        // A hung server must not leave a button busy (or the queue window waiting) for ever.
        signal: AbortSignal.timeout(this.commandTimeoutMs),
      })
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') throw new CommandError(toWireError('timeout'))
      throw error
    }
    let body: unknown = null
    try {
      body = await res.json()
    } catch {
      // not JSON (a proxy's error page): unwrapWire reports "internal"
    }
    try {
      return unwrapWire<Result<K>>(body)
    } catch (error) {
      if (error instanceof CommandError && error.code === 'access-denied') this.emitDenied()
      throw error
    }
  }

  /** The picture as a Blob, fetched with the Authorization header (the server sets no cookie for an <img>). */
  async thumbnail(itemId: string, signal: AbortSignal): Promise<Blob | null> {
    const res = await fetch(new URL(HTTP.thumbnail(itemId), this.base), { headers: this.authHeader(), signal })
    if (res.status === 404) return null
    if (res.status === 401 || res.status === 403) this.emitDenied()
    if (!res.ok) throw new Error(`thumbnail ${itemId}: HTTP ${res.status}`)
    return res.blob()
  }

  onState(callback: (state: AppState) => void): () => void {
    this.stateListeners.add(callback)
    if (this.latest) callback(this.latest)
    if (!this.running) void this.run()
    return () => {
      this.stateListeners.delete(callback)
    }
  }

  onConnection(callback: (connected: boolean) => void): () => void {
    this.connectionListeners.add(callback)
    callback(this.connected)
    return () => {
      this.connectionListeners.delete(callback)
    }
  }

  /** The server refused our token (or we have none): the window says how to get the access link. */
  onAccessDenied(callback: () => void): () => void {
    this.deniedListeners.add(callback)
    return () => {
      this.deniedListeners.delete(callback)
    }
  }

  /** Stops the stream for good (tests, page unload). */
  close(): void {
    this.closed = true
    this.abort?.abort()
    this.wake?.()
  }

  /** Skips the current backoff wait (e.g. the page became visible again). */
  reconnectNow(): void {
    this.wake?.()
  }

  private authHeader(): Record<string, string> {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {}
  }

  private async run(): Promise<void> {
    this.running = true
    let attempt = 0
    while (!this.closed) {
      const received = await this.stream()
      this.setConnected(false)
      if (this.closed) break
      if (received) attempt = 0
      await this.sleep(backoffDelay(attempt++, this.backoff))
    }
    this.running = false
  }

  /** One connection to /api/events until it ends; true when at least one snapshot arrived. */
  private async stream(): Promise<boolean> {
    const abort = new AbortController()
    this.abort = abort
    let stall: ReturnType<typeof setTimeout> | undefined
    const armStall = (): void => {
      clearTimeout(stall)
      stall = setTimeout(() => abort.abort(), this.stallMs)
    }
    let received = false
    try {
      armStall()
      const res = await fetch(new URL(HTTP.events, this.base), {
        headers: { Accept: 'text/event-stream', ...this.authHeader() },
        cache: 'no-store',
        signal: abort.signal,
      })
      if (res.status === 401 || res.status === 403) this.emitDenied()
      if (!res.ok || !res.body) return false
      const reader = res.body.getReader()
      const decoder = new TextDecoder()
      const parser = new SseParser()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        armStall()
        for (const event of parser.feed(decoder.decode(value, { stream: true }))) {
          if (event.event !== 'state') continue
          const state = JSON.parse(event.data) as AppState
          received = true
          this.latest = state
          this.setConnected(true)
          for (const listener of [...this.stateListeners]) listener(state)
        }
      }
    } catch {
      // network error, abort or stall: the caller waits and reconnects
    } finally {
      clearTimeout(stall)
      abort.abort()
    }
    return received
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.wake = done
    })
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return
    this.connected = connected
    for (const listener of [...this.connectionListeners]) listener(connected)
  }

  private emitDenied(): void {
    for (const listener of [...this.deniedListeners]) listener()
  }
}
