/**
 * `cradle backup --once --json` and `cradle status --json` as a script sees them: the CLI from
 * source (tsx) in a child process against the virtual iPhone, real catalog and library in a temp
 * folder. Checks the JSON lines (progress…, one line per phone, a summary last), the numbers in
 * them, and the exit status (0 done, 1 failed with one line on stderr, 2 usage).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import { runCliProcess } from '../../helpers/cli.js'
import { tempDirs, type TempDirs } from '../../helpers/engine.js'
import { pairWithSim } from '../../helpers/engine-cli.js'
import { expectedFromDcim, type ExpectedFile } from '../../helpers/engine-roll.js'

let sim: Simulator
let dirs: TempDirs
let expected: ExpectedFile[]
let unreadable: string
let udid: string

beforeAll(async () => {
  dirs = tempDirs('cradle-cli-')
  sim = await startSimulator({ devices: [{ name: 'Ann’s iPhone', photos: { count: 12, seed: 71 }, battery: { level: 64, charging: true, externalPower: true } }] })
  const phone = sim.devices[0]!
  udid = phone.udid
  const roll = sim.roll(udid)!
  expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
  unreadable = `/DCIM/${roll.files.find((f) => f.kind === 'heic')!.path}`
  phone.setUnreadable({ paths: [unreadable] })
  await pairWithSim(sim.address, udid)
}, 120_000)

afterAll(async () => {
  await sim?.close()
  dirs?.cleanup()
})

interface Line { type: string; [k: string]: unknown }

function cradle(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; lines: Line[] }> {
  return runCliProcess([...args, '--data', dirs.dataDir, '--library', dirs.libraryDir], {
    env: { ...process.env, USBMUXD_SOCKET_ADDRESS: sim.address, CRADLE_LOG: 'silent' },
    timeoutMs: 90_000,
  }).then((r) => ({ ...r, lines: r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line) }))
}

const readable = (): ExpectedFile[] => expected.filter((f) => f.devicePath !== unreadable)

describe('cradle backup --once', () => {
  it('without --once is a usage error (exit 2)', async () => {
    const r = await cradle(['backup'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--once/)
  }, 60_000)

  it('with no phone connected: exit 1, a summary, and the reason on stderr', async () => {
    sim.devices[0]!.detach()
    try {
      const r = await cradle(['backup', '--once', '--json'])
      expect(r.code).toBe(1)
      expect(r.lines.at(-1)).toMatchObject({ type: 'summary', phones: 0, imported: 0, failed: 0 })
      expect(r.stderr.trim().split('\n')).toEqual(['cradle backup: No iPhone is connected. Connect your iPhone with a cable.'])
    } finally {
      sim.devices[0]!.attach()
    }
  }, 60_000)

  /** The first run's photos and videos imported (the queue's "done" counts the same). */
  let photosImported = 0

  it('imports and ends with a summary: imported, alreadyHad, unavailable, failed, bytes (exit 0)', async () => {
    const r = await cradle(['backup', '--once', '--json'])
    expect(r.stderr).not.toContain('cradle backup:')
    expect(r.code).toBe(0)
    expect(r.lines.length).toBeGreaterThanOrEqual(2)
    expect(new Set(r.lines.map((l) => l.type))).toSatisfy((types: Set<string>) => [...types].every((t) => ['progress', 'phone', 'summary'].includes(t)))
    for (const p of r.lines.filter((l) => l.type === 'progress')) {
      expect(p).toMatchObject({ udid, name: 'Ann’s iPhone' })
      expect(typeof p.bytesDone).toBe('number')
      expect(typeof p.itemsTotal).toBe('number')
    }
    const bytes = readable().reduce((s, f) => s + f.size, 0)
    expect(r.lines.filter((l) => l.type === 'phone')).toEqual([
      {
        type: 'phone', udid, name: 'Ann’s iPhone', imported: readable().length, alreadyHad: 0, unavailable: 1, unreadable: 0, failed: 0, bytes, error: null,
        // A phone without a Photos library database: counted from DCIM as before, and said why.
        inICloudOnly: 0, inRecentlyDeleted: 0,
        // The same run in photos and videos (a Live Photo's still and video are one): fewer than files.
        photosImported: expect.any(Number), photosNotBackedUp: 0, photosAlreadySafe: 0,
        // The one file the phone keeps only in iCloud is one photo.
        photosInICloudOnly: 1,
        photoLibrary: expect.objectContaining({ available: false, note: 'Albums and favorites are unavailable for this iPhone: the iPhone does not share its Photos library database' }),
      },
    ])
    photosImported = Number(r.lines.find((l) => l.type === 'phone')?.photosImported)
    expect(photosImported).toBeGreaterThan(0)
    expect(photosImported).toBeLessThan(readable().length)
    // The summary counts files, as documented: no photo counts there.
    expect(r.lines.at(-1)).toEqual({ type: 'summary', phones: 1, imported: readable().length, alreadyHad: 0, unavailable: 1, inICloudOnly: 0, inRecentlyDeleted: 0, unreadable: 0, failed: 0, bytes, uploads: [], errors: [] })
  }, 90_000)

  it('status --json after the run has the same numbers', async () => {
    const r = await runCliProcess(['status', '--json', '--data', dirs.dataDir, '--library', dirs.libraryDir], { timeoutMs: 60_000, env: { ...process.env, CRADLE_LOG: 'silent' } })
    expect(r.code).toBe(0)
    const s = JSON.parse(r.stdout) as {
      library: { path: string; items: number; bytes: number; available: boolean }
      phones: { udid: string; name: string; lastBackupAt: number | null; itemsOnPhone: number; itemsSafe: number; itemsNotOnPhone: number }[]
      queue: { pending: number; failed: number; notOnPhone: number; done: number }
      lastRun: { sourceName: string; imported: number; error: string | null } | null
    }
    const distinct = new Set(readable().map((f) => f.sha256)).size
    expect(s.library).toMatchObject({ path: dirs.libraryDir, items: distinct, available: true })
    expect(s.library.bytes).toBe(readable().filter((f, i, all) => all.findIndex((g) => g.sha256 === f.sha256) === i).reduce((n, f) => n + f.size, 0))
    expect(s.phones).toHaveLength(1)
    expect(s.phones[0]).toMatchObject({ udid, name: 'Ann’s iPhone', itemsOnPhone: expected.length, itemsSafe: readable().length, itemsNotOnPhone: 1, itemsUnreadable: 0 })
    expect(s.phones[0]!.lastBackupAt).toBeGreaterThan(Date.now() - 300_000)
    // The queue counts photos and videos, as the run's phone line does.
    expect(s.queue).toEqual({ pending: 0, failed: 0, notOnPhone: 1, done: photosImported })
    expect(s.lastRun).toMatchObject({ sourceName: 'Ann’s iPhone', imported: readable().length, error: null })
  }, 60_000)

  it('a second run imports nothing: alreadyHad = every readable file, 0 bytes', async () => {
    const r = await cradle(['backup', '--once', '--json'])
    expect(r.code).toBe(0)
    expect(r.lines.at(-1)).toMatchObject({ type: 'summary', phones: 1, imported: 0, alreadyHad: readable().length, unavailable: 1, failed: 0, bytes: 0, errors: [] })
  }, 90_000)

  it('a file the phone refuses (status 1 on open): "couldn\'t read 1" apart from iCloud-only, exit 1 with the reason; status counts it', async () => {
    const phone = sim.devices[0]!
    phone.setUnreadable({ files: { [unreadable]: { failOn: 'open', status: 1 } } })
    try {
      const r = await cradle(['backup', '--once', '--json'])
      expect(r.code).toBe(1)
      expect(r.lines.find((l) => l.type === 'phone')).toMatchObject({ error: null, imported: 0, unavailable: 0, unreadable: 1, failed: 0 })
      expect(r.lines.at(-1)).toMatchObject({ type: 'summary', imported: 0, alreadyHad: readable().length, unavailable: 0, unreadable: 1, failed: 0, errors: [] })
      expect(r.stderr.trim().split('\n')).toEqual(['cradle backup: 1 file could not be read from the iPhone; the next backup tries again ("cradle status" counts them)'])
      const st = await runCliProcess(['status', '--json', '--data', dirs.dataDir, '--library', dirs.libraryDir], { timeoutMs: 60_000, env: { ...process.env, CRADLE_LOG: 'silent' } })
      const s = JSON.parse(st.stdout) as { phones: { itemsNotOnPhone: number; itemsUnreadable: number; photos: { safe: number; unreadable: number } }[]; queue: { failed: number; notOnPhone: number } }
      expect(s.phones[0]).toMatchObject({ itemsNotOnPhone: 0, itemsUnreadable: 1, photos: { unreadable: 1 } })
      expect(s.queue).toMatchObject({ failed: 1, notOnPhone: 0 })
      const text = await runCliProcess(['status', '--data', dirs.dataDir, '--library', dirs.libraryDir], { timeoutMs: 60_000, env: { ...process.env, CRADLE_LOG: 'silent' } })
      // Counted in photos and videos, as the Photos app counts (a Live Photo's files are one).
      expect(s.phones[0]!.photos.safe).toBeGreaterThan(0)
      expect(text.stdout).toContain(`${s.phones[0]!.photos.safe} safe, couldn't read 1`)
    } finally {
      phone.setUnreadable({ paths: [unreadable] })
    }
  }, 120_000)

  it('a phone that is not charging: exit 1 and says so (not "busy")', async () => {
    const phone = sim.devices[0]!
    phone.setBattery({ charging: false, externalPower: false })
    try {
      const r = await cradle(['backup', '--once', '--json'])
      expect(r.code).toBe(1)
      const line = r.lines.find((l) => l.type === 'phone')!
      expect(line.error).toBe('Ann’s iPhone is not charging. Plug it into a charger or a port that charges it, or turn off "Import only while charging".')
      expect(r.stderr).toContain('cradle backup: Ann’s iPhone: Ann’s iPhone is not charging')
    } finally {
      phone.setBattery({ charging: true, externalPower: true })
    }
  }, 90_000)

  it('a phone that has not trusted this computer: exit 1, sends the user to cradle pair, the other phone still backed up', async () => {
    const stranger = await sim.addDevice({ name: 'Ben’s iPhone', trust: 'prompt', photos: { count: 2, seed: 72 }, battery: { level: 50, charging: true, externalPower: true } })
    try {
      const r = await cradle(['backup', '--once', '--json'])
      expect(r.code).toBe(1)
      const phones = r.lines.filter((l) => l.type === 'phone')
      expect(phones.map((p) => p.udid).sort()).toEqual([udid, stranger.udid].sort())
      // The name is readable before pairing, so the message says whose iPhone it is.
      expect(phones.find((p) => p.udid === stranger.udid)).toMatchObject({ name: 'Ben’s iPhone', error: expect.stringMatching(/^Ben’s iPhone has not trusted this computer yet\. Run "cradle pair"/) })
      expect(phones.find((p) => p.udid === udid)).toMatchObject({ error: null, imported: 0, alreadyHad: readable().length })
      expect(r.lines.at(-1)).toMatchObject({ type: 'summary', phones: 2 })
      expect(r.stderr).toMatch(/^cradle backup: .*cradle pair/m)
      expect(sim.pairRecords.has(stranger.udid)).toBe(false) // --once never starts the Trust flow
    } finally {
      stranger.detach()
    }
  }, 90_000)
})
