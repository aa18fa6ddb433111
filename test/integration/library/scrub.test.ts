/**
 * The integrity scrub on a real catalog and library folder: what it finds, what it records, and
 * how the next import of a damaged file heals it (the damaged bytes kept aside, never overwritten).
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DAMAGED_DIR, damagedAssets, type ScrubFinding } from '../../../src/main/library/scrub.js'
import { ROOT_MARKER } from '../../../src/main/library/library-root.js'
import { ABORT, fixture, listing, memorySource, sourceFile, tempLibrary, type TempLibrary } from './helpers.js'

let t: TempLibrary
afterEach(() => t?.cleanup())

const FILES: Record<string, Buffer> = {
  '/DCIM/100APPLE/IMG_0001.JPG': fixture('photo.jpg'),
  '/DCIM/100APPLE/IMG_0002.JPG': fixture('nooffset.jpg'),
  '/DCIM/100APPLE/IMG_0003.MOV': fixture('plain.mov'),
}

async function importAll(files: Record<string, Buffer>, connection = 1): Promise<Map<string, string>> {
  t.lib.beginConnection({ udid: 'A', name: 'A' })
  const plan = t.lib.planScan('A', listing(Object.entries(files).map(([p, b]) => sourceFile(p, b.length, BigInt(p.length) * 1_000_000_000n + BigInt(b.length)))), connection)
  const out = new Map<string, string>()
  for (const f of plan.toImport) out.set(f.path, (await t.lib.importFile(f.id, memorySource(files[f.path]!), { signal: ABORT, connection })).libraryPath!)
  return out
}

function flipLastByte(file: string): void {
  const buf = fs.readFileSync(file)
  buf[buf.length - 1]! ^= 0xff
  fs.writeFileSync(file, buf)
}

describe('scrubLibrary', () => {
  it('finds a corrupt and a missing file, records them, and the next import heals both byte-identically', async () => {
    let now = 1_000_000
    t = tempLibrary({ now: () => now })
    const paths = await importAll(FILES)
    const abs = (device: string): string => path.join(t.root, paths.get(device)!)
    now = 2_000_000
    const clean = await t.lib.scrub()
    expect(clean).toMatchObject({ checked: 3, ok: 3, corrupt: 0, missing: 0, complete: true })
    expect(t.lib.db.prepare('SELECT DISTINCT verified_at AS v FROM assets').all()).toEqual([{ v: 2_000_000 }])

    const corrupt = '/DCIM/100APPLE/IMG_0001.JPG'
    const gone = '/DCIM/100APPLE/IMG_0003.MOV'
    flipLastByte(abs(corrupt))
    const damagedBytes = fs.readFileSync(abs(corrupt))
    fs.rmSync(abs(gone))
    now = 3_000_000
    const findings: ScrubFinding[] = []
    const summary = await t.lib.scrub({ onFinding: (f) => findings.push(f) })
    expect(summary).toMatchObject({ checked: 3, ok: 1, corrupt: 1, missing: 1, complete: true })
    expect(findings.map((f) => [f.libraryPath, f.problem])).toEqual(expect.arrayContaining([[paths.get(corrupt), 'corrupt'], [paths.get(gone), 'missing']]))
    expect(damagedAssets(t.lib.db).map((d) => [d.libraryPath, d.damage, d.foundAt])).toEqual(expect.arrayContaining([[paths.get(corrupt), 'corrupt', 3_000_000], [paths.get(gone), 'missing', 3_000_000]]))
    // Not safe any more, and the next backup asks the phone for both again.
    expect(t.lib.deviceCounts('A')).toMatchObject({ itemsOnPhone: 3, itemsSafe: 1 })
    const again = t.lib.pendingFor('A', 2)
    expect(again.toImport.map((f) => f.path).sort()).toEqual([corrupt, gone])

    now = 4_000_000
    for (const f of again.toImport) {
      const outcome = await t.lib.importFile(f.id, memorySource(FILES[f.path]!), { signal: ABORT, connection: 2 })
      expect(outcome).toMatchObject({ state: 'done', libraryPath: paths.get(f.path) })
    }
    expect(fs.readFileSync(abs(corrupt))).toEqual(FILES[corrupt])
    expect(fs.readFileSync(abs(gone))).toEqual(FILES[gone])
    // The damaged bytes were moved aside, not overwritten.
    const aside = fs.readdirSync(path.join(t.root, DAMAGED_DIR), { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    expect(aside).toHaveLength(1)
    expect(fs.readFileSync(path.join(aside[0]!.parentPath, aside[0]!.name))).toEqual(damagedBytes)
    expect(damagedAssets(t.lib.db)).toEqual([])
    expect(t.lib.deviceCounts('A')).toMatchObject({ itemsSafe: 3 })
    expect(t.lib.pendingFor('A', 3).toImport).toEqual([])
    expect(await t.lib.scrub()).toMatchObject({ checked: 3, ok: 3, corrupt: 0, missing: 0 })
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
  })

  it('an unplugged library is library-missing, not a library of missing files', async () => {
    t = tempLibrary()
    await importAll(FILES)
    fs.rmSync(path.join(t.root, ROOT_MARKER))
    await expect(t.lib.scrub()).rejects.toMatchObject({ code: 'library-missing' })
    expect(damagedAssets(t.lib.db)).toEqual([])
  })

  it('a file gone midway through a scrub of an unplugged drive marks nothing', async () => {
    t = tempLibrary()
    const paths = await importAll(FILES)
    let first = true
    // The drive goes away after the first file was read (the marker with it).
    await expect(t.lib.scrub({
      onProgress: (p) => {
        if (p.checked === 1 && first) {
          first = false
          for (const rel of paths.values()) fs.rmSync(path.join(t.root, rel), { force: true })
          fs.rmSync(path.join(t.root, ROOT_MARKER))
        }
      },
    })).rejects.toMatchObject({ code: 'library-missing' })
    expect(damagedAssets(t.lib.db)).toEqual([])
  })

  it('a damaged sidecar copy is restored from its asset at once; the asset itself waits for the phone', async () => {
    t = tempLibrary()
    const aae = Buffer.from('<plist>same edit pasted on two photos</plist>')
    const paths = await importAll({
      '/DCIM/100APPLE/IMG_0001.JPG': fixture('photo.jpg'),
      '/DCIM/100APPLE/IMG_0001.AAE': aae,
      '/DCIM/100APPLE/IMG_0002.JPG': fixture('nooffset.jpg'),
      '/DCIM/100APPLE/IMG_0002.AAE': aae,
    })
    const copies = t.lib.db.prepare<[], { library_path: string }>('SELECT library_path FROM asset_copies').all()
    expect(copies).toHaveLength(1)
    const copy = path.join(t.root, copies[0]!.library_path)
    fs.writeFileSync(copy, 'garbage of another length')
    const findings: ScrubFinding[] = []
    const summary = await t.lib.scrub({ onFinding: (f) => findings.push(f) })
    expect(summary).toMatchObject({ checked: 4, ok: 3, corrupt: 1, healed: 1 })
    expect(findings).toEqual([expect.objectContaining({ libraryPath: copies[0]!.library_path, problem: 'corrupt', copy: true, healed: true })])
    expect(fs.readFileSync(copy)).toEqual(aae)
    expect(damagedAssets(t.lib.db)).toEqual([])
    expect(paths.size).toBe(4)
    expect(await t.lib.scrub()).toMatchObject({ ok: 4, corrupt: 0 })
  })

  it('verifiedBefore checks only files not verified since; pace sees every byte', async () => {
    let now = 1_000
    t = tempLibrary({ now: () => now })
    await importAll(FILES)
    now = 5_000
    t.lib.db.prepare("UPDATE assets SET checked_at = 9_000 WHERE file_name = 'IMG_0001.JPG'").run()
    let paced = 0
    const summary = await t.lib.scrub({ verifiedBefore: 5_000, pace: async (n) => void (paced += n) })
    expect(summary.checked).toBe(2)
    expect(paced).toBe(FILES['/DCIM/100APPLE/IMG_0002.JPG']!.length + FILES['/DCIM/100APPLE/IMG_0003.MOV']!.length)
    expect(await t.lib.scrub({ verifiedBefore: 4_999 })).toMatchObject({ checked: 0 })
  })
})
