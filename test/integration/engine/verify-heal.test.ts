/**
 * `cradle verify` and healing, end to end as a user would meet them: back up the virtual iPhone,
 * corrupt one library file and delete another → verify names both and exits 1 → `backup --once`
 * from the phone that still has them restores both byte-identically (the corrupt copy kept aside)
 * → verify is clean and exits 0. Real CLI processes, real catalog, real library folder.
 */
import crypto from 'node:crypto'
import Database from 'better-sqlite3'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { Simulator } from '../../../src/sim/index.js'
import { runCliProcess } from '../../helpers/cli.js'
import { listFiles, type TempDirs } from '../../helpers/engine.js'
import { startPairedPhone } from '../../helpers/engine-cli.js'
import type { ExpectedFile } from '../../helpers/engine-roll.js'
import type { SafetySummary } from '../../../src/shared/state.js'
import { CATALOG_FILE } from '../../../src/main/library/library.js'

let sim: Simulator
let dirs: TempDirs
let expected: ExpectedFile[]

beforeAll(async () => {
  ;({ sim, dirs, expected } = await startPairedPhone('cradle-verify-', { devices: [{ name: 'Ann’s iPhone', photos: { count: 8, seed: 133 }, battery: { level: 80, charging: true, externalPower: true } }] }))
}, 120_000)

afterAll(async () => {
  await sim?.close()
  dirs?.cleanup()
})

interface Line { type: string; [k: string]: unknown }
interface StatusJson {
  phones: { itemsSafe: number; itemsOnPhone: number }[]
  check: { checked: number; corrupt: number; missing: number; damaged: number }
  safety: { total: SafetySummary; phones: (SafetySummary & { name: string })[] }
}

async function cradle(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; lines: Line[] }> {
  const r = await runCliProcess([...args, '--data', dirs.dataDir, '--library', dirs.libraryDir], {
    env: { ...process.env, USBMUXD_SOCKET_ADDRESS: sim.address, CRADLE_LOG: 'silent' },
    timeoutMs: 90_000,
  })
  const lines = args.includes('--json') && r.stdout.trim() !== '' ? r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line) : []
  return { ...r, lines }
}

const sha256 = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')

/** Library-relative path → sha256 of every visible library file. */
function libraryHashes(): Map<string, string> {
  return new Map(listFiles(dirs.libraryDir).map((rel) => [rel, sha256(path.join(dirs.libraryDir, rel))]))
}

/**
 * The library's photos and videos as the ledger counts them (a Live Photo's or an edit's files are
 * one group), and how many of them the given library files belong to.
 */
function photosInLibrary(files: string[] = []): { photos: number; touched: number } {
  const db = new Database(path.join(dirs.dataDir, CATALOG_FILE), { readonly: true })
  try {
    const photos = db.prepare<[], { n: number }>('SELECT COUNT(DISTINCT group_id) AS n FROM assets').get()!.n
    const touched = new Set(files.map((f) => db.prepare<[string], { g: number }>('SELECT group_id AS g FROM assets WHERE library_path = ?').get(f)!.g)).size
    return { photos, touched }
  } finally {
    db.close()
  }
}

