import { describe, expect, it } from 'vitest'
import { ProgressMeter } from '../../../src/main/engine/progress-meter.js'

describe('ProgressMeter', () => {
  it('says nothing about time left until it has seen enough', () => {
    const meter = new ProgressMeter()
    meter.sample(0, 0)
    expect(meter.read(0, 1000).secondsLeft).toBeNull()
    meter.sample(100, 1000)
    expect(meter.read(100, 1000).secondsLeft).toBeNull()
  })

  it('converges on a steady rate and estimates time left', () => {
    const meter = new ProgressMeter()
    for (let t = 0; t <= 10_000; t += 500) meter.sample(t * 30_000, t) // 30 MB/s
    const reading = meter.read(300e6, 3e9)
    expect(reading.bytesPerSecond).toBeCloseTo(30e6, -3)
    expect(reading.secondsLeft).toBe(90)
  })

  it('smooths a single stall instead of jumping to zero', () => {
    const meter = new ProgressMeter()
    for (let t = 0; t <= 5000; t += 500) meter.sample(t * 10_000, t) // 10 MB/s
    meter.sample(50e6, 5700) // nothing new for 700 ms
    expect(meter.read(50e6, 100e6).bytesPerSecond).toBeGreaterThan(5e6)
  })

  it('ignores samples closer together than the minimum interval', () => {
    const meter = new ProgressMeter(3000, 200)
    meter.sample(0, 0)
    meter.sample(1e9, 10) // a burst measured over 10 ms would claim 100 GB/s
    meter.sample(2e6, 1000)
    expect(meter.read(2e6, 4e6).bytesPerSecond).toBeLessThan(3e6)
  })
})
