/**
 * Every Trust outcome against the virtual iPhone: auto, prompt then accept, deny, locked then
 * unlock, and trust revoked on the phone. The records we save must be ones libimobiledevice
 * accepts too (idevicepair validate through the same mux).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { connectDevice, MuxClient, type TrustState } from '../../../src/main/device/index.js'
import { parsePairRecord } from '../../../src/main/device/lockdown/pair-record.js'
import { startSimulator, type SimDeviceOptions, type Simulator } from '../../../src/sim/index.js'

const run = promisify(execFile)
let sim: Simulator | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function phone(opts: SimDeviceOptions): Promise<{ mux: MuxClient; udid: string }> {
  sim = await startSimulator({ devices: [opts] })
  return { mux: new MuxClient({ address: sim.address }), udid: sim.devices[0]!.udid }
}

describe('Trust flow against the simulator', () => {
  it('auto: pairs at once and libimobiledevice accepts our record', async () => {
    const { mux, udid } = await phone({ trust: 'auto' })
    const states: TrustState[] = []
    const session = await connectDevice(mux, udid, { onTrustState: (s) => states.push(s) })
    expect(states).toEqual(['checking', 'paired'])
    await session.close()
    const record = parsePairRecord(sim!.pairRecords.get(udid)!)
    expect(record.SystemBUID).toBe(sim!.buid)
    expect(record.EscrowBag?.length).toBeGreaterThan(0)
    const { stdout } = await run('idevicepair', ['-u', udid, 'validate'], { env: { ...process.env, USBMUXD_SOCKET_ADDRESS: sim!.address }, timeout: 20_000 })
    expect(stdout).toMatch(/SUCCESS/)
    // A second connect uses the record: no Pair at all.
    const again: TrustState[] = []
    const s2 = await connectDevice(mux, udid, { onTrustState: (s) => again.push(s) })
    expect(again).toEqual(['checking', 'paired'])
    await s2.close()
  })

  it('prompt: waits for Trust, then pairs when the user accepts', async () => {
    const { mux, udid } = await phone({ trust: 'prompt' })
    const states: TrustState[] = []
    const session = await connectDevice(mux, udid, {
      pairPollMs: 50,
      onTrustState: (s) => {
        states.push(s)
        if (s === 'waiting-for-trust') setTimeout(() => sim!.devices[0]!.acceptTrust(), 200)
      },
    })
    expect(states).toEqual(['checking', 'waiting-for-trust', 'paired'])
    await session.close()
  })

  it('deny: stops with pairing-denied and stores nothing', async () => {
    const { mux, udid } = await phone({ trust: 'prompt' })
    const states: TrustState[] = []
    const attempt = connectDevice(mux, udid, {
      pairPollMs: 50,
      onTrustState: (s) => {
        states.push(s)
        if (s === 'waiting-for-trust') setTimeout(() => sim!.devices[0]!.denyTrust(), 100)
      },
    })
    await expect(attempt).rejects.toMatchObject({ code: 'pairing-denied' })
    expect(states.at(-1)).toBe('denied')
    expect(sim!.pairRecords.has(udid)).toBe(false)
  })

  it('locked: asks to unlock, then for Trust, then pairs', async () => {
    const { mux, udid } = await phone({ trust: 'locked' })
    const states: TrustState[] = []
    const session = await connectDevice(mux, udid, {
      pairPollMs: 50,
      onTrustState: (s) => {
        states.push(s)
        if (s === 'waiting-for-unlock') setTimeout(() => sim!.devices[0]!.unlock(), 150)
        if (s === 'waiting-for-trust') setTimeout(() => sim!.devices[0]!.acceptTrust(), 150)
      },
    })
    expect(states).toEqual(['checking', 'waiting-for-unlock', 'waiting-for-trust', 'paired'])
    await session.close()
  })

  it('revoked on the phone: pairing-invalid, and re-pairing on request', async () => {
    const { mux, udid } = await phone({ trust: 'auto' })
    await (await connectDevice(mux, udid)).close()
    const oldHost = parsePairRecord(sim!.pairRecords.get(udid)!).HostID
    sim!.devices[0]!.revokeTrust()
    await expect(connectDevice(mux, udid)).rejects.toMatchObject({ code: 'pairing-invalid' })
    const session = await connectDevice(mux, udid, { onRevoked: 'repair' })
    expect(parsePairRecord(sim!.pairRecords.get(udid)!).HostID).not.toBe(oldHost)
    await session.close()
  })

  it('gives up after the user timeout while the dialog is unanswered', async () => {
    const { mux, udid } = await phone({ trust: 'prompt' })
    await expect(connectDevice(mux, udid, { pairTimeoutMs: 300, pairPollMs: 50 })).rejects.toMatchObject({ code: 'pairing-pending' })
  })
})
