import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AfcOp } from '../../../src/main/device/afc/opcodes.js'
import { AfcStatus } from '../../../src/main/device/afc/status.js'
import { cString, splitCStrings } from '../../../src/main/device/afc/payloads.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import { SCHEMAS, PHOTOS_SCHEMAS } from '../../../src/sim/photos/schemas.js'
import { openAfc, statusOf } from './helpers/sim-client.js'

let sim: Simulator
let scratch: string

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-photos-'))
  sim = await startSimulator({
    devices: PHOTOS_SCHEMAS.map((schema, i) => ({ photos: { count: 30, seed: 5 }, photoLibrary: { schema }, udid: `00008110-00000000000000A${i}` })),
  })
})
afterAll(async () => {
  await sim?.close()
  fs.rmSync(scratch, { recursive: true, force: true })
})

/** Copies the three files (or only some) and counts the asset rows SQLite sees. */
function assetRows(dir: string, schema: (typeof PHOTOS_SCHEMAS)[number], files: string[]): string[] {
  const to = fs.mkdtempSync(path.join(scratch, 'copy-'))
  for (const f of files) fs.copyFileSync(path.join(dir, f), path.join(to, f))
  const db = new Database(path.join(to, 'Photos.sqlite'))
  try {
    return db.prepare<[], { ZUUID: string }>(`SELECT ZUUID FROM ${SCHEMAS[schema].assetTable} ORDER BY Z_PK`).all().map((r) => r.ZUUID)
  } finally {
    db.close()
  }
}

