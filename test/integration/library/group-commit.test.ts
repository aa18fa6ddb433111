/**
 * Group commit (commit.ts): files ready together share one directory fsync and one catalog
 * transaction, and still no catalog row exists before its file's data and directory entry are
 * durable. The injected fs records every fsync, link and directory fsync with the catalog rows
 * present at that moment, so the order of the durable steps and the commit can be checked.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isCradleError } from '../../../src/shared/errors.js'
import { commitsWaiting } from '../../../src/main/library/commit.js'
import { realLibraryFs, type LibraryFs } from '../../../src/main/library/library-fs.js'
import { stagingFileId } from '../../../src/main/library/staging.js'
import { ABORT, listing, memorySource, sourceFile, tempLibrary, type TempLibrary } from './helpers.js'

let t: TempLibrary | undefined
afterEach(() => t?.cleanup())

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: injected`), { code })
const NS_PER_DAY = 86_400n * 1_000_000_000n
const BIRTH = 1_700_000_000_000_000_000n // 2023-11-14: a file without metadata is dated by it

interface Event { op: 'fsync' | 'link' | 'syncDir'; what: string; recorded: string[] }

/**
 * A library whose fs records the durable steps; the first directory fsync waits for `firstSync`
 * (so files finishing meanwhile form one group behind it), `failSync` makes a directory's fsync fail.
 */
function recordingLibrary(o: { firstSync: Promise<void>; failSync?: (dir: string, call: number) => boolean }): { t: TempLibrary; events: Event[]; firstSyncHeld: Promise<void> } {
  const events: Event[] = []
  let held!: () => void
  const firstSyncHeld = new Promise<void>((res) => (held = res))
  const recorded = (): string[] => lib.lib.db.prepare<[], { library_path: string }>('SELECT library_path FROM assets ORDER BY library_path').all().map((r) => r.library_path)
  let syncs = 0
  const fsOps: Partial<LibraryFs> = {
    open: async (file, flags) => {
      const fh = await realLibraryFs.open(file, flags)
      const sync = fh.sync.bind(fh)
      fh.sync = async () => {
        await sync()
        events.push({ op: 'fsync', what: `f${stagingFileId(path.basename(file))}`, recorded: recorded() })
      }
      return fh
    },
    link: async (from, to) => {
      await realLibraryFs.link(from, to)
      events.push({ op: 'link', what: `${path.basename(from, '.part')} ${path.relative(lib.root, to)}`, recorded: recorded() })
    },
    syncDir: async (dir) => {
      const call = ++syncs
      if (call === 1) {
        held()
        await o.firstSync
      }
      if (o.failSync?.(dir, call)) throw errno('EIO')
      await realLibraryFs.syncDir(dir)
      events.push({ op: 'syncDir', what: path.relative(lib.root, dir), recorded: recorded() })
    },
  }
  const lib = tempLibrary({ fs: fsOps })
  return { t: lib, events, firstSyncHeld }
}

/** Plans `names` (each with its own birth day) and returns their device-file ids in order. */
function plan(lib: TempLibrary, files: { name: string; day: number; bytes: Buffer }[]): number[] {
  lib.lib.beginConnection({ udid: 'A', name: 'A' })
  const scan = lib.lib.planScan('A', listing(files.map((f) => sourceFile(`/DCIM/100APPLE/${f.name}`, f.bytes.length, BIRTH + BigInt(f.day) * NS_PER_DAY))), 1)
  return files.map((f) => scan.toImport.find((p) => p.path.endsWith(`/${f.name}`))!.id)
}

/** The index of the first event after which `rel` is in the catalog (events.length if only at the end). */
const recordedAt = (events: Event[], rel: string): number => {
  const i = events.findIndex((e) => e.recorded.includes(rel))
  return i === -1 ? events.length : i
}

