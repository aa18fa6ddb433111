import { describe, expect, it } from 'vitest'
import { RefreshPacer } from '../../../src/main/engine/refresh-pacer.js'

function pacer(minIntervalMs: number, share: number) {
  const clock = { now: 0, elapsed: 0 }
  const p = new RefreshPacer({ minIntervalMs, share, now: () => clock.now, elapsed: () => clock.elapsed })
  /** A refresh that takes `costMs` of real time (and of the engine's clock). */
  const refresh = (costMs: number): void => p.run(() => {
    clock.elapsed += costMs
    clock.now += costMs
  })
  return { p, clock, refresh }
}

describe('RefreshPacer', () => {
  it('is due at once, then every minIntervalMs while refreshes are cheap', () => {
    const { p, clock, refresh } = pacer(1000, 0.1)
    expect(p.due()).toBe(true)
    refresh(5)
    expect(p.due()).toBe(false)
    expect(p.wait()).toBe(1000)
    clock.now += 999
    expect(p.due()).toBe(false)
    clock.now += 1
    expect(p.due()).toBe(true)
  })

  it('spaces a costly refresh so that it takes at most its share of the time', () => {
    const { p, clock, refresh } = pacer(1000, 0.1)
    refresh(800) // a big phone on a busy machine
    expect(p.wait()).toBe(8000)
    clock.now += 7999
    expect(p.due()).toBe(false)
    clock.now += 1
    expect(p.due()).toBe(true)
    refresh(20) // the next one was cheap again: back to the floor
    expect(p.wait()).toBe(1000)
  })

  it('reset makes the next refresh due at once, and a refresh that throws still counts', () => {
    const { p, clock } = pacer(1000, 0.1)
    expect(() => p.run(() => {
      clock.elapsed += 300
      throw new Error('catalog busy')
    })).toThrow('catalog busy')
    expect(p.wait()).toBe(3000)
    p.reset()
    expect(p.due()).toBe(true)
  })
})
