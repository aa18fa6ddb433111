import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { GoogleOAuth, pkcePair, TESTING_SIGN_IN_LIFETIME_MS } from '../../../src/main/destinations/google-photos/google-oauth.js'
import { describeError } from '../../../src/shared/error-text.js'
import type { CradleError } from '../../../src/shared/errors.js'
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeGoogle } from '../../fakes/fake-google-photos-server.js'

describe('PKCE', () => {
  it('matches the RFC 7636 appendix B vector for S256', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  })
  it('makes a 43-character verifier and its S256 challenge', () => {
    const { verifier, challenge } = pkcePair()
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(challenge).toBe(createHash('sha256').update(verifier).digest('base64url'))
  })
})

describe('an ended sign-in (invalid_grant on refresh)', () => {
  const refreshWith = async (signedInAt: number | undefined, now: number): Promise<CradleError> => {
    const google = await startFakeGoogle()
    try {
      const oauth = new GoogleOAuth({
        clientId: FAKE_CLIENT_ID,
        clientSecret: async () => FAKE_CLIENT_SECRET,
        refreshToken: { get: async () => '1//unknown-to-google', set: async () => undefined },
        signedInAt: { get: () => signedInAt, set: () => undefined },
        now: () => now,
      }, { authUrl: `${google.url}/auth`, tokenUrl: `${google.url}/token` })
      return await oauth.accessToken().then(() => { throw new Error('refresh worked') }, (e: unknown) => e as CradleError)
    } finally {
      await google.close()
    }
  }
  const week = TESTING_SIGN_IN_LIFETIME_MS

  it('within the week is a revocation: plain "sign in again"', async () => {
    const error = await refreshWith(1_000_000, 1_000_000 + week / 2)
    expect(error).toMatchObject({ code: 'destination-auth' })
    expect(error.context.googleSignIn).toBeUndefined()
    expect(describeError(error.code, error.context).action).toBe('Sign in again.')
  })

  it('a week after consent is the Testing app\'s expiry; with no known sign-in time both causes are named', async () => {
    expect((await refreshWith(1_000_000, 1_000_000 + week)).context.googleSignIn).toBe('testing-expired')
    const unknown = await refreshWith(undefined, 1_000_000)
    expect(unknown.context.googleSignIn).toBe('ended')
    expect(describeError(unknown.code, { ...unknown.context, destinationName: 'Google' }).action).toContain('every 7 days, your OAuth app is still in Testing')
  })
})
