import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ABORT, fixture, listing, memorySource, sourceFile, tempLibrary, type TempLibrary } from './helpers.js'

let t: TempLibrary
afterEach(() => t?.cleanup())

describe('checkLibraryConsistency', () => {
  it('finds each planted problem, and recover() clears what it may', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    const files = { '/DCIM/100APPLE/IMG_0001.JPG': fixture('photo.jpg'), '/DCIM/100APPLE/IMG_0002.JPG': fixture('nooffset.jpg'), '/DCIM/100APPLE/IMG_0003.MOV': fixture('plain.mov'), '/DCIM/100APPLE/IMG_0004.MOV': Buffer.alloc(50_000, 4) }
    const plan = t.lib.planScan('A', listing(Object.entries(files).map(([p, b]) => sourceFile(p, b.length))), 1)
    const paths: string[] = []
    for (const f of plan.toImport.slice(0, 3)) paths.push((await t.lib.importFile(f.id, memorySource(files[f.path as keyof typeof files]), { signal: ABORT })).libraryPath!)
    // The fourth is cut off: its staging file is legitimately kept for resume.
    await t.lib.importFile(plan.toImport[3]!.id, memorySource(files['/DCIM/100APPLE/IMG_0004.MOV'], { stopAt: 20_000 }), { signal: ABORT }).catch(() => undefined)
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])

    const abs = (rel: string): string => path.join(t.root, rel)
    fs.rmSync(abs(paths[0]!))                                        // catalog points at a missing file
    fs.appendFileSync(abs(paths[1]!), 'x')                           // size differs
    const buf = fs.readFileSync(abs(paths[2]!)); buf[buf.length - 1]! ^= 0xff; fs.writeFileSync(abs(paths[2]!), buf) // same size, other bytes
    fs.writeFileSync(abs('2021/2021-06/stray.JPG'), 'not ours')      // untracked file
    fs.writeFileSync(abs('2021/2021-06/copy.JPG'), fixture('photo.jpg')) // untracked copy of a cataloged asset... whose file is gone
    fs.writeFileSync(path.join(t.root, '.cradle-staging', 'f999.part'), 'orphan') // leftover staging
    const problems = t.lib.checkConsistency({ deep: true })
    expect(problems).toEqual(expect.arrayContaining([
      { kind: 'missing-file', assetId: 1, libraryPath: paths[0] },
      expect.objectContaining({ kind: 'size-mismatch', libraryPath: paths[1] }),
      expect.objectContaining({ kind: 'hash-mismatch', libraryPath: paths[2] }),
      { kind: 'untracked-file', libraryPath: '2021/2021-06/stray.JPG' },
      { kind: 'untracked-file', libraryPath: '2021/2021-06/copy.JPG' },
      { kind: 'duplicate-content', libraryPath: '2021/2021-06/copy.JPG', sameAs: paths[0] },
      { kind: 'stale-staging', file: '.cradle-staging/f999.part' },
    ]))
    expect(problems).toHaveLength(7)
    // Without deep, only what stat can tell.
    expect(t.lib.checkConsistency().map((p) => p.kind).sort()).toEqual(['missing-file', 'size-mismatch', 'stale-staging', 'untracked-file', 'untracked-file'])

    // A crash mid-import leaves a row 'importing' and a staging file without a checkpoint.
    t.lib.db.prepare("UPDATE device_files SET state = 'importing' WHERE id = ?").run(plan.toImport[3]!.id)
    expect(t.lib.recover()).toEqual({ resetRows: 1, removedStaging: 1 })
    expect(fs.readdirSync(path.join(t.root, '.cradle-staging'))).toEqual([`f${plan.toImport[3]!.id}.part`])
    expect(t.lib.checkConsistency().some((p) => p.kind === 'stale-staging')).toBe(false)
  })
})
