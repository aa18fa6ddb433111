import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { createElectronPowerSource, type PowerMonitorLike } from '../../../src/main/electron/ports/power-source.js'

/** Fake of Electron's powerMonitor (isOnBatteryPower + on-ac/on-battery events), from its API docs. */
class FakePowerMonitor extends EventEmitter implements PowerMonitorLike {
  onBattery = false
  broken = false
  isOnBatteryPower(): boolean {
    if (this.broken) throw new Error('no power supply information')
    return this.onBattery
  }
  override on(event: 'on-ac' | 'on-battery', listener: () => void): this {
    return super.on(event, listener)
  }
}

function manualInterval() {
  const timers = new Map<number, () => void>()
  let id = 0
  return {
    setInterval: (fn: () => void) => (timers.set(++id, fn), id),
    clearInterval: (t: unknown) => void timers.delete(t as number),
    tick: () => [...timers.values()].forEach((fn) => fn()),
    count: () => timers.size,
  }
}

describe('power source from powerMonitor', () => {
  it('macOS/Windows: follows on-ac / on-battery events, without polling', () => {
    const monitor = new FakePowerMonitor()
    const timers = manualInterval()
    const power = createElectronPowerSource(monitor, { platform: 'darwin', ...timers })
    const changes: (boolean | null)[] = []
    power.onChange(() => changes.push(power.onAcPower()))
    expect(power.onAcPower()).toBe(true)
    monitor.onBattery = true
    monitor.emit('on-battery')
    monitor.emit('on-battery') // repeated event, no change
    monitor.onBattery = false
    monitor.emit('on-ac')
    expect(changes).toEqual([false, true])
    expect(timers.count()).toBe(0)
  })

  it('Linux: polls while someone listens, and stops when nobody does', () => {
    const monitor = new FakePowerMonitor()
    const timers = manualInterval()
    const power = createElectronPowerSource(monitor, { platform: 'linux', ...timers })
    let calls = 0
    const off = power.onChange(() => calls++)
    expect(timers.count()).toBe(1)
    timers.tick()
    expect(calls).toBe(0)
    monitor.onBattery = true // the cable was pulled; Linux sends no event
    timers.tick()
    expect(calls).toBe(1)
    off()
    expect(timers.count()).toBe(0)
  })

  it('unknown when the OS cannot tell', () => {
    const monitor = new FakePowerMonitor()
    monitor.broken = true
    expect(createElectronPowerSource(monitor, { platform: 'linux' }).onAcPower()).toBeNull()
  })

  it('dispose removes its event listeners', () => {
    const monitor = new FakePowerMonitor()
    const power = createElectronPowerSource(monitor, { platform: 'win32' })
    expect(monitor.listenerCount('on-ac')).toBe(1)
    power.dispose()
    expect(monitor.listenerCount('on-ac') + monitor.listenerCount('on-battery')).toBe(0)
  })
})
