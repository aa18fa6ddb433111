/**
 * Two iPhones plugged in at once that share half their photos (the same files AirDropped or
 * restored onto both; here: whole items copied from one roll into the other's DCIM). Both import
 * concurrently; shared content must be stored once, each phone's rows must point at it, and each
 * phone's counts (on the phone / safe) must be its own.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { Engine } from '../../../src/main/engine/engine.js'
import { generateCameraRoll, type CameraRollManifest } from '../../../src/sim/roll/generator.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import { deviceOf, openLibrary, startTestEngine, tempDirs, waitForState, type TempDirs } from '../../helpers/engine.js'
import { expectedFromDcim, verifyLibrary, type ExpectedFile } from '../../helpers/engine-roll.js'

let sim: Simulator
let dirs: TempDirs
let engine: Engine | undefined
let rollA: CameraRollManifest
let expectedA: ExpectedFile[]
let expectedB: ExpectedFile[]
let udidA: string
let udidB: string

const power = { level: 80, charging: true, externalPower: true }

beforeAll(async () => {
  dirs = tempDirs('cradle-two-')
  const dcimA = path.join(dirs.dir, 'A', 'DCIM')
  const dcimB = path.join(dirs.dir, 'B', 'DCIM')
  rollA = await generateCameraRoll(dcimA, { count: 40, seed: 31, photoBytes: 300_000, videoBytes: 1_200_000 })
  const rollB = await generateCameraRoll(dcimB, { count: 24, seed: 32, photoBytes: 300_000, videoBytes: 1_200_000 })
  // Phone B also holds every item of A's first folder (same bytes, same names, in its own folder).
  fs.cpSync(path.join(dcimA, '100APPLE'), path.join(dcimB, '104APPLE'), { recursive: true, preserveTimestamps: true })
  expectedA = expectedFromDcim(dcimA, [{ manifest: rollA }])
  expectedB = expectedFromDcim(dcimB, [{ manifest: rollB }, { manifest: rollA, rename: (p) => p.replace(/^100APPLE\//, '104APPLE/') }])
  sim = await startSimulator({
    devices: [
      { name: 'Ann’s iPhone', dcimDir: dcimA, battery: power },
      { name: 'Ben’s iPhone', dcimDir: dcimB, battery: power },
    ],
  })
  udidA = sim.devices[0]!.udid
  udidB = sim.devices[1]!.udid
}, 120_000)

afterAll(async () => {
  await engine?.stop()
  await sim?.close()
  dirs?.cleanup()
})

describe('two phones sharing half their photos', () => {
  it('stores shared content once and counts each phone on its own', async () => {
    const shared = expectedB.filter((f) => f.devicePath.startsWith('/DCIM/104APPLE/'))
    expect(shared.length).toBeGreaterThan(expectedB.length / 3)

    engine = await startTestEngine({ muxAddress: sim.address, dirs })
    const done = await waitForState(engine, (s) => {
      const a = deviceOf(s, udidA)
      const b = deviceOf(s, udidB)
      return a?.phase === 'done' && b?.phase === 'done' ? { a, b } : undefined
    }, 90_000, 'both phones to finish')
    expect(done.a.itemsOnPhone).toBe(expectedA.length)
    expect(done.a.itemsSafe).toBe(expectedA.length)
    expect(done.b.itemsOnPhone).toBe(expectedB.length)
    expect(done.b.itemsSafe).toBe(expectedB.length)
    expect(done.a.name).toBe('Ann’s iPhone')
    expect(done.b.name).toBe('Ben’s iPhone')

    // Each phone's run: what it imported plus what the other had already brought is all of it.
    const runs = engine.current().history.filter((h) => h.kind === 'import')
    const runA = runs.find((h) => h.udid === udidA)!
    const runB = runs.find((h) => h.udid === udidB)!
    expect(runA.failed + runB.failed).toBe(0)

    await engine.stop()
    engine = undefined
    const lib = openLibrary(dirs)
    try {
      expect(verifyLibrary(lib, expectedA, { udid: udidA })).toEqual([])
      expect(verifyLibrary(lib, expectedB, { udid: udidB })).toEqual([])
      const contents = new Set([...expectedA, ...expectedB].map((f) => f.sha256))
      const assets = lib.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM assets').get()!.n
      expect(assets).toBe(contents.size)
      expect(assets).toBeLessThan(expectedA.length + expectedB.length)
      // A shared file: both phones' rows point at one asset.
      const assetOf = lib.db.prepare<[string, string], { asset_id: number; state: string }>('SELECT asset_id, state FROM device_files WHERE udid = ? AND path = ?')
      for (const f of shared) {
        const a = assetOf.get(udidA, f.devicePath.replace('/104APPLE/', '/100APPLE/'))!
        const b = assetOf.get(udidB, f.devicePath)!
        expect(b.asset_id, f.devicePath).toBe(a.asset_id)
      }
      // Imported + already had, over both runs, covers every distinct file exactly once.
      expect(runA.imported + runB.imported).toBe(contents.size)
      expect(lib.deviceCounts(udidA)).toMatchObject({ itemsOnPhone: expectedA.length, itemsSafe: expectedA.length, itemsNotOnPhone: 0, itemsUnreadable: 0, itemsInRecentlyDeleted: 0, itemsInICloudOnly: 0 })
      expect(lib.deviceCounts(udidB)).toMatchObject({ itemsOnPhone: expectedB.length, itemsSafe: expectedB.length, itemsNotOnPhone: 0, itemsUnreadable: 0, itemsInRecentlyDeleted: 0, itemsInICloudOnly: 0 })
    } finally {
      lib.close()
    }
  }, 150_000)
})
