/**
 * A notice to an ntfy-style URL: `POST <url>` with the text as a UTF-8 body and `Title` and
 * `Tags` headers (ntfy's publish-as-body form; most webhook receivers take it as well). A title
 * that is not plain ASCII goes as an RFC 2047 encoded-word, which ntfy decodes.
 */
import { CradleError } from '../../shared/errors.js'
import { encodeHeaderText } from './email/mail-message.js'

export interface Notice {
  title: string
  body: string
  /** The rule's key (e.g. "finished:<udid>"); its first part becomes a tag. */
  tag?: string
}

const DEFAULT_TIMEOUT_MS = 30_000

/** "finished:00008…" → "cradle,finished"; ntfy shows the tags under the message. */
export function noticeTags(tag: string | undefined): string {
  const kind = tag?.split(':')[0]?.replace(/[^a-z0-9-]/gi, '')
  return kind ? `cradle,${kind}` : 'cradle'
}

/** The request, as data: what a test vector can pin down. */
export function urlPushRequest(notice: Notice, token?: string): { method: 'POST'; headers: Record<string, string>; body: string } {
  return {
    method: 'POST',
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      // Folded encoded-words are fine in mail, not in HTTP: one header line.
      Title: encodeHeaderText(notice.title).replace(/\r\n /g, ' '),
      Tags: noticeTags(notice.tag),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: notice.body,
  }
}

/** Resolves once the server answered 2xx; a redirect is a failure (it would turn the POST into a GET). */
export async function pushToUrl(url: string, notice: Notice, options: { token?: string; timeoutMs?: number } = {}): Promise<void> {
  const host = new URL(url).host
  const request = urlPushRequest(notice, options.token)
  let response: Response
  try {
    response = await fetch(url, { ...request, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) })
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } }
    if (e.name === 'TimeoutError') throw new CradleError('timeout', `${host} did not answer the notification in time`, { cause: error })
    throw new CradleError('destination-unreachable', `cannot reach ${host}: ${e.cause?.code ?? e.message}`, { cause: error })
  }
  await response.body?.cancel().catch(() => undefined)
  if (response.status >= 200 && response.status < 300) return
  if (response.status === 401 || response.status === 403) throw new CradleError('destination-auth', `${host} refused the notification (${response.status}): check the access token`)
  throw new CradleError('destination-rejected', `${host} refused the notification (${response.status} ${response.statusText})`.trim())
}