describe('cradle verify, then heal from the phone', () => {
  let before: Map<string, string>
  let corrupted: string
  let deleted: string

  it('a fresh backup verifies clean: exit 0, a summary with every file checked', async () => {
    const backup = await cradle(['backup', '--once', '--json'])
    expect(backup.code).toBe(0)
    before = libraryHashes()
    const distinct = new Set(expected.map((f) => f.sha256)).size
    expect(before.size).toBe(distinct)

    const r = await cradle(['verify', '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.lines).toEqual([{ type: 'summary', checked: distinct, ok: distinct, corrupt: 0, missing: 0, healed: 0, bytes: expect.any(Number), destinations: [], error: null }])
  }, 120_000)

  it('one corrupt and one missing file: both reported by path, exit 1', async () => {
    const files = [...before.keys()].sort()
    corrupted = files[0]!
    deleted = files[files.length - 1]!
    const abs = path.join(dirs.libraryDir, corrupted)
    const bytes = fs.readFileSync(abs)
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01 // one bit, same size: only the hash can tell
    fs.writeFileSync(abs, bytes)
    fs.rmSync(path.join(dirs.libraryDir, deleted))

    const r = await cradle(['verify', '--json'])
    expect(r.code).toBe(1)
    const files2 = r.lines.filter((l) => l.type === 'file')
    expect(files2).toEqual(expect.arrayContaining([
      { type: 'file', path: corrupted, problem: 'corrupt', copy: false, healed: false },
      { type: 'file', path: deleted, problem: 'missing', copy: false, healed: false },
    ]))
    expect(files2).toHaveLength(2)
    expect(r.lines.at(-1)).toMatchObject({ type: 'summary', checked: before.size, ok: before.size - 2, corrupt: 1, missing: 1 })

    // The words a person reads.
    const human = await cradle(['verify'])
    expect(human.code).toBe(1)
    expect(human.stdout).toContain(`corrupt  ${corrupted}`)
    expect(human.stdout).toContain(`missing  ${deleted}`)
    expect(human.stdout).toContain('The next backup from an iPhone that still has them puts them back exactly.')

    // status no longer counts them as safe: not in the phone's counts, not in the ledger.
    const status = await cradle(['status', '--json'])
    const s = JSON.parse(status.stdout) as StatusJson
    expect(s.phones[0]!.itemsSafe).toBeLessThan(s.phones[0]!.itemsOnPhone)
    expect(s.check).toMatchObject({ checked: before.size, corrupt: 1, missing: 1, damaged: 2 })
    // Counted in photos and videos: a damaged file makes its whole photo unsafe.
    const { photos, touched } = photosInLibrary([corrupted, deleted])
    expect(photos).toBeLessThan(before.size) // the roll has Live Photos: fewer photos than files
    expect(s.safety.total).toMatchObject({ items: photos, safeIn: 0 })
    expect(s.safety.total.places).toEqual([expect.objectContaining({ id: 'library', safe: photos - touched, of: photos })])
    const text = await cradle(['status'])
    expect(text.stdout).toContain(`Safe     ${photos} photos and videos · ${touched} not safe in the library yet`)
    expect(text.stdout).toContain('2 damaged, restored by the next backup from the iPhone')
  }, 120_000)

  it('backup --once from the phone restores both byte-identically and keeps the corrupt copy aside', async () => {
    const corruptBytes = fs.readFileSync(path.join(dirs.libraryDir, corrupted))
    const r = await cradle(['backup', '--once', '--json'])
    expect(r.stderr).not.toContain('cradle backup:')
    expect(r.code).toBe(0)
    expect(libraryHashes()).toEqual(before)
    const aside = listFiles(dirs.libraryDir, { includeHidden: true }).filter((p) => p.startsWith('.cradle-damaged/'))
    expect(aside).toHaveLength(1)
    expect(aside[0]!.endsWith(`/${corrupted}`)).toBe(true)
    expect(fs.readFileSync(path.join(dirs.libraryDir, aside[0]!))).toEqual(corruptBytes)
  }, 120_000)

  it('verify is clean again: exit 0, and status says everything is safe', async () => {
    const r = await cradle(['verify', '--json'])
    expect(r.code).toBe(0)
    expect(r.lines.at(-1)).toMatchObject({ type: 'summary', checked: before.size, ok: before.size, corrupt: 0, missing: 0 })
    const s = JSON.parse((await cradle(['status', '--json'])).stdout) as StatusJson
    expect(s.check).toMatchObject({ checked: before.size, corrupt: 0, missing: 0, damaged: 0 })
    const { photos } = photosInLibrary()
    expect(s.safety.total).toMatchObject({ items: photos, safeIn: 1, places: [{ id: 'library', name: 'Library', safe: photos, of: photos }] })
    expect(s.safety.phones).toEqual([expect.objectContaining({ name: 'Ann’s iPhone', items: photos, safeIn: 1 })])
  }, 120_000)
})
