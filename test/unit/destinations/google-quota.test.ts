import { describe, expect, it } from 'vitest'
import { DailyQuota, pacificDay } from '../../../src/main/destinations/google-photos/google-quota.js'
import { isCradleError } from '../../../src/shared/errors.js'

describe('Google daily quota', () => {
  it('knows the Pacific day and when it ends (PST, UTC-8)', () => {
    const t = Date.UTC(2026, 10, 25, 7, 59, 0) // 23:59 on the 24th in Los Angeles
    expect(pacificDay(t)).toEqual({ day: '2026-11-24', endsAt: Date.UTC(2026, 10, 25, 8, 0, 0) })
  })
  it('knows daylight saving time (PDT, UTC-7)', () => {
    expect(pacificDay(Date.UTC(2026, 6, 1, 12)).endsAt).toBe(Date.UTC(2026, 6, 2, 7))
  })
  it('counts, refuses when spent, and resets the next Pacific day', () => {
    let now = Date.UTC(2026, 10, 25, 12)
    let saved: unknown = {}
    const q = new DailyQuota(3, () => now, { load: () => ({}), save: (s) => void (saved = { ...s }) })
    q.take(); q.take(); q.take()
    expect(saved).toEqual({ day: '2026-11-25', used: 3 })
    let error: unknown
    try { q.take() } catch (e) { error = e }
    expect(isCradleError(error, 'destination-quota')).toBe(true)
    expect((error as { context: { resetsAt: number } }).context.resetsAt).toBe(Date.UTC(2026, 10, 26, 8))
    now = Date.UTC(2026, 10, 26, 8, 0, 1)
    q.take()
    expect(q.view()).toEqual({ used: 1, limit: 3, resetsAt: Date.UTC(2026, 10, 27, 8) })
  })
  it('resumes the count saved in the catalog', () => {
    const now = Date.UTC(2026, 10, 25, 12)
    const q = new DailyQuota(10_000, () => now, { load: () => ({ day: '2026-11-25', used: 9_999 }), save: () => undefined })
    q.take()
    expect(() => q.take()).toThrow(/budget/)
  })
})
