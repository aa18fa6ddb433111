/**
 * The engine against a virtual iPhone whose camera roll has every edge case the users' pains come
 * from: the IMG_9999 → IMG_0001 wrap across 1xxAPPLE folders, Live Photo pairs, edits (IMG_E… +
 * .AAE), screenshots, a zero-byte file, odd names (spaces, NFD accents, a 243-byte name), files only
 * in iCloud (listed, unreadable), and a second folder that reuses the same IMG_ numbers with other
 * content. Real sockets, real catalog, real files; the library is checked byte by byte.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { Engine } from '../../../src/main/engine/engine.js'
import { findExifThumbnail } from '../../../src/main/library/exif-thumbnail.js'
import { generateCameraRoll } from '../../../src/sim/roll/generator.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import type { HistoryEntry } from '../../../src/shared/state.js'
import { deviceOf, openLibrary, startTestEngine, ON_CHARGER, tempDirs, waitForState, type TempDirs } from '../../helpers/engine.js'
import { expectedFromDcim, verifyLibrary, type ExpectedFile } from '../../helpers/engine-roll.js'

let sim: Simulator
let dirs: TempDirs
let engine: Engine | undefined
let expected: ExpectedFile[]
let unreadable: Set<string>
let udid: string

beforeAll(async () => {
  dirs = tempDirs()
  const dcim = path.join(dirs.dir, 'DCIM')
  // Roll A: 160 items from IMG_9904 wrapping to IMG_0001 in 101APPLE, plus the odd extras.
  const a = await generateCameraRoll(dcim, { count: 160, seed: 11 })
  // Roll B: other content under the same names IMG_0001… in a third folder (a restored or merged roll).
  const bDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-rollb-'))
  const b = await generateCameraRoll(bDir, { count: 30, seed: 12, startNumber: 1, oddNames: false })
  fs.renameSync(path.join(bDir, '100APPLE'), path.join(dcim, '103APPLE'))
  fs.rmSync(bDir, { recursive: true, force: true })
  expected = expectedFromDcim(dcim, [{ manifest: a }, { manifest: b, rename: (p) => p.replace(/^100APPLE\//, '103APPLE/') }])

  // iCloud-only: the still of a Live Photo (its video is on the phone), a plain photo and a video.
  const files = a.files
  const liveStill = files.find((f) => f.role === 'live-photo')!
  const photo = files.find((f) => f.role === 'photo' && f.path.endsWith('.HEIC'))!
  const video = files.find((f) => f.role === 'video')!
  unreadable = new Set([liveStill, photo, video].map((f) => `/DCIM/${f.path}`))
  sim = await startSimulator({
    devices: [{ dcimDir: dcim, battery: ON_CHARGER, unreadable: { paths: [...unreadable] } }],
  })
  udid = sim.devices[0]!.udid
}, 120_000)

afterAll(async () => {
  await engine?.stop()
  await sim?.close()
  dirs?.cleanup()
})

const historyFor = (entries: HistoryEntry[]): HistoryEntry[] => entries.filter((h) => h.kind === 'import' && h.udid === udid)

/** Unplugs the phone, plugs it back in and waits for the import that connection runs. */
async function replugForNextImport(what: string): Promise<HistoryEntry> {
  const phone = sim.devices[0]!
  const before = historyFor(engine!.current().history).length
  phone.detach()
  await waitForState(engine!, (s) => !deviceOf(s, udid), 10_000, 'the detach')
  phone.attach()
  return waitForState(engine!, (s) => {
    const h = historyFor(s.history)
    return h.length > before ? h[0] : undefined
  }, 60_000, what)
}

