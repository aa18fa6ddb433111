/**
 * mediaItems:batchCreate, serially and at most 50 items per call (Google: "upload bytes in
 * parallel, create media items serially per user"). Byte uploads hand in their tokens; a call
 * goes out when 50 are waiting or after a short quiet delay. Every item's status is checked:
 * one call can partly fail. Once a call is on the wire its items wait for the answer even if the
 * upload is aborted, so a created item is never forgotten and created twice.
 */
import { CradleError } from '../../../shared/errors.js'

export const MAX_BATCH = 50

export interface BatchEntry {
  token: string
  fileName: string
}

interface Waiting extends BatchEntry {
  resolve: (mediaItemId: string) => void
  reject: (error: unknown) => void
}

export interface CreateResult {
  uploadToken?: string
  status?: { code?: number; message?: string }
  mediaItem?: { id?: string }
}

/** Maps a per-item google.rpc status code (google/rpc/code.proto) to a CradleError. */
export function itemStatusError(status: { code?: number; message?: string } | undefined): CradleError {
  const code = status?.code ?? 2
  const detail = `batchCreate item: code ${code} ${status?.message ?? ''}`
  switch (code) {
    case 3: // INVALID_ARGUMENT: bad or used token, unsupported file
    case 6: // ALREADY_EXISTS
    case 9: // FAILED_PRECONDITION
      return new CradleError('destination-rejected', detail, { context: { rpcCode: code } })
    case 7:
      return new CradleError('destination-forbidden', detail)
    case 16:
      return new CradleError('destination-auth', detail)
    case 8:
      return new CradleError('destination-quota', detail)
    default: // 2 UNKNOWN, 4 DEADLINE_EXCEEDED, 10 ABORTED, 13 INTERNAL, 14 UNAVAILABLE
      return new CradleError('destination-unreachable', detail)
  }
}

export class BatchCreator {
  private waiting: Waiting[] = []
  private timer: NodeJS.Timeout | null = null
  private chain: Promise<void> = Promise.resolve()

  constructor(
    private readonly send: (entries: BatchEntry[]) => Promise<CreateResult[]>,
    private readonly delayMs: number,
  ) {}

  /** Resolves with the media item id once Google created it. */
  create(entry: BatchEntry, signal: AbortSignal): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const w: Waiting = { ...entry, resolve, reject }
      this.waiting.push(w)
      signal.addEventListener('abort', () => {
        // Only while not yet sent; after that the answer must be recorded.
        const i = this.waiting.indexOf(w)
        if (i >= 0) {
          this.waiting.splice(i, 1)
          reject(signal.reason)
        }
      }, { once: true })
      if (this.waiting.length >= MAX_BATCH) this.flushSoon(0)
      else this.flushSoon(this.delayMs)
    })
  }

  private flushSoon(ms: number): void {
    if (this.timer && ms > 0) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      this.chain = this.chain.then(() => this.flush())
    }, ms)
  }

  private async flush(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH)
      let results: CreateResult[]
      try {
        results = await this.send(batch.map(({ token, fileName }) => ({ token, fileName })))
      } catch (error) {
        // The whole call failed (5xx, 429, network): everything waiting goes back to the runner,
        // which retries after its backoff (and Retry-After) with the saved tokens.
        for (const w of [...batch, ...this.waiting.splice(0)]) w.reject(error)
        continue
      }
      const byToken = new Map(results.map((r) => [r.uploadToken, r]))
      for (const w of batch) {
        const r = byToken.get(w.token)
        const ok = r && (r.status?.code === undefined || r.status.code === 0) && r.mediaItem?.id
        if (ok) w.resolve(r.mediaItem!.id!)
        else w.reject(r ? itemStatusError(r.status) : new CradleError('destination-unreachable', 'batchCreate answered without this item'))
      }
    }
  }
}
