import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { pkcePair } from '../../../src/main/destinations/google-photos/google-oauth.js'

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
