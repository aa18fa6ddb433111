/** `cradle sim` as a real process: ready line, the tools see its devices, stdin control, clean stop. */
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { beforeAll, describe, expect, it } from 'vitest'
import { spawnCli } from '../../helpers/cli.js'
import { requireTools, runTool } from './helpers/tools.js'

beforeAll(() => requireTools())

describe('cradle sim', () => {
  it('prints a ready line, serves the tools, obeys stdin commands and stops on SIGTERM', async () => {
    const child = spawnCli(['sim', '--devices', '2', '--battery', '42', '--charging', '--photos', '12', '--seed', '3'])
    const lines = createInterface({ input: child.stdout! })
    const next = async (): Promise<Record<string, unknown>> => JSON.parse((await once(lines, 'line'))[0] as string) as Record<string, unknown>
    try {
      const ready = await next()
      expect(ready).toMatchObject({ event: 'ready', socket: expect.stringMatching(/^UNIX:\//) })
      const devices = ready.devices as { udid: string; items: number }[]
      expect(devices).toHaveLength(2)
      expect(devices[0]!.items).toBe(12)
      const address = ready.socket as string
      const ids = await runTool('idevice_id', ['-l'], address)
      expect(ids.stdout.trim().split('\n').sort()).toEqual(devices.map((d) => d.udid).sort())
      const battery = await runTool('ideviceinfo', ['-u', devices[0]!.udid, '-q', 'com.apple.mobile.battery'], address)
      expect(battery.stdout).toContain('BatteryCurrentCapacity: 42')
      expect(battery.stdout).toContain('BatteryIsCharging: true')
      child.stdin!.write(`detach ${devices[0]!.udid}\n`)
      expect(await next()).toMatchObject({ event: 'ok', command: `detach ${devices[0]!.udid}` })
      const after = await runTool('idevice_id', ['-l'], address)
      expect(after.stdout.trim()).toBe(devices[1]!.udid)
      child.kill('SIGTERM')
      const [code] = await once(child, 'exit')
      expect(code).toBe(0)
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('refuses bad options with exit status 2 and the usage', async () => {
    const child = spawnCli(['sim', '--trust', 'sometimes'])
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const [code] = await once(child, 'exit')
    expect(code).toBe(2)
    expect(stderr).toContain('--trust must be one of auto, prompt, deny, locked')
    expect(stderr).toContain('Usage: cradle sim')
  })

  it('gives a generated roll its Photos library (--photos-schema), or none (--no-photos-db), and refuses an unknown schema', async () => {
    const ready = async (args: string[]): Promise<{ photoData: string | null; photosSchema: string | null }> => {
      const child = spawnCli(['sim', '--photos', '6', ...args])
      try {
        const [line] = await once(createInterface({ input: child.stdout! }), 'line')
        return (JSON.parse(line as string) as { devices: { photoData: string | null; photosSchema: string | null }[] }).devices[0]!
      } finally {
        child.kill('SIGTERM')
        await once(child, 'exit')
      }
    }
    const withDb = await ready(['--photos-schema', 'ios14'])
    expect(withDb.photosSchema).toBe('ios14')
    expect(withDb.photoData).toEqual(expect.any(String))
    expect(await ready([])).toMatchObject({ photosSchema: 'ios17' })
    expect(await ready(['--no-photos-db'])).toMatchObject({ photoData: null, photosSchema: null })
    const bad = spawnCli(['sim', '--photos', '6', '--photos-schema', 'ios9'])
    let stderr = ''
    bad.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const [code] = await once(bad, 'exit')
    expect(code).toBe(2)
    expect(stderr).toContain('--photos-schema must be one of ios13, ios14, ios17')
  })
})
