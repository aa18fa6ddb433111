/**
 * Links that open one library file in a new browser tab. A tab opened by the window cannot send
 * the Authorization header, and the token must never sit in an address (history, logs), so the
 * link carries a signature instead: HMAC-SHA256 over the item id and an expiry, keyed by a key
 * derived from the access token. Only a holder of the token can get one (openItem is itself
 * token-checked), one link opens one item, and it stops working after LINK_LIFETIME_MS.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { HTTP } from '../../../shared/contract.js'

/** Long enough to watch a video (it is fetched again when played or sought), short enough to age out of a history. */
export const LINK_LIFETIME_MS = 10 * 60_000

export interface FileLinks {
  /** The path and query of a link to the item's file, valid from `now` for LINK_LIFETIME_MS. */
  url(itemId: string): string
  /** Whether a request's query signs for this item and has not expired. */
  allows(itemId: string, query: URLSearchParams): boolean
}

export function createFileLinks(token: string, now: () => number = Date.now): FileLinks {
  const key = createHmac('sha256', token).update('cradle file links v1').digest()
  const sign = (itemId: string, expires: number): Buffer => createHmac('sha256', key).update(`${itemId}\n${expires}`).digest()
  return {
    url(itemId) {
      const expires = now() + LINK_LIFETIME_MS
      return `${HTTP.file(itemId)}?expires=${expires}&sig=${sign(itemId, expires).toString('base64url')}`
    },
    allows(itemId, query) {
      const expires = Number(query.get('expires'))
      const sig = query.get('sig')
      if (!Number.isSafeInteger(expires) || sig === null || expires < now()) return false
      const given = Buffer.from(sig, 'base64url')
      const expected = sign(itemId, expires)
      return given.length === expected.length && timingSafeEqual(given, expected)
    },
  }
}
