/**
 * The opt-in suite against a REAL iPhone, so anyone with a phone can confirm what the simulator
 * claims. Runs only with CRADLE_DEVICE_TESTS=1 and an iPhone attached by USB (through the system
 * usbmuxd, or USBMUXD_SOCKET_ADDRESS); otherwise every test is reported as skipped with the
 * reason. Run: CRADLE_DEVICE_TESTS=1 npm run test:device
 * Read-only on the phone. Pairing may ask you to unlock the phone and tap Trust (2 minutes).
 */
import { createHash } from 'node:crypto'
import { PassThrough } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { connectDevice, MuxClient, type AfcClient, type DeviceSession, type MuxDevice } from '../../src/main/device/index.js'

async function probe(): Promise<{ device?: MuxDevice; reason: string }> {
  if (process.env.CRADLE_DEVICE_TESTS !== '1') return { reason: 'CRADLE_DEVICE_TESTS is not 1' }
  try {
    const device = (await new MuxClient().listDevices()).find((d) => d.connectionType === 'USB')
    return device ? { device, reason: `iPhone ${device.udid}` } : { reason: 'no iPhone attached by USB' }
  } catch (error) {
    return { reason: `usbmuxd not reachable (${(error as Error).message})` }
  }
}

const found = await probe()
if (!found.device) console.warn(`[real iPhone suite] NOT RUN: ${found.reason}`)

const sha = (chunks: Buffer[]): string => createHash('sha256').update(Buffer.concat(chunks)).digest('hex')
function collector(): { sink: PassThrough; chunks: Buffer[] } {
  const chunks: Buffer[] = []
  const sink = new PassThrough()
  sink.on('data', (d: Buffer) => chunks.push(d))
  return { sink, chunks }
}

describe.skipIf(!found.device)(`real iPhone (${found.reason})`, () => {
  const mux = new MuxClient()
  let session: DeviceSession
  let afc: AfcClient

  afterAll(async () => {
    afc?.close()
    await session?.close()
  })

  it('lists the phone on the mux with a UDID', async () => {
    const devices = await mux.listDevices()
    expect(devices.some((d) => d.udid === found.device!.udid && d.connectionType === 'USB')).toBe(true)
    expect(found.device!.udid).toMatch(/^[0-9A-Fa-f-]{24,40}$/)
  })

  it('pairs (or uses the existing record) and starts a session', async () => {
    session = await connectDevice(mux, found.device!, {
      pairTimeoutMs: 120_000,
      onTrustState: (s) => {
        if (s === 'waiting-for-unlock') console.warn('[real iPhone suite] unlock the iPhone…')
        if (s === 'waiting-for-trust') console.warn('[real iPhone suite] tap Trust on the iPhone…')
      },
    })
    expect(session.info.udid.replace(/-/g, '')).toBe(found.device!.udid.replace(/-/g, ''))
  }, 150_000)

  it('reads device info and battery', async () => {
    expect(session.info.name.length).toBeGreaterThan(0)
    expect(session.info.productVersion).toMatch(/^\d+\.\d+/)
    expect(session.info.productType).toMatch(/^(iPhone|iPad|iPod)\d+,\d+$/)
    const battery = await session.battery()
    expect(battery.level).toBeGreaterThanOrEqual(0)
    expect(battery.level).toBeLessThanOrEqual(100)
    console.warn(`[real iPhone suite] ${session.info.name}: ${session.info.model}, iOS ${session.info.productVersion}, ${battery.level}%${battery.charging ? ' charging' : ''}`)
  })

  it('walks /DCIM with pipelining and stats agree with statMany', async () => {
    afc = await session.openAfc()
    const started = Date.now()
    const { files, dirs } = await afc.walk('/DCIM')
    console.warn(`[real iPhone suite] walk: ${files.length} files in ${dirs.length} folders, ${Date.now() - started} ms`)
    for (const f of files) expect(f.stat.type).toBe('file')
    const sample = files.slice(0, 50)
    const again = await afc.statMany(sample.map((f) => f.path))
    again.forEach((s, i) => expect(s?.size).toBe(sample[i]!.stat.size))
  }, 300_000)

  it('pulls a few files byte-exactly, and a resumed pull matches a full one', async () => {
    const { files } = await afc.walk('/DCIM')
    const candidates = files.filter((f) => f.stat.size > 0).sort((a, b) => a.stat.size - b.stat.size).slice(0, 3)
    let pulled = 0
    for (const f of candidates) {
      const full = collector()
      try {
        const res = await afc.download(f.path, full.sink, { size: f.stat.size })
        expect(res.bytesWritten).toBe(f.stat.size)
      } catch (error) {
        // iCloud-only, or a file the phone refuses with another AFC status (one file's problem): allowed
        const code = (error as { code?: string }).code
        if (code === 'file-not-on-device' || code === 'file-unreadable') continue
        throw error
      }
      const cut = Math.floor(f.stat.size / 2)
      const first = collector()
      const h = await afc.open(f.path)
      first.chunks.push(await afc.read(h, cut))
      await afc.closeFile(h)
      await afc.download(f.path, first.sink, { offset: cut, size: f.stat.size })
      expect(sha(first.chunks)).toBe(sha(full.chunks))
      pulled++
    }
    console.warn(`[real iPhone suite] pulled ${pulled} of ${candidates.length} files`)
  }, 300_000)
})
