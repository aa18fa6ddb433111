import { describe, expect, it } from 'vitest'
import { importGate } from '../../../src/main/engine/import-policy.js'

const battery = (level: number, externalPower: boolean) => ({ level, charging: externalPower, externalPower })

describe('import policy', () => {
  it('waits for power by default when the port does not charge the phone', () => {
    expect(importGate({ importOnlyOnPower: true, minBatteryPercent: null }, battery(80, false))).toEqual({
      allowed: false,
      phase: 'waiting-power',
      reason: "Waiting for power — this port isn't charging your iPhone.",
    })
  })

  it('allows import on power, and off power when the setting is off', () => {
    expect(importGate({ importOnlyOnPower: true, minBatteryPercent: null }, battery(5, true))).toEqual({ allowed: true })
    expect(importGate({ importOnlyOnPower: false, minBatteryPercent: null }, battery(80, false))).toEqual({ allowed: true })
  })

  it('holds back below the battery minimum', () => {
    expect(importGate({ importOnlyOnPower: false, minBatteryPercent: 30 }, battery(20, false))).toMatchObject({ allowed: false, phase: 'waiting-battery' })
    expect(importGate({ importOnlyOnPower: false, minBatteryPercent: 30 }, battery(30, false))).toEqual({ allowed: true })
  })

  it('does not hold back a phone that reports no battery', () => {
    expect(importGate({ importOnlyOnPower: true, minBatteryPercent: 50 }, null)).toEqual({ allowed: true })
  })
})
