import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../../../src/main/destinations/backoff.js'
import { classify, codeForStatus, parseRetryAfter, toUploadError } from '../../../src/main/destinations/upload-errors.js'
import { CradleError } from '../../../src/shared/errors.js'

describe('backoff with full jitter', () => {
  const policy = { baseMs: 1000, capMs: 60_000 }
  it('stays within 0 … base·2^(n-1), capped', () => {
    expect(backoffDelay(1, () => 0.999, policy)).toBe(999)
    expect(backoffDelay(3, () => 0.999, policy)).toBe(3996)
    expect(backoffDelay(20, () => 0.999, policy)).toBe(59_940)
    expect(backoffDelay(4, () => 0, policy)).toBe(0)
  })
  it('never waits less than Retry-After', () => {
    expect(backoffDelay(1, () => 0.1, policy, 30_000)).toBe(30_000)
    expect(backoffDelay(8, () => 0.9, policy, 1_000)).toBe(Math.floor(0.9 * 60_000))
  })
})

describe('Retry-After', () => {
  const now = Date.UTC(2026, 10, 25, 12, 0, 0)
  it('reads delta seconds', () => expect(parseRetryAfter('120', now)).toBe(120_000))
  it('reads an HTTP date', () => expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', now)).toBe(30_000))
  it('treats a date in the past as now', () => expect(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now)).toBe(0))
  it('ignores garbage and absence', () => {
    expect(parseRetryAfter('soon', now)).toBeNull()
    expect(parseRetryAfter(undefined, now)).toBeNull()
  })
})

describe('failure classes', () => {
  it('maps HTTP statuses as destinations.md §5 says', () => {
    expect(codeForStatus(401)).toBe('destination-auth')
    expect(codeForStatus(403)).toBe('destination-forbidden')
    expect(codeForStatus(413)).toBe('destination-too-large')
    expect(codeForStatus(429)).toBe('destination-unreachable')
    expect(codeForStatus(503)).toBe('destination-unreachable')
    expect(codeForStatus(408)).toBe('destination-unreachable')
    expect(codeForStatus(412)).toBe('destination-conflict')
    expect(codeForStatus(400)).toBe('destination-rejected')
  })
  it('stops the destination for account problems, fails the file for file problems', () => {
    expect(classify(new CradleError('destination-auth'))).toBe('destination')
    expect(classify(new CradleError('destination-too-large'))).toBe('item')
    expect(classify(new CradleError('destination-unreachable'))).toBe('transient')
    expect(classify(new CradleError('destination-conflict'))).toBe('item')
    expect(classify(new CradleError('destination-quota'))).toBe('quota')
  })
  it('treats socket resets anywhere in the cause chain as transient', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    const wrapped = new Error('fetch failed', { cause: reset })
    expect(toUploadError(wrapped).code).toBe('destination-unreachable')
  })
})
