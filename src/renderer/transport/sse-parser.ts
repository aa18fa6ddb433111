/**
 * An incremental parser for server-sent events (WHATWG HTML §9.2.6 "event stream interpretation"):
 * feed it text as it arrives, in any split, and take the complete events. Comment lines (heartbeats)
 * are dropped; CRLF, LF and CR all end a line.
 */

export interface SseEvent {
  event: string
  data: string
  id: string | null
}

export class SseParser {
  private buffer = ''
  private data: string[] = []
  private event = ''
  private id: string | null = null
  /** A CR ended the last chunk: a following LF belongs to it. */
  private pendingCr = false
  /** The last `retry:` value the server asked for, in ms. */
  retryMs: number | null = null

  feed(chunk: string): SseEvent[] {
    let text = chunk
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1)
    this.pendingCr = false
    this.buffer += text
    const out: SseEvent[] = []
    let start = 0
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i)
      if (c !== 10 && c !== 13) continue
      this.line(this.buffer.slice(start, i), out)
      if (c === 13) {
        if (i + 1 === this.buffer.length) this.pendingCr = true
        else if (this.buffer.charCodeAt(i + 1) === 10) i++
      }
      start = i + 1
    }
    this.buffer = this.buffer.slice(start)
    return out
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id })
      this.data = []
      this.event = ''
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') this.data.push(value)
    else if (field === 'event') this.event = value
    else if (field === 'id' && !value.includes('\0')) this.id = value
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value)
  }
}
