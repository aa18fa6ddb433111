/**
 * GET /api/events: one server-sent-events stream per window. Each client gets the current snapshot
 * on connect, then every published one; a comment line keeps proxies and the client's stall timer
 * awake. A slow client never makes the server buffer: while its socket is full only the newest
 * snapshot is kept for it (snapshots replace each other, so dropping older ones loses nothing).
 */
import type { ServerResponse } from 'node:http'
import type { CommandHandler } from '../../../shared/contract.js'
import type { AppState } from '../../../shared/state.js'

interface Client {
  res: ServerResponse
  /** The newest frame not yet written because the socket was full. */
  waiting: string | null
}

/** Formats one snapshot as an SSE frame (`event: state`, id = seq). */
export function stateFrame(state: AppState): string {
  return `event: state\nid: ${state.seq}\ndata: ${JSON.stringify(state)}\n\n`
}

export class SseHub {
  private readonly clients = new Set<Client>()
  private unsubscribe: (() => void) | null = null
  private heartbeat: ReturnType<typeof setInterval> | null = null

  constructor(private readonly handler: CommandHandler, private readonly heartbeatMs: number) {}

  get size(): number {
    return this.clients.size
  }

  /** Takes over the response for as long as the client stays. */
  attach(res: ServerResponse, extraHeaders: Record<string, string>): void {
    res.writeHead(200, {
      ...extraHeaders,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no', // nginx: do not buffer the stream
    })
    res.socket?.setNoDelay(true)
    const client: Client = { res, waiting: null }
    this.clients.add(client)
    res.on('drain', () => this.flush(client))
    res.on('close', () => this.detach(client))
    this.write(client, `retry: 1000\n\n${stateFrame(this.handler.current())}`)
    if (!this.unsubscribe) this.unsubscribe = this.handler.subscribe((state) => this.broadcast(state))
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => {
        for (const c of this.clients) if (c.waiting === null) this.write(c, ': keep-alive\n\n')
      }, this.heartbeatMs)
      this.heartbeat.unref()
    }
  }

  /** Ends every stream (server shutdown). */
  closeAll(): void {
    for (const client of [...this.clients]) {
      client.res.end()
      this.detach(client)
    }
  }

  private broadcast(state: AppState): void {
    if (this.clients.size === 0) return
    const frame = stateFrame(state) // serialised once for all clients
    for (const client of this.clients) {
      if (client.waiting !== null) client.waiting = frame
      else this.write(client, frame)
    }
  }

  private write(client: Client, frame: string): void {
    if (client.res.writableEnded || client.res.destroyed) return
    if (!client.res.write(frame)) client.waiting = ''
  }

  private flush(client: Client): void {
    const frame = client.waiting
    client.waiting = null
    if (frame) this.write(client, frame)
  }

  private detach(client: Client): void {
    if (!this.clients.delete(client)) return
    if (this.clients.size === 0) {
      this.unsubscribe?.()
      this.unsubscribe = null
      if (this.heartbeat) clearInterval(this.heartbeat)
      this.heartbeat = null
    }
  }
}
