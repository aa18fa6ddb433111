/**
 * Who may talk to the headless server. Three checks, each against one attack:
 * - Host: a DNS-rebinding page (evil.example resolving to 127.0.0.1) sends its own name as Host.
 * - Origin / Sec-Fetch-Site: another site's page posting to us (CSRF) sends its own origin.
 * - Token: any other local process or user on the loopback, anyone on the network beyond it.
 * Pure functions over header values, so each rule is tested on its own.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'

/** 127.0.0.0/8, ::1 and "localhost": reachable only from this computer. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true
  return isIP(h) === 4 && h.startsWith('127.')
}

/** Splits a Host header ("name:port", "[v6]:port") into its lower-case name; null when malformed. */
export function hostName(hostHeader: string | undefined): string | null {
  if (!hostHeader) return null
  const value = hostHeader.trim().toLowerCase()
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value)
  return m ? m[1]! : null
}

export interface HostPolicy {
  /** The server listens on loopback only: only loopback names are valid. */
  loopbackOnly: boolean
  /** Extra names (this computer's own, e.g. "nas.local") accepted beyond loopback. */
  allowedHosts: readonly string[]
  /**
   * Names the user allowed (--allow-host): accepted on any binding, since a reverse proxy on this
   * computer forwards to the loopback under the public name.
   */
  proxyHosts?: readonly string[]
}

/**
 * Loopback binding: only localhost / 127.x / [::1] and the names the user allowed. Beyond loopback:
 * also any IP literal (nobody rebinds a literal) and this computer's names; other DNS names are refused.
 */
export function hostAllowed(hostHeader: string | undefined, policy: HostPolicy): boolean {
  const name = hostName(hostHeader)
  if (name === null) return false
  if (isLoopbackHost(name)) return true
  if (policy.proxyHosts?.some((h) => h.toLowerCase() === name)) return true
  if (policy.loopbackOnly) return false
  if (isIP(name.replace(/^\[|\]$/g, '')) !== 0) return true
  return policy.allowedHosts.some((h) => h.toLowerCase() === name)
}

/**
 * A browser request is accepted only from our own origin. No Origin header means a non-browser
 * client (curl, scripts) or a same-origin GET: allowed, since CSRF needs a browser. "null"
 * (sandboxed frames, file://) is refused.
 */
export function originAllowed(headers: { origin?: string; host?: string; 'sec-fetch-site'?: string }): boolean {
  const site = headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false
  const origin = headers.origin
  if (origin === undefined) return true
  if (!headers.host) return false
  let parsed: URL
  try {
    parsed = new URL(origin)
  } catch {
    return false
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false
  return parsed.host.toLowerCase() === headers.host.trim().toLowerCase()
}

/**
 * The token a request carries: `Authorization: Bearer …` only. Never a cookie: cookies ignore
 * ports, so one set here would also reach every other service on the same host (Immich on the
 * same NAS serves /api/ too), and a browser attaches it by itself (an ambient credential).
 */
export function requestToken(headers: { authorization?: string }): string | null {
  const auth = headers.authorization
  if (!auth) return null
  const m = /^Bearer\s+(\S+)$/i.exec(auth.trim())
  return m ? m[1]! : null
}

/** Fewer bits than this and a token can be guessed (NIST and OWASP ask 128 for session secrets). */
export const MIN_TOKEN_BITS = 128

/**
 * Why a token someone chose is unfit, or null when it is fine. Its strength is estimated from its
 * length and the alphabet it draws on (hex digits 16 symbols; otherwise letters of each case,
 * digits, and "-_" or any other printable), as if every character were random — an upper bound,
 * so anything refused here is certainly too weak. Printable ASCII without spaces only: the token
 * travels in a header (`Bearer <token>`) and in the link's fragment.
 */
export function tokenProblem(token: string): string | null {
  if (!/^[\x21-\x7e]+$/.test(token)) return 'may contain only printable ASCII characters, without spaces'
  let alphabet: number
  if (/^[0-9a-f]+$/.test(token) || /^[0-9A-F]+$/.test(token)) alphabet = 16
  else {
    alphabet = (/[a-z]/.test(token) ? 26 : 0) + (/[A-Z]/.test(token) ? 26 : 0) + (/[0-9]/.test(token) ? 10 : 0)
    if (/[^A-Za-z0-9]/.test(token)) alphabet += /[^A-Za-z0-9_-]/.test(token) ? 32 : 2
  }
  const bits = Math.floor(token.length * Math.log2(alphabet))
  if (bits < MIN_TOKEN_BITS || new Set(token).size < 8) {
    return `is too weak (at most ${bits} bits; at least ${MIN_TOKEN_BITS} are needed, e.g. 32 random hex digits: openssl rand -hex 16)`
  }
  return null
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string | null, expected: string): boolean {
  if (given === null) return false
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}
