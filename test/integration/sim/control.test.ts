import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runControlCommand } from '../../../src/sim/control/commands.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'

let sim: Simulator
beforeAll(async () => {
  sim = await startSimulator({ devices: [{ trust: 'prompt' }, { trust: 'locked' }] })
})
afterAll(async () => {
  await sim.close()
})

const run = (line: string) => runControlCommand(sim, line)

describe('simulator control commands', () => {
  it('changes the battery of one device by index or UDID', () => {
    expect(run('battery 0 20 charging external')).toEqual({ event: 'ok', command: 'battery 0 20 charging external' })
    expect(sim.devices[0]!.battery).toEqual({ level: 20, charging: true, externalPower: true })
    expect(run(`battery ${sim.devices[1]!.udid} 99 not-charging`)?.event).toBe('ok')
    expect(sim.devices[1]!.battery).toMatchObject({ level: 99, charging: false })
  })

  it('detaches and re-attaches with a new DeviceID', () => {
    const before = sim.devices[0]!.deviceId
    run('detach 0')
    expect(sim.devices[0]!.attached).toBe(false)
    run('attach 0')
    expect(sim.devices[0]!.deviceId).not.toBe(before)
  })

  it('answers the trust dialog and the lock', () => {
    sim.devices[0]!.trust.onPairRequest()
    run('trust 0 accept')
    expect(sim.devices[0]!.trust.onPairRequest()).toBe('ok')
    run('unlock 1')
    expect(sim.devices[1]!.trust.locked).toBe(false)
    run('lock all')
    expect(sim.devices.every((d) => d.trust.locked)).toBe(true)
  })

  it('sets the TLS switches (dropped handshakes, TLS 1.3 with a checked host certificate, close_notify) and reports them', () => {
    expect(run('tls 0 drop 2')?.event).toBe('ok')
    expect(run('tls all 1.3')?.event).toBe('ok')
    expect(run('tls 1 close-notify on')?.event).toBe('ok')
    expect(sim.devices[0]!.tls.status()).toMatchObject({ dropHandshakes: 2, tls13: true, closeNotify: false })
    expect(sim.devices[1]!.tls.status()).toMatchObject({ dropHandshakes: 0, tls13: true, closeNotify: true })
    const status = run('status') as { status: { devices: { tls: unknown }[] } }
    expect(status.status.devices[0]!.tls).toMatchObject({ dropHandshakes: 2, completed: 0, dropped: 0 })
    expect(run('tls 0 sometimes')).toMatchObject({ event: 'error', message: expect.stringContaining('drop N') })
    run('tls all 1.2')
    run('tls all drop 0')
    run('tls 1 close-notify off')
    expect(sim.devices.map((d) => d.tls.status())).toEqual(sim.devices.map(() => expect.objectContaining({ dropHandshakes: 0, tls13: false, closeNotify: false })))
  })

  it('sets lockdownd\'s idle close and makes its connections stale', () => {
    expect(run('lockdown 0 idle-close 60000')?.event).toBe('ok')
    expect(sim.devices[0]!.lockdownRealism.idleCloseMs).toBe(60000)
    run('lockdown all idle-close 0')
    expect(sim.devices.map((d) => d.lockdownRealism.idleCloseMs)).toEqual([0, 0])
    expect(run('lockdown 1 stale SessionInactive')?.event).toBe('ok')
    expect(sim.devices[1]!.lockdownRealism.stale).toMatchObject({ error: 'SessionInactive' })
    expect(run('lockdown 1 stale Whatever')).toMatchObject({ event: 'error' })
  })

  it('sets faults, latency and bandwidth on one or every device', () => {
    run('fault 1 drop-after 5000 repeat')
    expect(sim.devices[1]!.link.faults()).toMatchObject({ dropAfterBytes: 5000, dropRepeat: true })
    run('fault 1 off')
    expect(sim.devices[1]!.link.faults().dropAfterBytes).toBe(0)
    expect(run('fault 0 drop')?.event).toBe('ok')
    expect(sim.devices[0]!.attached).toBe(true)
    expect(run('fault 0 sideways')).toMatchObject({ event: 'error', message: 'fault needs drop, drop-after BYTES [repeat] or off' })
    run('latency 7')
    expect(sim.devices.map((d) => d.link.faults().latencyMs)).toEqual([7, 7])
    run('bandwidth 0 30')
    expect(sim.devices.map((d) => d.link.faults().bandwidthMBps)).toEqual([30, 0])
  })

  it('makes files unreadable with any AFC status at any stage, per file, and turns data protection on and off', () => {
    const phone = sim.devices[0]!
    expect(run('unreadable 0 status 1 on open /DCIM/100APPLE/A.HEIC /DCIM/100APPLE/B.HEIC')?.event).toBe('ok')
    expect(run('unreadable 0 add status 10 on seek /DCIM/100APPLE/C.MOV')?.event).toBe('ok')
    expect(run('unreadable 0 add /DCIM/100APPLE/D.JPG')?.event).toBe('ok')
    expect(phone.unreadableOptions.files).toEqual({ '/DCIM/100APPLE/A.HEIC': { failOn: 'open', status: 1 }, '/DCIM/100APPLE/B.HEIC': { failOn: 'open', status: 1 }, '/DCIM/100APPLE/C.MOV': { failOn: 'seek', status: 10 } })
    expect(phone.unreadableOptions.paths).toEqual(['/DCIM/100APPLE/D.JPG'])
    expect(run('unreadable 0 ratio 0.5 stat status 8')?.event).toBe('ok')
    expect(phone.unreadableOptions).toMatchObject({ ratio: 0.5, failOn: 'stat', status: 8, paths: [], files: {} })
    expect(run('unreadable 0 on sideways /DCIM/x')).toMatchObject({ event: 'error', message: expect.stringContaining('STAGE') })
    expect(run('unreadable 0 status 1')).toMatchObject({ event: 'error' })
    expect(run('unreadable 0 off')?.event).toBe('ok')
    expect(phone.unreadableOptions).toMatchObject({ paths: [], files: {} })
    expect(run('protect 0 on')?.event).toBe('ok')
    expect(phone.dataProtection).toBe(true)
    expect((run('status') as { status: { devices: { dataProtection: boolean }[] } }).status.devices[0]!.dataProtection).toBe(true)
    run('protect 0 off')
    expect(phone.dataProtection).toBe(false)
    expect(run('protect 0 maybe')).toMatchObject({ event: 'error' })
  })

  it('reports status and refuses nonsense with a message', () => {
    const status = run('status')
    expect(status).toMatchObject({ event: 'ok', status: { address: sim.address, devices: expect.arrayContaining([expect.objectContaining({ udid: sim.devices[0]!.udid })]) } })
    expect(run('battery 9 20')).toMatchObject({ event: 'error', message: 'no device 9' })
    expect(run('battery 0 -5')).toMatchObject({ event: 'error' })
    expect(run('trust 0 maybe')).toMatchObject({ event: 'error' })
    expect(run('reboot 0')).toMatchObject({ event: 'error', message: expect.stringContaining('unknown command') })
    expect(run('   ')).toBeUndefined()
  })
})