describe('the simulated Photos library', () => {
  it.each(PHOTOS_SCHEMAS.map((s, i) => [s, i] as const))('%s: the newest rows are only in the -wal', (schema, i) => {
    const lib = sim.photoLibrary(sim.devices[i]!.udid)!
    expect(lib.schema).toBe(schema)
    const walOnly = lib.assets.filter((a) => a.inWal).map((a) => a.uuid)
    expect(walOnly.length).toBeGreaterThanOrEqual(3)
    const withoutWal = assetRows(lib.dir, schema, ['Photos.sqlite'])
    const withWal = assetRows(lib.dir, schema, ['Photos.sqlite', 'Photos.sqlite-wal', 'Photos.sqlite-shm'])
    expect(withWal).toEqual(lib.assets.map((a) => a.uuid))
    expect(withoutWal).toEqual(lib.assets.filter((a) => !a.inWal).map((a) => a.uuid))
    expect(fs.statSync(path.join(lib.dir, 'Photos.sqlite-wal')).size).toBeGreaterThan(0)
  })

  it('describes the roll plus a CPLAssets original, an iCloud-only asset, favorites, hidden, trashed and two albums', () => {
    const udid = sim.devices[2]!.udid
    const lib = sim.photoLibrary(udid)!
    const roll = sim.roll(udid)!
    const cpl = lib.assets.filter((a) => a.phonePath.startsWith('/PhotoData/CPLAssets/'))
    expect(cpl.map((a) => a.iCloudOnly).sort()).toEqual([false, true])
    expect(fs.existsSync(path.join(lib.dir, ...cpl.find((a) => !a.iCloudOnly)!.phonePath.split('/').slice(2)))).toBe(true)
    expect(fs.existsSync(path.join(lib.dir, ...cpl.find((a) => a.iCloudOnly)!.phonePath.split('/').slice(2)))).toBe(false)
    expect(lib.assets.filter((a) => a.trashed)).toHaveLength(1)
    expect(lib.assets.filter((a) => a.hidden)).toHaveLength(1)
    expect(lib.assets.some((a) => a.favorite)).toBe(true)
    expect(new Set(lib.assets.flatMap((a) => a.albums))).toEqual(new Set(['Berlin', 'Été 2024 🌊']))
    // Every roll item's files are described; the odd extras are not.
    const described = new Set(lib.assets.flatMap((a) => a.files))
    for (const f of roll.files) expect(described.has(`/DCIM/${f.path}`)).toBe(f.item >= 0)
  })

  it('keeps two modern edits under Mutations (render + Adjustments.plist), and with the switch one not rendered yet', async () => {
    const withPending = await startSimulator({ devices: [{ photos: { count: 30, seed: 5 }, photoLibrary: { schema: 'ios17', unrenderedEdit: true } }] })
    try {
      const lib = withPending.photoLibrary(withPending.devices[0]!.udid)!
      const onDisk = (afc: string): boolean => fs.existsSync(path.join(lib.dir, ...afc.split('/').slice(2)))
      const edited = lib.assets.filter((a) => a.mutation)
      expect(edited.map((a) => a.mutation!.render === null)).toEqual([false, false, true])
      for (const a of edited) {
        const stem = path.posix.basename(a.phonePath).replace(/\.[^.]+$/, '')
        const adjustments = `/PhotoData/Mutations${path.posix.dirname(a.phonePath)}/${stem}/Adjustments`
        expect(a.mutation!.plist).toBe(`${adjustments}/Adjustments.plist`)
        expect(onDisk(a.mutation!.plist)).toBe(true)
        expect(fs.readFileSync(path.join(lib.dir, ...a.mutation!.plist.split('/').slice(2)), 'utf8')).toContain('<key>adjustmentFormatIdentifier</key>')
        if (a.mutation!.render) {
          expect(a.mutation!.render).toMatch(new RegExp(`^${adjustments}/FullSizeRender\\.(heic|jpg)$`))
          expect(onDisk(a.mutation!.render)).toBe(true)
          expect(a.files).toContain(a.mutation!.render)
        }
      }
      // The database says adjusted for all three, the missing render included.
      const to = fs.mkdtempSync(path.join(scratch, 'copy-'))
      for (const f of ['Photos.sqlite', 'Photos.sqlite-wal', 'Photos.sqlite-shm']) fs.copyFileSync(path.join(lib.dir, f), path.join(to, f))
      const db = new Database(path.join(to, 'Photos.sqlite'))
      try {
        const adjusted = new Set(db.prepare<[], { ZUUID: string }>(`SELECT ZUUID FROM ${SCHEMAS.ios17.assetTable} WHERE ZHASADJUSTMENTS = 1`).all().map((r) => r.ZUUID))
        for (const a of edited) expect(adjusted.has(a.uuid), a.phonePath).toBe(true)
      } finally {
        db.close()
      }
      // Without the switch the same roll has only the two rendered ones.
      expect(sim.photoLibrary(sim.devices[2]!.udid)!.assets.filter((a) => a.mutation).length).toBe(2)
    } finally {
      await withPending.close()
    }
  })

  it('is the same for the same seed', async () => {
    const again = await startSimulator({ devices: [{ photos: { count: 30, seed: 5 }, photoLibrary: { schema: 'ios17' } }] })
    try {
      expect(again.photoLibrary(again.devices[0]!.udid)!.assets).toEqual(sim.photoLibrary(sim.devices[2]!.udid)!.assets)
    } finally {
      await again.close()
    }
  })

  it('serves /PhotoData over AFC, and refuses it with PERM_DENIED when switched off', async () => {
    const phone = sim.devices[2]!
    const c = await openAfc(sim.address, phone)
    try {
      const list = await c.call(AfcOp.ReadDir, cString('/PhotoData'))
      expect(splitCStrings(list.body)).toEqual(expect.arrayContaining(['Photos.sqlite', 'Photos.sqlite-wal', 'Photos.sqlite-shm', 'CPLAssets', 'Thumbnails']))
      phone.setPhotoDataUnreadable(true)
      expect(statusOf(await c.call(AfcOp.ReadDir, cString('/PhotoData')))).toBe(AfcStatus.PERM_DENIED)
      expect(statusOf(await c.call(AfcOp.GetFileInfo, cString('/PhotoData/Photos.sqlite')))).toBe(AfcStatus.PERM_DENIED)
      expect((await c.call(AfcOp.ReadDir, cString('/DCIM'))).op).toBe(AfcOp.Data)
    } finally {
      phone.setPhotoDataUnreadable(false)
      c.socket.destroy()
    }
  })
})
