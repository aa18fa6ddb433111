/**
 * Desktop OAuth for Google Photos (destinations.md §2): authorization code with PKCE (S256) and a
 * loopback redirect on 127.0.0.1 at an ephemeral port, scope photoslibrary.appendonly,
 * access_type=offline + prompt=consent so a refresh token comes back. Access tokens are cached
 * and renewed from the refresh token; invalid_grant means "sign in again".
 * The client is the user's own "Desktop app" client: Google's token endpoint wants its secret even
 * with PKCE (400 invalid_request "client_secret is missing."), so the secret is required.
 * Plain fetch: google-auth-library 11 needs Node 22.
 */
import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { CradleError } from '../../../shared/errors.js'
import { toUploadError } from '../upload-errors.js'

export const APPENDONLY_SCOPE = 'https://www.googleapis.com/auth/photoslibrary.appendonly'

export interface OAuthEndpoints {
  authUrl: string
  tokenUrl: string
}

export interface OAuthClient {
  clientId: string
  clientSecret: () => Promise<string | undefined>
  refreshToken: { get(): Promise<string | undefined>; set(token: string): Promise<void> }
  /** When the user last consented: tells the weekly end of a Testing app's sign-in from a revocation. */
  signedInAt?: { get(): number | undefined; set(at: number): void }
  now: () => number
}

/**
 * An External app in Testing gets refresh tokens that die seven days after consent
 * (support.google.com/cloud/answer/15549945); Google answers invalid_grant, the same as for a
 * revoked one. An hour of slack covers a clock that is a little off.
 */
export const TESTING_SIGN_IN_LIFETIME_MS = 7 * 24 * 3600_000
const TESTING_SLACK_MS = 3600_000

interface TokenAnswer {
  access_token?: string
  expires_in?: number
  refresh_token?: string
  scope?: string
  error?: string
  error_description?: string
}

const base64url = (b: Buffer): string => b.toString('base64url')