describe('a camera roll with every edge case', () => {
  it('has the edge cases the test claims (guards the fixture)', () => {
    const names = expected.map((f) => f.devicePath)
    expect(names.some((n) => n.startsWith('/DCIM/100APPLE/IMG_9999.'))).toBe(true)
    expect(names.some((n) => n.startsWith('/DCIM/101APPLE/IMG_0001.'))).toBe(true)
    expect(names.some((n) => n.startsWith('/DCIM/103APPLE/IMG_0001.'))).toBe(true)
    expect(names.some((n) => /IMG_E\d{4}\.HEIC$/.test(n))).toBe(true)
    expect(names.some((n) => n.endsWith('.AAE'))).toBe(true)
    expect(names.some((n) => n.endsWith('.PNG'))).toBe(true)
    expect(expected.some((f) => f.size === 0)).toBe(true)
    expect(names.some((n) => n.normalize('NFC') !== n)).toBe(true)
    expect(names.some((n) => n.includes(' '))).toBe(true)
    expect(names.some((n) => n.includes('.MISC'))).toBe(false) // hidden folder: not part of the roll
    const pairs = new Map<string, string[]>()
    for (const f of expected) pairs.set(f.itemKey, [...(pairs.get(f.itemKey) ?? []), f.devicePath])
    expect([...pairs.values()].some((m) => m.some((p) => p.endsWith('.HEIC')) && m.some((p) => p.endsWith('.MOV')))).toBe(true)
  })

  it('imports every readable file byte-identical into its capture month, groups intact, iCloud-only files reported apart', async () => {
    engine = await startTestEngine({ muxAddress: sim.address, dirs })
    const finished = await waitForState(engine, (s) => historyFor(s.history)[0] && s, 90_000, 'the first import')
    const entry = historyFor(finished.history)[0]!
    const readable = expected.length - unreadable.size
    expect(entry.error).toBeNull()
    expect(entry.imported).toBe(readable)
    expect(entry.failed).toBe(0)
    expect(entry.unavailable).toBe(unreadable.size)

    const device = await waitForState(engine, (s) => {
      const d = deviceOf(s, udid)
      return d?.phase === 'done' ? d : undefined
    })
    expect(device.itemsOnPhone).toBe(expected.length)
    expect(device.itemsSafe).toBe(readable)
    expect(device.itemsNotOnPhone).toBe(unreadable.size)
    expect(device.problem).toBeNull()
    const state = engine.current()
    expect(state.queue.counts.notOnPhone).toBe(unreadable.size)
    expect(state.queue.counts.failed).toBe(0)
    // "Not on this iPhone" is information, not a problem that asks the user to act.
    expect(state.problems).toEqual([])

    const lib = openLibrary(dirs)
    try {
      expect(verifyLibrary(lib, expected, { udid, unreadable })).toEqual([])
      // The snapshot that reported the finished run already counted every file now in the library.
      const assets = lib.db.prepare<[], { n: number; bytes: number }>('SELECT COUNT(*) AS n, SUM(size) AS bytes FROM assets').get()!
      expect([finished.library.assetCount, finished.library.bytes]).toEqual([assets.n, assets.bytes])
      // The same IMG numbers from two folders, same month: both kept, the later group renamed as a whole.
      const rows = lib.db.prepare<[string], { path: string; library_path: string }>(
        "SELECT f.path, a.library_path FROM device_files f JOIN assets a ON a.id = f.asset_id WHERE f.udid = ? AND f.file_name LIKE 'IMG_0001.%'",
      ).all(udid)
      const paths = rows.map((r) => r.library_path)
      expect(new Set(paths).size).toBe(rows.length)
      expect(rows.some((r) => r.path.startsWith('/DCIM/103APPLE/'))).toBe(true)
    } finally {
      lib.close()
    }
  }, 120_000)

  it('lists one queue row per photo: a Live Photo is one row with its two files, and the counts are photos', async () => {
    const page = await engine!.handle('listQueue', { filter: 'all', offset: 0, limit: 1000 })
    expect(page.total).toBe(page.items.length)
    // Every file of the roll is in exactly one row, and no row is an .AAE or a Live Photo's video alone.
    expect(page.items.flatMap((i) => i.files.map((f) => f.fileName)).length).toBe(expected.length)
    expect(page.items.length).toBeLessThan(expected.length)
    expect(page.items.filter((i) => /\.AAE$/i.test(i.fileName))).toEqual([])
    const stem = (name: string): string => name.slice(0, name.lastIndexOf('.'))
    const live = page.items.find((i) => i.groupKind === 'live' && i.importState === 'done')!
    expect(live.files.map((f) => [f.fileName, f.importState])).toEqual([[live.fileName, 'done'], [`${stem(live.fileName)}.MOV`, 'done']])
    expect(live.fileName).toMatch(/\.HEIC$/)
    expect(live.size).toBe(live.files[0]!.size + live.files[1]!.size)
    // The Live Photo whose still is only in iCloud: one row, not on the phone, its video in the library.
    const halfThere = page.items.filter((i) => i.groupKind === 'live' && i.importState === 'not-on-phone')
    expect(halfThere).toHaveLength(1)
    expect([...unreadable].some((p) => p.endsWith(`/${halfThere[0]!.fileName}`))).toBe(true)
    expect(halfThere[0]!.files.map((f) => [f.fileName, f.importState])).toEqual([[halfThere[0]!.fileName, 'not-on-phone'], [`${stem(halfThere[0]!.fileName)}.MOV`, 'done']])
    expect(halfThere[0]!.error?.code).toBe('file-not-on-device')
    const edited = page.items.find((i) => i.files.some((f) => /\.AAE$/i.test(f.fileName)))!
    expect(edited.groupKind).toBe('edited')
    // The counts say the same: photos and videos, not files.
    const counts = engine!.current().queue.counts
    expect(counts.all).toBe(page.items.length)
    expect(counts.done + counts.notOnPhone + counts.importFailed + counts.importPending).toBe(counts.all)
    expect(counts.notOnPhone).toBe(page.items.filter((i) => i.importState === 'not-on-phone').length)
  })

  it('offers the window a thumbnail for imported JPEGs (their EXIF one) and screenshots, none for HEIC or video', async () => {
    const page = await engine!.handle('listQueue', { filter: 'done', offset: 0, limit: 10_000 })
    const byExt = (re: RegExp) => page.items.filter((i) => re.test(i.fileName))
    const jpegs = byExt(/\.JPG$/i).filter((i) => i.size > 0)
    const pngs = byExt(/\.PNG$/i)
    const others = byExt(/\.(HEIC|MOV|AAE)$/i)
    const empty = page.items.filter((i) => i.size === 0)
    expect(empty.length).toBe(1)
    expect(await engine!.thumbnail(empty[0]!.id)).toBeNull()
    expect(jpegs.length).toBeGreaterThan(3)
    expect(pngs.length).toBeGreaterThan(0)
    expect(others.length).toBeGreaterThan(10)
    for (const item of jpegs) {
      expect(item.thumbnail, item.fileName).toBe(true)
      const thumb = await engine!.thumbnail(item.id)
      const embedded = findExifThumbnail(fs.readFileSync(path.join(dirs.libraryDir, item.libraryPath!)))
      expect(thumb?.contentType).toBe('image/jpeg')
      expect(Buffer.from(thumb!.bytes)).toEqual(Buffer.from(embedded!))
    }
    for (const item of pngs) {
      expect(item.thumbnail).toBe(true)
      expect((await engine!.thumbnail(item.id))?.contentType).toBe('image/png')
    }
    for (const item of others) {
      expect(item.thumbnail, item.fileName).toBe(false)
      expect(await engine!.thumbnail(item.id)).toBeNull()
    }
    const notImported = (await engine!.handle('listQueue', { filter: 'not-on-phone', offset: 0, limit: 10 })).items
    expect(notImported.length).toBeGreaterThan(0)
    for (const item of notImported) expect(await engine!.thumbnail(item.id)).toBeNull()
    for (const id of ['0', '-1', 'abc', '../1', '99999999']) expect(await engine!.thumbnail(id)).toBeNull()
  })

  it('a second connection imports nothing and counts every readable file as already safe', async () => {
    const filesBefore = fs.readdirSync(dirs.libraryDir, { recursive: true }).length
    const entry = await replugForNextImport('the second import')
    expect(entry.imported).toBe(0)
    expect(entry.alreadyHad).toBe(expected.length - unreadable.size)
    // iCloud-only files are tried again on a new connection, and are still not there.
    expect(entry.unavailable).toBe(unreadable.size)
    expect(entry.failed).toBe(0)
    expect(entry.bytes).toBe(0)
    expect(fs.readdirSync(dirs.libraryDir, { recursive: true }).length).toBe(filesBefore)
  }, 90_000)

  it('a file that comes back from iCloud is imported on the next connection, into its group', async () => {
    sim.devices[0]!.setUnreadable({ paths: [] })
    const entry = await replugForNextImport('the third import')
    expect(entry.imported).toBe(unreadable.size)
    expect(entry.unavailable).toBe(0)
    await engine!.stop()
    engine = undefined
    const lib = openLibrary(dirs)
    try {
      expect(verifyLibrary(lib, expected, { udid })).toEqual([])
      // The checker itself can fail: a changed byte and a removed file are both reported.
      const [changed, removed] = lib.db.prepare<[], { library_path: string }>("SELECT library_path FROM assets WHERE size > 100 ORDER BY id LIMIT 2").all()
      const changedAbs = path.join(dirs.libraryDir, changed!.library_path)
      const bytes = fs.readFileSync(changedAbs)
      bytes[50] = bytes[50]! ^ 0xff
      fs.writeFileSync(changedAbs, bytes)
      fs.rmSync(path.join(dirs.libraryDir, removed!.library_path))
      const problems = verifyLibrary(lib, expected, { udid }).join('\n')
      expect(problems).toContain(`${changed!.library_path} differs from the phone's bytes`)
      expect(problems).toContain(`${removed!.library_path} missing`)
    } finally {
      lib.close()
    }
  }, 90_000)
})
