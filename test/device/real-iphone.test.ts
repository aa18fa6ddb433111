/**
 * The opt-in suite against a REAL iPhone, so anyone with a phone can confirm what the simulator
 * claims. Runs with `npm run test:device` (never in `npm test`) and needs an iPhone attached by USB
 * (through the system usbmuxd, or USBMUXD_SOCKET_ADDRESS); without one the suite fails with the
 * reason, unless CRADLE_SKIP_REAL_IPHONE=1 says to skip it (then it prints NOT RUN).
 * Read-only on the phone. Pairing may ask you to unlock the phone and tap Trust (2 minutes).
 *
 * The last test is a full small backup: the engine imports the newest few files (at most
 * CRADLE_DEVICE_BACKUP_FILES, default 6, each at most CRADLE_DEVICE_BACKUP_MAX_MB, default 200)
 * into a fresh temporary library, which is then checked against SHA-256 of what AFC reads.
 *
 * The same file runs against the simulator, which is how it is proven to work without a phone:
 *   npx cradle sim --photos 30                      # prints {"event":"ready","socket":"UNIX:/…"}
 *   USBMUXD_SOCKET_ADDRESS=UNIX:/… npm run test:device
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectDevice, MuxClient, type AfcClient, type DeviceSession, type MuxDevice } from '../../src/main/device/index.js'
import { runBackup } from '../../src/main/engine/backup-run.js'
import { afcPhoneFiles } from '../../src/main/engine/device-adapter.js'
import type { PhoneFiles } from '../../src/main/engine/phone-port.js'
import { stopHashWorker } from '../../src/main/library/content-hasher.js'
import { Library } from '../../src/main/library/library.js'
import { createLogger } from '../../src/main/logging/logger.js'
import { defaultSettings } from '../../src/shared/settings.js'
import { baseStemOf, verifyLibrary, type ExpectedFile } from '../helpers/engine-roll.js'
import { assertPrerequisite } from './prerequisite.js'

async function probe(): Promise<{ device?: MuxDevice; reason: string }> {
  try {
    const device = (await new MuxClient().listDevices()).find((d) => d.connectionType === 'USB')
    return device ? { device, reason: `iPhone ${device.udid}` } : { reason: 'no iPhone attached by USB' }
  } catch (error) {
    return { reason: `usbmuxd not reachable (${(error as Error).message})` }
  }
}

const found = await probe()

const BACKUP_FILES = Number(process.env.CRADLE_DEVICE_BACKUP_FILES ?? 6)
const BACKUP_MAX_BYTES = Number(process.env.CRADLE_DEVICE_BACKUP_MAX_MB ?? 200) * 1e6
/** A file the phone will not give (iCloud-only, or any AFC status on it) is skipped, not a failure. */
const FILE_PROBLEMS = new Set(['file-not-on-device', 'file-unreadable'])

const sha = (chunks: Buffer[]): string => createHash('sha256').update(Buffer.concat(chunks)).digest('hex')
function collector(): { sink: PassThrough; chunks: Buffer[] } {
  const chunks: Buffer[] = []
  const sink = new PassThrough()
  sink.on('data', (d: Buffer) => chunks.push(d))
  return { sink, chunks }
}

/** SHA-256 of a whole file as AFC reads it, without keeping it in memory. */
async function afcSha256(afc: AfcClient, file: string, size: number): Promise<string> {
  const hash = createHash('sha256')
  const sink = new Writable({ write: (chunk: Buffer, _e, cb) => (hash.update(chunk), cb()) })
  const res = await afc.download(file, sink, { size })
  expect(res.bytesWritten).toBe(size)
  return hash.digest('hex')
}

/** The phone's media partition showing only `paths` (and the folders that hold them): the engine then backs up just those. */
function onlyThese(files: PhoneFiles, paths: readonly string[]): PhoneFiles {
  const keep = new Set(paths)
  for (const p of paths) keep.add(p.slice(0, p.lastIndexOf('/')))
  return {
    listDir: async (dir, signal) => (await files.listDir(dir, signal)).filter((name) => keep.has(`${dir}/${name}`)),
    statMany: (list, signal) => files.statMany(list, signal),
    download: (file, sink, options) => files.download(file, sink, options),
    close: () => files.close(),
  }
}

const ms = (from: number): number => performance.now() - from

