/**
 * Sends each notice to the configured channels (URL, e-mail) beside the log, in the background:
 * notify() returns at once, a failed delivery is logged and retried a few times with growing
 * pauses, and nothing it does can throw into the engine or stop `serve`.
 */
import type { Notifier } from '../engine/ports.js'
import type { Logger } from '../logging/logger.js'
import type { Notice } from './url-push.js'

export interface NoticeChannel {
  /** For the log: "url https://ntfy.sh" or "e-mail smtp.example.org:587" (never a secret). */
  name: string
  send(notice: Notice): Promise<void>
}

export interface DeliveryOptions {
  log: Logger
  /** The channels as configured now (settings may change while serve runs). */
  channels(): NoticeChannel[]
  /** Pauses before the 2nd, 3rd, … attempt (default 10 s, 1 min, 5 min). */
  retryDelaysMs?: number[]
}

export interface DeliveringNotifier extends Notifier {
  /** Resolves when every delivery started so far has ended (delivered or given up). */
  idle(): Promise<void>
  /** Cancels the pending retries (logged) and waits for the attempts under way. */
  close(): Promise<void>
}

const DEFAULT_RETRY_DELAYS_MS = [10_000, 60_000, 300_000]

export function deliveringNotifier(o: DeliveryOptions): DeliveringNotifier {
  const delays = o.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS
  const pending = new Set<Promise<void>>()
  const stopping = new AbortController()

  const pause = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (stopping.signal.aborted) return resolve(false)
      const timer = setTimeout(() => {
        stopping.signal.removeEventListener('abort', onAbort)
        resolve(true)
      }, ms)
      const onAbort = (): void => {
        clearTimeout(timer)
        resolve(false)
      }
      stopping.signal.addEventListener('abort', onAbort, { once: true })
    })

  const deliver = async (channel: NoticeChannel, notice: Notice): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await channel.send(notice)
        o.log.info('notification delivered', { channel: channel.name, title: notice.title, attempt })
        return
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        const delay = delays[attempt - 1]
        if (delay === undefined) {
          o.log.error('notification not delivered; giving up', { channel: channel.name, title: notice.title, attempts: attempt, error: message })
          return
        }
        o.log.warn('notification not delivered; will retry', { channel: channel.name, title: notice.title, attempt, retryInMs: delay, error: message })
        if (!(await pause(delay))) {
          o.log.warn('notification not delivered; Cradle is stopping, no more retries', { channel: channel.name, title: notice.title })
          return
        }
      }
    }
  }

  const track = (p: Promise<void>): void => {
    pending.add(p)
    void p.finally(() => pending.delete(p))
  }

  return {
    notify(notice) {
      o.log.info('notification', { title: notice.title, body: notice.body })
      if (stopping.signal.aborted) return
      let channels: NoticeChannel[]
      try {
        channels = o.channels()
      } catch (error) {
        o.log.error('notification channels unavailable', { error })
        return
      }
      // deliver() catches everything itself; the catch only guards against a logger that throws.
      for (const channel of channels) track(deliver(channel, notice).catch(() => undefined))
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending])
    },
    async close() {
      stopping.abort()
      await this.idle()
    },
  }
}