/** PKCE pair (RFC 7636): a random verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = base64url(randomBytes(32))
  return { verifier, challenge: base64url(createHash('sha256').update(verifier).digest()) }
}

export class GoogleOAuth {
  private access: { token: string; expiresAt: number } | null = null
  /** One renewal shared by every worker that needs a token at the same time. */
  private renewing: Promise<string> | null = null

  constructor(private readonly client: OAuthClient, private readonly endpoints: OAuthEndpoints) {}

  private async postToken(form: Record<string, string>, signal?: AbortSignal): Promise<TokenAnswer> {
    const secret = await this.client.clientSecret()
    const body = new URLSearchParams({ ...form, client_id: this.client.clientId, ...(secret ? { client_secret: secret } : {}) })
    let res: Response
    try {
      res = await fetch(this.endpoints.tokenUrl, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, signal })
    } catch (error) {
      throw toUploadError(error, signal)
    }
    const answer = (await res.json().catch(() => ({}))) as TokenAnswer
    if (res.ok) return answer
    if (answer.error === 'invalid_grant') throw new CradleError('destination-auth', `token endpoint: invalid_grant (${answer.error_description ?? 'sign in again'})`)
    if (answer.error === 'invalid_request' && /client_secret/i.test(answer.error_description ?? '')) {
      throw new CradleError('destination-config', `token endpoint: invalid_request (${answer.error_description})`, { context: { googleClient: 'secret-missing' } })
    }
    if (answer.error === 'invalid_client' || answer.error === 'unauthorized_client') {
      throw new CradleError('destination-config', `token endpoint: ${answer.error} (${answer.error_description ?? ''})`, { context: { googleClient: 'rejected' } })
    }
    if (res.status >= 500 || res.status === 429) throw new CradleError('destination-unreachable', `token endpoint ${res.status}`)
    throw new CradleError('destination-auth', `token endpoint ${res.status}: ${answer.error ?? ''}`)
  }

  /** A valid access token, renewed from the refresh token when it is (nearly) expired. */
  async accessToken(signal?: AbortSignal, force = false): Promise<string> {
    if (!force && this.access && this.access.expiresAt - 60_000 > this.client.now()) return this.access.token
    if (!this.renewing) {
      this.renewing = this.renew(signal).finally(() => (this.renewing = null))
    }
    return this.renewing
  }

  private async renew(signal?: AbortSignal): Promise<string> {
    const refresh = await this.client.refreshToken.get()
    if (!refresh) throw new CradleError('destination-auth', 'not signed in to Google Photos')
    let answer: TokenAnswer
    try {
      answer = await this.postToken({ grant_type: 'refresh_token', refresh_token: refresh }, signal)
    } catch (error) {
      throw this.explainEndedSignIn(error)
    }
    if (!answer.access_token) throw new CradleError('destination-unreachable', 'token endpoint answered without an access token')
    if (answer.refresh_token && answer.refresh_token !== refresh) await this.client.refreshToken.set(answer.refresh_token)
    this.access = { token: answer.access_token, expiresAt: this.client.now() + (answer.expires_in ?? 3600) * 1000 }
    return this.access.token
  }

  /** invalid_grant on refresh: say whether it is the weekly end of a Testing app's sign-in. */
  private explainEndedSignIn(error: unknown): unknown {
    if (!(error instanceof CradleError) || error.code !== 'destination-auth' || !/invalid_grant/.test(error.message)) return error
    const at = this.client.signedInAt?.get()
    const age = at === undefined ? null : this.client.now() - at
    // Younger than a week: revoked (by the user, a password change, …); plain "sign in again".
    if (age !== null && age < TESTING_SIGN_IN_LIFETIME_MS - TESTING_SLACK_MS) return error
    const googleSignIn = age === null ? 'ended' : 'testing-expired'
    return new CradleError('destination-auth', `${error.message}; signed in ${age === null ? 'at an unknown time' : `${Math.round(age / 3600_000)} h ago`}`, { cause: error, context: { googleSignIn } })
  }

  /** Forgets the cached access token (after a 401). */
  invalidate(): void {
    this.access = null
  }

  /**
   * Starts a sign-in: returns the URL to open in the system browser; `completion` resolves once
   * the browser came back to the loopback address and the refresh token is stored.
   */
  async signIn(timeoutMs = 10 * 60_000): Promise<{ url: string; completion: Promise<void> }> {
    // Both are needed before Google is asked: without the secret the consent works and the code
    // exchange fails, which would leave the user at a browser tab that says nothing useful.
    if (!this.client.clientId) throw new CradleError('destination-config', 'Google Photos needs an OAuth client ID', { context: { googleClient: 'id-missing' } })
    if (!(await this.client.clientSecret())) throw new CradleError('destination-config', 'Google Photos needs the OAuth client secret', { context: { googleClient: 'secret-missing' } })
    const { verifier, challenge } = pkcePair()
    const state = base64url(randomBytes(16))
    const server = http.createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const port = (server.address() as AddressInfo).port
    const redirectUri = `http://127.0.0.1:${port}/`
    const url = new URL(this.endpoints.authUrl)
    for (const [k, v] of Object.entries({
      client_id: this.client.clientId, redirect_uri: redirectUri, response_type: 'code', scope: APPENDONLY_SCOPE,
      code_challenge: challenge, code_challenge_method: 'S256', access_type: 'offline', prompt: 'consent', state,
    })) url.searchParams.set(k, v)

    const completion = new Promise<void>((resolve, reject) => {
      const finish = (error?: unknown): void => {
        clearTimeout(timer)
        server.close()
        server.closeAllConnections?.()
        if (error) reject(error)
        else resolve()
      }
      const timer = setTimeout(() => finish(new CradleError('timeout', 'Google sign-in was not completed in time')), timeoutMs)
      timer.unref?.()
      server.on('request', (req, res) => {
        const q = new URL(req.url ?? '/', redirectUri).searchParams
        const page = (status: number, text: string): void => {
          res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
          res.end(`<!doctype html><meta charset="utf-8"><title>Cradle</title><p>${text}</p>`)
        }
        // Anything else hitting the port (favicon, a stray tab) is not the redirect.
        if (q.get('state') !== state) return page(400, 'This page is not part of a Cradle sign-in.')
        const error = q.get('error')
        if (error) {
          page(200, 'Sign-in was cancelled. You can close this tab.')
          return finish(new CradleError('destination-auth', `Google sign-in refused: ${error}`))
        }
        const code = q.get('code')
        if (!code) return page(400, 'The answer from Google had no code.')
        this.postToken({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri })
          .then(async (answer) => {
            if (!answer.refresh_token) throw new CradleError('destination-auth', 'Google returned no refresh token')
            if (answer.scope && !answer.scope.split(' ').includes(APPENDONLY_SCOPE)) throw new CradleError('destination-forbidden', 'upload permission was not granted')
            await this.client.refreshToken.set(answer.refresh_token)
            this.client.signedInAt?.set(this.client.now())
            if (answer.access_token) this.access = { token: answer.access_token, expiresAt: this.client.now() + (answer.expires_in ?? 3600) * 1000 }
            page(200, 'Cradle is signed in to Google Photos. You can close this tab.')
            finish()
          })
          .catch((err: unknown) => {
            page(200, 'Sign-in did not work. Go back to Cradle and try again.')
            finish(err)
          })
      })
    })
    return { url: url.toString(), completion }
  }
}
