import { describe, expect, it } from 'vitest'
import { planRoll } from '../../../src/sim/roll/plan.js'

describe('camera-roll plan', () => {
  it('is deterministic per seed and differs between seeds', () => {
    expect(planRoll({ count: 500, seed: 3 })).toEqual(planRoll({ count: 500, seed: 3 }))
    expect(planRoll({ count: 500, seed: 3 })).not.toEqual(planRoll({ count: 500, seed: 4 }))
  })

  it('wraps IMG_9999 → IMG_0001 into the next 1xxAPPLE folder, and starts a folder every 1000 numbers', () => {
    const plan = planRoll({ count: 3000, seed: 1, startNumber: 9990, oddNames: false })
    const originals = plan.filter((f) => /^\d{3}APPLE\/IMG_\d{4}\.(HEIC|JPG|PNG|MOV)$/.test(f.path) && f.role !== 'live-video')
    const paths = originals.map((f) => f.path)
    const i = paths.findIndex((p) => p.includes('IMG_9999'))
    expect(paths[i]).toMatch(/^100APPLE\/IMG_9999\./)
    expect(paths[i + 1]).toMatch(/^101APPLE\/IMG_0001\./)
    expect(paths.some((p) => p.startsWith('102APPLE/IMG_1000.'))).toBe(true)
    expect(new Set(plan.map((f) => f.path)).size).toBe(plan.length)
  })

  it('chooses a start that wraps for any count ≥ 2, so IMG_0001 can exist twice', () => {
    const plan = planRoll({ count: 20, seed: 9 })
    expect(plan.some((f) => f.path.includes('IMG_9999'))).toBe(true)
    expect(plan.some((f) => f.path.includes('IMG_0001'))).toBe(true)
  })

  it('pairs Live Photos by stem and id, and gives edits an IMG_E render and an .AAE sidecar', () => {
    const plan = planRoll({ count: 2000, seed: 5 })
    const live = plan.filter((f) => f.role === 'live-video')
    expect(live.length).toBeGreaterThan(100)
    for (const v of live) {
      const still = plan.find((f) => f.role === 'live-photo' && f.path === v.path.replace(/\.MOV$/, '.HEIC'))
      expect(still, v.path).toBeDefined()
      expect(still!.id).toBe(v.id)
    }
    const renders = plan.filter((f) => f.role === 'edit-render')
    expect(renders.length).toBeGreaterThan(50)
    for (const r of renders) {
      const n = /IMG_E(\d{4})/.exec(r.path)![1]
      const dir = r.path.split('/')[0]
      expect(plan.some((f) => f.path === `${dir}/IMG_${n}.AAE` && f.role === 'edit-sidecar')).toBe(true)
      expect(r.mtimeMs).toBeGreaterThan(r.captureUtcMs)
    }
    const kinds = new Set(plan.map((f) => f.path.split('.').pop()))
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['AAE', 'HEIC', 'JPG', 'MOV', 'PNG']))
  })

  it('moves forward in time, stays in the past and travels across offsets', () => {
    const plan = planRoll({ count: 10_000, seed: 1, oddNames: false })
    const times = plan.filter((f) => f.role !== 'live-video').map((f) => f.captureUtcMs)
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!)
    expect(times[times.length - 1]!).toBeLessThan(Date.parse('2026-01-01'))
    expect(times.every((t) => t % 1000 === 0)).toBe(true)
    expect(new Set(plan.map((f) => f.offsetMinutes)).size).toBeGreaterThanOrEqual(4)
    expect(plan.some((f) => f.offsetMinutes % 60 !== 0)).toBe(true)
  })

  it('adds odd but legal names, a zero-byte file and the hidden .MISC folder', () => {
    const plan = planRoll({ count: 10, seed: 2 })
    const extras = plan.filter((f) => f.item === -1).map((f) => f.path)
    expect(extras.some((p) => p.includes(' '))).toBe(true)
    const nfd = extras.find((p) => p.includes('Cafe\u0301'))
    expect(nfd).toBeDefined()
    expect(nfd).not.toBe(nfd!.normalize('NFC'))
    const long = extras.find((p) => p.includes('LONGNAME'))!.split('/').pop()!
    expect(Buffer.byteLength(long)).toBeGreaterThan(200)
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255)
    expect(plan.filter((f) => 'empty' in f.source)).toHaveLength(1)
    expect(extras).toContain('.MISC/Info.plist')
    expect(planRoll({ count: 10, seed: 2, oddNames: false }).some((f) => f.item === -1)).toBe(false)
  })

  it('refuses bad counts and start numbers', () => {
    expect(() => planRoll({ count: -1 })).toThrow(RangeError)
    expect(() => planRoll({ count: 1.5 })).toThrow(RangeError)
    expect(() => planRoll({ count: 5, startNumber: 10_000 })).toThrow(RangeError)
    expect(planRoll({ count: 0 })).toEqual([])
  })
})
