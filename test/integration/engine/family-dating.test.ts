/**
 * An edited photo is filed under the month it was taken, not the month it was edited, however the
 * parallel import workers happen to race. The .AAE sidecar has no capture date of its own (only
 * its edit time, which can be weeks later), so it must never be the member that creates the
 * group. The port below holds the still and the rendered edit of one edited item until the
 * sidecar is in the catalog — or until two files of other items are done, which is what happens
 * when the engine keeps one set's members back while its first member is in flight. Without that,
 * the three members run side by side, the tiny sidecar wins and dates the group.
 */
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { Engine } from '../../../src/main/engine/engine.js'
import type { PhonePort } from '../../../src/main/engine/phone-port.js'
import { CATALOG_FILE } from '../../../src/main/library/library.js'
import { generateCameraRoll, type RollFile } from '../../../src/sim/roll/generator.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import { deviceOf, interceptDownloads, openLibrary, startTestEngine, ON_CHARGER, tempDirs, waitForState, type TempDirs } from '../../helpers/engine.js'
import { expectedFolder, expectedFromDcim, verifyLibrary, type ExpectedFile } from '../../helpers/engine-roll.js'

let sim: Simulator
let dirs: TempDirs
let engine: Engine | undefined
let expected: ExpectedFile[]
let udid: string
/** The edited item whose sidecar's edit time falls in another month than its capture. */
let edited: { still: string; render: string; sidecar: string }

/** Where a file dated only by its file times goes: the month of that instant on this computer's clock. */
const fileTimeFolder = (ms: number): string => {
  const d = new Date(ms)
  return `${d.getFullYear()}/${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`
}

beforeAll(async () => {
  dirs = tempDirs()
  const dcim = path.join(dirs.dir, 'DCIM')
  const roll = await generateCameraRoll(dcim, { count: 60, seed: 5, oddNames: false })
  expected = expectedFromDcim(dcim, [{ manifest: roll }])
  const byItem = new Map<number, RollFile[]>()
  for (const f of roll.files) byItem.set(f.item, [...(byItem.get(f.item) ?? []), f])
  const items = [...byItem.values()]
  const index = items.findIndex((files) => {
    const sidecar = files.find((f) => f.role === 'edit-sidecar')
    return sidecar && files.length === 3 && fileTimeFolder(sidecar.mtimeMs) !== expectedFolder(sidecar.captureUtc, sidecar.offsetMinutes)
  })
  // Guards the fixture: such an item exists, with at least two other items after it to keep the other workers busy.
  expect(index).toBeGreaterThanOrEqual(0)
  expect(items.length - index).toBeGreaterThan(2)
  const files = items[index]!
  const at = (role: RollFile['role']): string => `/DCIM/${files.find((f) => f.role === role)!.path}`
  edited = { still: at('photo'), render: at('edit-render'), sidecar: at('edit-sidecar') }
  sim = await startSimulator({ devices: [{ dcimDir: dcim, battery: ON_CHARGER }] })
  udid = sim.devices[0]!.udid
}, 120_000)

afterAll(async () => {
  await engine?.stop()
  await sim?.close()
  dirs?.cleanup()
})

/** Holds the edited item's still and render until its sidecar is catalogued or two other items' files are done. */
function holdStillAndRender(catalogPath: string): (port: PhonePort) => PhonePort {
  let othersDone = 0
  const waiting: (() => void)[] = []
  const sidecarDone = (): boolean => {
    if (!fs.existsSync(catalogPath)) return false
    const db = new Database(catalogPath, { readonly: true, fileMustExist: true })
    try {
      return db.prepare("SELECT 1 FROM device_files WHERE path = ? AND state = 'done'").get(edited.sidecar) !== undefined
    } finally {
      db.close()
    }
  }
  const released = (): boolean => othersDone >= 2 || sidecarDone()
  const poll = (): void => {
    if (!released()) {
      setTimeout(poll, 20)
      return
    }
    for (const go of waiting.splice(0)) go()
  }
  const member = new Set([edited.still, edited.render, edited.sidecar])
  return interceptDownloads(async (p, _offset, download) => {
    if (p === edited.still || p === edited.render) {
      if (waiting.length === 0) setTimeout(poll, 20)
      await new Promise<void>((go) => waiting.push(go))
    }
    await download()
    if (!member.has(p)) othersDone++
  })
}

describe('the date of an edited photo', () => {
  it('comes from the photo, never from its edit sidecar, whichever member finishes first', async () => {
    engine = await startTestEngine({ muxAddress: sim.address, dirs, wrapPort: holdStillAndRender(path.join(dirs.dataDir, CATALOG_FILE)) })
    await waitForState(engine, (s) => deviceOf(s, udid)?.phase === 'done', 90_000, 'the import')
    await engine.stop()
    engine = undefined
    const lib = openLibrary(dirs)
    try {
      expect(verifyLibrary(lib, expected, { udid })).toEqual([])
      const folders = lib.db.prepare<[string], { library_path: string }>(
        'SELECT a.library_path FROM device_files d JOIN assets a ON a.id = d.asset_id WHERE d.path = ?',
      )
      const sidecarFolder = path.posix.dirname(folders.get(edited.sidecar)!.library_path)
      expect(path.posix.dirname(folders.get(edited.still)!.library_path)).toBe(sidecarFolder)
    } finally {
      lib.close()
    }
  })
})