describe('group commit', () => {
  it('records files that finished together with one directory fsync, each only after its fsync, link and directory fsync', async () => {
    let release!: () => void
    const r = recordingLibrary({ firstSync: new Promise((res) => (release = res)) })
    t = r.t
    const files = ['IMG_0001.MOV', 'IMG_0002.MOV', 'IMG_0003.MOV', 'IMG_0004.MOV'].map((name, i) => ({ name, day: 0, bytes: Buffer.alloc(40_000 + i, i + 1) }))
    const ids = plan(t, files)
    const first = t.lib.importFile(ids[0]!, memorySource(files[0]!.bytes), { signal: ABORT })
    // The first file's directory fsync is held; the other three finish meanwhile and wait as one group.
    await r.firstSyncHeld
    const rest = ids.slice(1).map((id, i) => t!.lib.importFile(id, memorySource(files[i + 1]!.bytes), { signal: ABORT }))
    await commitsWaiting(t.lib.db, 3)
    release()
    const outcomes = await Promise.all([first, ...rest])
    expect(outcomes.map((o) => o.state)).toEqual(['done', 'done', 'done', 'done'])

    const { events } = r
    const dirSyncs = events.filter((e) => e.op === 'syncDir')
    expect(dirSyncs.map((e) => e.what)).toEqual(['2023/2023-11', '2023/2023-11']) // one per group, not one per file
    // The three of the second group enter the catalog together, after the one directory fsync that covers them.
    const later = outcomes.slice(1).map((o) => recordedAt(events, o.libraryPath!))
    expect(new Set(later).size).toBe(1)
    expect(later[0]).toBeGreaterThan(events.indexOf(dirSyncs[1]!))
    for (const [i, o] of outcomes.entries()) {
      const rel = o.libraryPath!
      const at = recordedAt(events, rel)
      const fsynced = events.findIndex((e) => e.op === 'fsync' && e.what === `f${ids[i]}`)
      const linked = events.findIndex((e) => e.op === 'link' && e.what === `f${ids[i]} ${rel}`)
      const dirSynced = events.findIndex((e, j) => j > linked && e.op === 'syncDir' && e.what === path.posix.dirname(rel))
      expect([fsynced, linked, dirSynced].every((x) => x >= 0)).toBe(true)
      expect(fsynced).toBeLessThan(linked)
      expect(linked).toBeLessThan(dirSynced)
      expect(dirSynced).toBeLessThan(at)
    }
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
  })

  it('records none of a failed directory fsync\'s files, removes their new names, and imports them again next run', async () => {
    let release!: () => void
    let failing = true
    const november = path.join('2023', '2023-11')
    const r = recordingLibrary({
      firstSync: new Promise((res) => (release = res)),
      // The second group's fsync of November fails; December's in the same group succeeds.
      failSync: (dir, call) => failing && call > 1 && dir.endsWith(november),
    })
    t = r.t
    const files = [
      { name: 'IMG_0001.MOV', day: 0, bytes: Buffer.alloc(30_000, 1) },
      { name: 'IMG_0002.MOV', day: 1, bytes: Buffer.alloc(30_001, 2) },
      { name: 'IMG_0003.MOV', day: 2, bytes: Buffer.alloc(30_002, 3) },
      { name: 'IMG_0004.MOV', day: 30, bytes: Buffer.alloc(30_003, 4) },
    ]
    const ids = plan(t, files)
    const first = t.lib.importFile(ids[0]!, memorySource(files[0]!.bytes), { signal: ABORT })
    await r.firstSyncHeld
    const rest = ids.slice(1).map((id, i) => t!.lib.importFile(id, memorySource(files[i + 1]!.bytes), { signal: ABORT }).catch((e: unknown) => e))
    await commitsWaiting(t.lib.db, 3)
    release()
    const [one, two, three, four] = await Promise.all([first, ...rest]) as unknown as [{ libraryPath: string }, unknown, unknown, { state: string; libraryPath: string }]
    expect(one.libraryPath).toBe('2023/2023-11/IMG_0001.MOV')
    expect(isCradleError(two)).toBe(true)
    expect(isCradleError(three)).toBe(true)
    expect(four).toMatchObject({ state: 'done', libraryPath: '2023/2023-12/IMG_0004.MOV' })

    // Not recorded, no final name left behind, back in the queue with nothing staged.
    const catalog = (): string[] => t!.lib.db.prepare<[], { library_path: string }>('SELECT library_path FROM assets ORDER BY library_path').all().map((x) => x.library_path)
    expect(catalog()).toEqual(['2023/2023-11/IMG_0001.MOV', '2023/2023-12/IMG_0004.MOV'])
    expect(r.events.some((e) => e.recorded.some((p) => p.endsWith('IMG_0002.MOV') || p.endsWith('IMG_0003.MOV')))).toBe(false)
    expect(fs.readdirSync(path.join(t.root, november)).sort()).toEqual(['IMG_0001.MOV'])
    const rows = t.lib.db.prepare<[number, number], { state: string; staged_bytes: number }>('SELECT state, staged_bytes FROM device_files WHERE id IN (?, ?) ORDER BY id').all(ids[1]!, ids[2]!)
    expect(rows).toEqual([{ state: 'pending', staged_bytes: 0 }, { state: 'pending', staged_bytes: 0 }])
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])

    // The next run imports them (the failing fsync is past).
    failing = false
    for (const i of [1, 2]) {
      const again = await t.lib.importFile(ids[i]!, memorySource(files[i]!.bytes), { signal: ABORT })
      expect(again.state).toBe('done')
      expect(fs.readFileSync(path.join(t.root, again.libraryPath!)).equals(files[i]!.bytes)).toBe(true)
    }
    expect(catalog()).toHaveLength(4)
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
  })
})