describe(`real iPhone (${found.reason})`, () => {
  // First: without its prerequisite every test here fails with the reason (never a silent pass).
  beforeAll(() => assertPrerequisite('real iPhone suite', found.device ? '' : found.reason, 'CRADLE_SKIP_REAL_IPHONE'))
  const mux = new MuxClient()
  let session: DeviceSession
  let afc: AfcClient

  afterAll(async () => {
    afc?.close()
    await session?.close()
    await stopHashWorker()
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
        if (FILE_PROBLEMS.has((error as { code?: string }).code ?? '')) continue // iCloud-only or refused: allowed
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

  // Figures for the simulator's link model (`cradle sim --latency-ms/--service-ms/--bandwidth-mbps`),
  // printed, not asserted: a phone's timings are what they are. What is asserted is that the
  // lock-step and pipelined stats agree.
  it('prints what this phone costs per request and per byte (for the simulator link knobs)', async () => {
    const { files } = await afc.walk('/DCIM')
    expect(files.length).toBeGreaterThan(0)
    const target = files[0]!.path
    const LOCKSTEP = 50
    const PIPELINED = 400
    let t = performance.now()
    const single: (number | undefined)[] = []
    for (let i = 0; i < LOCKSTEP; i++) single.push((await afc.statMany([target]))[0]?.size)
    const lockstepMs = ms(t) / LOCKSTEP
    t = performance.now()
    const many = await afc.statMany(Array.from({ length: PIPELINED }, () => target))
    const pipelinedMs = ms(t) / PIPELINED
    expect(new Set([...single, ...many.map((s) => s?.size)])).toEqual(new Set([files[0]!.stat.size]))
    const readable = files.filter((f) => f.stat.size >= 20e6 && f.stat.size <= 400e6).sort((a, b) => b.stat.size - a.stat.size)
    let pull = 'no file of 20–400 MB to time a pull'
    for (const f of readable) {
      t = performance.now()
      try {
        await afc.download(f.path, new Writable({ write: (_c, _e, cb) => cb() }), { size: f.stat.size })
      } catch (error) {
        if (FILE_PROBLEMS.has((error as { code?: string }).code ?? '')) continue
        throw error
      }
      pull = `pull of ${(f.stat.size / 1e6).toFixed(0)} MB: ${(f.stat.size / 1e6 / (ms(t) / 1000)).toFixed(1)} MB/s (--bandwidth-mbps)`
      break
    }
    console.warn(
      `[real iPhone suite] GetFileInfo lock-step ${lockstepMs.toFixed(2)} ms, pipelined ${pipelinedMs.toFixed(3)} ms per request: ` +
        `the phone serves one at a time, so --service-ms ≈ ${pipelinedMs.toFixed(3)} and --latency-ms ≈ ${Math.max(0, lockstepMs - pipelinedMs).toFixed(2)}; ${pull}`,
    )
  }, 300_000)

  it('backs up the newest few files into a fresh library through the engine, verified against SHA-256 of what AFC reads', async () => {
    const { files } = await afc.walk('/DCIM')
    // The engine skips dot-folders (the phone's own bookkeeping); so does the choice.
    const newest = files
      .filter((f) => !f.path.slice('/DCIM/'.length).split('/').some((part) => part.startsWith('.')))
      .filter((f) => f.stat.size > 0 && f.stat.size <= BACKUP_MAX_BYTES)
      .sort((a, b) => (b.stat.mtimeNs > a.stat.mtimeNs ? 1 : b.stat.mtimeNs < a.stat.mtimeNs ? -1 : 0))
    const expected: ExpectedFile[] = []
    let skipped = 0
    for (const f of newest) {
      if (expected.length >= BACKUP_FILES) break
      let sha256: string
      try {
        sha256 = await afcSha256(afc, f.path, f.stat.size)
      } catch (error) {
        if (!FILE_PROBLEMS.has((error as { code?: string }).code ?? '')) throw error
        skipped++
        continue
      }
      const folder = f.path.slice('/DCIM/'.length, f.path.lastIndexOf('/'))
      const name = f.path.slice(f.path.lastIndexOf('/') + 1)
      expected.push({ devicePath: f.path, hostPath: '', size: f.stat.size, sha256, captureUtc: null, offsetMinutes: null, itemKey: `${folder}/${baseStemOf(name)}` })
    }
    expect(expected.length, 'the phone needs at least one photo the suite can read').toBeGreaterThan(0)

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-real-iphone-'))
    const lib = Library.open(path.join(dir, 'data'), defaultSettings(path.join(dir, 'Library')))
    const engineAfc = await session.openAfc()
    try {
      lib.prepare()
      const udid = session.info.udid
      const counts = await runBackup(
        {
          udid,
          connection: lib.beginConnection({ udid, name: session.info.name }),
          files: onlyThese(afcPhoneFiles(engineAfc), expected.map((e) => e.devicePath)),
          library: lib,
          now: Date.now,
          log: createLogger('test/real-iphone'),
          onAssets: () => undefined,
          onProgress: () => undefined,
          onScanned: () => undefined,
        },
        new AbortController().signal,
      )
      expect(counts.failed).toBe(0)
      // Identical content twice among them is imported once and counted as already there.
      expect(counts.imported + counts.alreadyHad).toBe(expected.length)
      expect(verifyLibrary(lib, expected, { udid })).toEqual([])
      console.warn(`[real iPhone suite] backed up the ${expected.length} newest readable files (${(counts.bytes / 1e6).toFixed(2)} MB; ${skipped} unreadable skipped) into a fresh library, each matching the phone's SHA-256`)
    } finally {
      engineAfc.close()
      lib.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 600_000)
})
