/**
 * Unplugging the cable mid-backup, 20 times at seeded random byte offsets: the virtual iPhone cuts
 * its connections after N more bytes (dropAfterBytes), then the test unplugs it (Detached) and plugs
 * it in again. After each unplug nothing partial may sit under a final name; at the end the library
 * must be complete and consistent, and the bytes pulled in total must show that interrupted files
 * continued from their offset instead of starting over.
 * A second case drops the connection without a Detached event (a flaky port, afcd restarting):
 * the engine must reconnect by itself.
 */
import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { CATALOG_FILE } from '../../../src/main/library/library.js'
import { startSimulator } from '../../../src/sim/index.js'
import { deviceOf, openLibrary, recordDownloads, startTestEngine, engineTestRig, tempDirs, waitForState, type DownloadCall } from '../../helpers/engine.js'
import { seededRandom } from '../../helpers/seeded-random.js'
import { expectedFromDcim, PartialFileWatch, stopAndVerifyLibrary, verifyLibrary } from '../../helpers/engine-roll.js'

const rig = engineTestRig()

const UNPLUGS = 20

async function waitUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}
const SEED = 20_260_501

describe('unplug and re-attach during one backup', () => {
  it(`survives ${UNPLUGS} unplugs at random byte offsets: complete, nothing partial, resumed from offsets`, async () => {
    rig.dirs = tempDirs()
    rig.sim = await startSimulator({
      devices: [{ photos: { count: 24, seed: 5, photoBytes: 2_000_000, videoBytes: 16_000_000 }, battery: { level: 90, charging: true, externalPower: true } }],
    })
    const phone = rig.sim.devices[0]!
    const udid = phone.udid
    const roll = rig.sim.roll(udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    const rollBytes = expected.reduce((s, f) => s + f.size, 0)
    const watch = new PartialFileWatch(rig.dirs.libraryDir, expected)

    // 20 cut points spread over the roll's bytes; each is armed as "this many more bytes" after a re-attach.
    const rnd = seededRandom(SEED)
    const points = Array.from({ length: UNPLUGS }, () => Math.floor(rnd() * rollBytes * 0.9)).sort((a, b) => a - b)
    const gaps = points.map((p, i) => Math.max(16_384, p - (i === 0 ? 0 : points[i - 1]!)))

    const downloads: DownloadCall[] = []
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs, wrapPort: recordDownloads(downloads) })
    const reader = new Database(path.join(rig.dirs.dataDir, CATALOG_FILE), { readonly: true, fileMustExist: true })
    let unplugs = 0
    let resumableFiles = 0
    let keptBytes = 0
    try {
      for (const gap of gaps) {
        const dropped = new Promise<'dropped'>((resolve) => (phone.link.onDrop = () => resolve('dropped')))
        phone.setFaults({ dropAfterBytes: gap })
        const finished = waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done' && 'finished', 60_000, 'a drop or the end')
        const outcome = await Promise.race([dropped, finished])
        if (outcome === 'finished') break
        phone.detach()
        unplugs++
        await waitForState(rig.engine, (s) => !deviceOf(s, udid), 10_000, 'the detach')
        expect(watch.check()).toEqual([])
        // The session records the kept prefix as it winds down; wait until no file is mid-import.
        await waitUntil(() => reader.prepare("SELECT 1 FROM device_files WHERE state = 'importing'").get() === undefined)
        const kept = reader.prepare<[], { n: number; bytes: number | null }>("SELECT COUNT(*) AS n, SUM(staged_bytes) AS bytes FROM device_files WHERE staged_bytes > 0 AND state = 'pending'").get()!
        resumableFiles += kept.n
        keptBytes += kept.bytes ?? 0
        phone.attach()
      }
    } finally {
      reader.close()
      phone.link.onDrop = undefined
      phone.setFaults({ dropAfterBytes: 0 })
    }
    expect(unplugs).toBe(UNPLUGS)
    // Each cut was followed by Detached: History says unplugged, never "connection lost".
    const errors = rig.engine.current().history.filter((h) => h.udid === udid && h.error).map((h) => h.error!.code)
    expect(errors.length).toBeGreaterThan(0)
    expect(new Set(errors)).toEqual(new Set(['device-unplugged']))
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', 90_000, 'the backup to finish')
    await rig.engine.stop()
    rig.engine = undefined

    const lib = openLibrary(rig.dirs)
    try {
      expect(verifyLibrary(lib, expected, { udid })).toEqual([])
      expect(lib.checkConsistency({ deep: true })).toEqual([])
    } finally {
      lib.close()
    }
    // Interrupted files kept their prefix and continued from it: per file, each new download
    // starts where the last stopped (never back at 0), and many started past 0.
    const byPath = new Map<string, number[]>()
    for (const d of downloads) byPath.set(d.path, [...(byPath.get(d.path) ?? []), d.offset])
    const restarted = [...byPath].filter(([, offsets]) => offsets.some((o, i) => i > 0 && o < offsets[i - 1]!))
    expect(restarted).toEqual([])
    expect(downloads.filter((d) => d.offset > 0).length).toBeGreaterThanOrEqual(UNPLUGS / 2)
    expect(resumableFiles).toBeGreaterThanOrEqual(UNPLUGS / 2)
    // In bytes: had they started over, every kept prefix would have been pulled again, so the
    // device→host bytes beyond one copy of the roll (handshakes, listings, files) would exceed
    // keptBytes. What an unplug does lose is the AFC reply cut in half (≤ 1 MiB per file, engine
    // device-adapter) — replies that had arrived are still written after the Detached event.
    const extra = phone.link.bytesSent - rollBytes
    expect(extra).toBeLessThan(keptBytes / 4)
    expect(phone.link.bytesSent).toBeLessThan(rollBytes * 1.25)
  }, 180_000)

  it('reconnects by itself when the connection drops but the phone stays attached', async () => {
    rig.dirs = tempDirs()
    rig.sim = await startSimulator({
      devices: [{ photos: { count: 12, seed: 6, photoBytes: 1_500_000, videoBytes: 6_000_000 }, battery: { level: 90, charging: true, externalPower: true } }],
    })
    const phone = rig.sim.devices[0]!
    const udid = phone.udid
    const roll = rig.sim.roll(udid)!
    const expected = expectedFromDcim(roll.dir, [{ manifest: roll }])
    const rollBytes = expected.reduce((s, f) => s + f.size, 0)
    // Three drops, each a quarter of the roll apart; usbmuxd keeps listing the phone throughout.
    phone.setFaults({ dropAfterBytes: Math.floor(rollBytes / 4), dropRepeat: true })
    let drops = 0
    phone.link.onDrop = () => {
      if (++drops === 3) phone.setFaults({ dropAfterBytes: 0, dropRepeat: false })
    }
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    await waitForState(rig.engine, (s) => deviceOf(s, udid)?.phase === 'done', 90_000, 'the backup to finish after the drops')
    expect(drops).toBe(3)
    const history = rig.engine.current().history.filter((h) => h.udid === udid)
    expect(history[0]!.error).toBeNull()
    // usbmuxd listed the phone throughout: each drop is "connection lost", none "unplugged".
    expect(history.filter((h) => h.error?.code === 'device-connection-lost').length).toBe(3)
    expect(history.filter((h) => h.error?.code === 'device-unplugged')).toEqual([])
    expect(await stopAndVerifyLibrary(rig, expected, { udid })).toEqual([])
  }, 120_000)

  it('quitting mid-backup is not an unplug: History says Cradle quit', async () => {
    rig.dirs = tempDirs()
    rig.sim = await startSimulator({
      devices: [{ photos: { count: 8, seed: 7, photoBytes: 1_000_000, videoBytes: 4_000_000 }, battery: { level: 90, charging: true, externalPower: true } }],
    })
    const phone = rig.sim.devices[0]!
    // Slow enough that the stop lands mid-import.
    phone.setFaults({ bandwidthMBps: 2 })
    rig.engine = await startTestEngine({ muxAddress: rig.sim.address, dirs: rig.dirs })
    await waitForState(rig.engine, (s) => (deviceOf(s, phone.udid)?.progress?.bytesDone ?? 0) > 0, 30_000, 'the import to move')
    await rig.engine.stop()
    rig.engine = undefined
    const reader = new Database(path.join(rig.dirs.dataDir, CATALOG_FILE), { readonly: true, fileMustExist: true })
    try {
      const rows = reader.prepare<[], { error_code: string | null; error_context: string | null }>("SELECT error_code, error_context FROM history WHERE kind = 'import'").all()
      expect(rows).toEqual([{ error_code: 'aborted', error_context: JSON.stringify({ quit: true }) }])
    } finally {
      reader.close()
    }
  }, 60_000)
})
