/**
 * albums/{id}:batchAddMediaItems, batched: every Library API request counts against the daily
 * budget of 10,000, so media items joining the same album within a short delay go in one call of
 * at most 50 (Google's limit) instead of one call each. Google refuses a whole call when one id is
 * wrong ("partial success is not supported"), so a refused call of several is tried again one item
 * at a time, and only the item at fault fails.
 */

export const MAX_ALBUM_BATCH = 50

interface Waiting {
  mediaItemId: string
  resolve: () => void
  reject: (error: unknown) => void
}

export class AlbumAdder {
  private readonly waiting = new Map<string, Waiting[]>()
  private readonly timers = new Map<string, NodeJS.Timeout>()

  constructor(
    /** Sends one call; throws the CradleError for a refused or failed one. */
    private readonly send: (albumId: string, mediaItemIds: string[]) => Promise<void>,
    private readonly delayMs: number,
    /** True for an error about the request's content (then each item is tried alone). */
    private readonly refusedContent: (error: unknown) => boolean,
  ) {}

  /** Resolves once the item is in the album. */
  add(albumId: string, mediaItemId: string, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const w: Waiting = { mediaItemId, resolve, reject }
      const list = this.waiting.get(albumId) ?? []
      list.push(w)
      this.waiting.set(albumId, list)
      signal.addEventListener('abort', () => {
        // Only while not yet sent; a call on the wire is answered for every item in it.
        const l = this.waiting.get(albumId)
        const i = l ? l.indexOf(w) : -1
        if (i >= 0) {
          l!.splice(i, 1)
          reject(signal.reason)
        }
      }, { once: true })
      if (list.length >= MAX_ALBUM_BATCH) this.flush(albumId)
      else if (!this.timers.has(albumId)) this.timers.set(albumId, setTimeout(() => this.flush(albumId), this.delayMs))
    })
  }

  private flush(albumId: string): void {
    clearTimeout(this.timers.get(albumId))
    this.timers.delete(albumId)
    const list = this.waiting.get(albumId) ?? []
    this.waiting.delete(albumId)
    for (let i = 0; i < list.length; i += MAX_ALBUM_BATCH) void this.sendBatch(albumId, list.slice(i, i + MAX_ALBUM_BATCH))
  }

  private async sendBatch(albumId: string, batch: Waiting[]): Promise<void> {
    if (batch.length === 0) return
    try {
      await this.send(albumId, batch.map((w) => w.mediaItemId))
      for (const w of batch) w.resolve()
    } catch (error) {
      if (batch.length === 1 || !this.refusedContent(error)) {
        for (const w of batch) w.reject(error)
        return
      }
      for (const w of batch) {
        try {
          await this.send(albumId, [w.mediaItemId])
          w.resolve()
        } catch (e) {
          w.reject(e)
        }
      }
    }
  }
}
