import { afterEach, describe, expect, it, vi } from 'vitest'
import { TrustState } from '../../../src/sim/device/trust.js'

afterEach(() => vi.useRealTimers())

describe('the Trust dialog', () => {
  it('auto trusts at once; deny always refuses', () => {
    expect(new TrustState('auto').onPairRequest()).toBe('ok')
    const deny = new TrustState('deny')
    expect(deny.onPairRequest()).toBe('UserDeniedPairing')
    expect(deny.onPairRequest()).toBe('UserDeniedPairing')
  })

  it('prompt: pending while the dialog shows, ok once accepted, then pending again for the next computer', () => {
    const t = new TrustState('prompt')
    expect(t.onPairRequest()).toBe('PairingDialogResponsePending')
    expect(t.dialogShowing).toBe(true)
    expect(t.onPairRequest()).toBe('PairingDialogResponsePending')
    t.accept()
    expect(t.onPairRequest()).toBe('ok')
    expect(t.onPairRequest()).toBe('PairingDialogResponsePending')
  })

  it('prompt with a delay accepts by itself', () => {
    vi.useFakeTimers()
    const t = new TrustState('prompt', 1000)
    expect(t.onPairRequest()).toBe('PairingDialogResponsePending')
    vi.advanceTimersByTime(999)
    expect(t.onPairRequest()).toBe('PairingDialogResponsePending')
    vi.advanceTimersByTime(1)
    expect(t.onPairRequest()).toBe('ok')
  })

  it('a denial sticks until reset (replug)', () => {
    const t = new TrustState('prompt')
    t.onPairRequest()
    t.deny()
    expect(t.onPairRequest()).toBe('UserDeniedPairing')
    t.reset()
    expect(t.onPairRequest()).toBe('PairingDialogResponsePending')
  })

  it('locked: PasswordProtected until unlocked, then the dialog; accepting a deny-mode phone allows pairing', () => {
    const t = new TrustState('locked')
    expect(t.mode).toBe('locked')
    expect(t.onPairRequest()).toBe('PasswordProtected')
    t.locked = false
    expect(t.mode).toBe('prompt')
    expect(t.onPairRequest()).toBe('PairingDialogResponsePending')
    const d = new TrustState('deny')
    d.accept()
    expect(d.onPairRequest()).toBe('ok')
  })
})
