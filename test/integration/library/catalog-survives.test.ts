/**
 * A catalog that survives (issue 13): a damaged catalog is moved aside and rebuilt from the library
 * (never deleted, no library file touched), a newer Cradle's catalog is refused with words, a write
 * lock held by another connection and a full data volume give clear errors and lose nothing, and
 * the import resumes once the lock is free or the space is back.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { describeError } from '../../../src/shared/error-text.js'
import { isCradleError, type CradleError } from '../../../src/shared/errors.js'
import { defaultSettings, type Settings } from '../../../src/shared/settings.js'
import { uploadsSchema } from '../../../src/main/destinations/queue/uploads-schema.js'
import { historySchema } from '../../../src/main/engine/history.js'
import { CATALOG_FILE, Library } from '../../../src/main/library/library.js'
import { librarySchema } from '../../../src/main/library/schema.js'
import { itAsRoot, mountTmpfs } from '../../helpers/tmpfs.js'
import { ABORT, fixture, listing, memorySource, sourceFile } from './helpers.js'

beforeAll(() => {
  process.env.TZ = 'UTC'
})

const MODULES = { extraModules: [uploadsSchema, historySchema] }
const AAE = Buffer.from('<?xml version="1.0"?><plist version="1.0"><dict><key>adjustmentFormatIdentifier</key><string>com.apple.photo</string></dict></plist>\n')
const variant = (name: string, tag: string): Buffer => Buffer.concat([fixture(name), Buffer.from(`~${tag}`)])

const cleanups: (() => void)[] = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()!()
})

interface Setup { dir: string; dataDir: string; root: string; settings: Settings; catalog: string }

function setup(o: { dataDir?: string } = {}): Setup {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-catalog-'))
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
  const dataDir = o.dataDir ?? path.join(dir, 'data')
  const root = path.join(dir, 'Library')
  return { dir, dataDir, root, settings: defaultSettings(root), catalog: path.join(dataDir, CATALOG_FILE) }
}

function open(s: Setup): Library {
  const lib = Library.open(s.dataDir, s.settings, MODULES)
  lib.prepare()
  return lib
}

/** Lists `files` for `udid` and imports everything planned. */
async function backup(lib: Library, udid: string, files: Record<string, Buffer>): Promise<string[]> {
  lib.beginConnection({ udid, name: udid })
  const plan = lib.planScan(udid, listing(Object.entries(files).map(([p, b]) => sourceFile(p, b.length))), 1)
  const states: string[] = []
  for (const f of plan.toImport) states.push((await lib.importFile(f.id, memorySource(files[f.path]!), { signal: ABORT, connection: 1 })).state)
  return states
}

/** A library with a Live Photo + edit + sidecars, a name clash (suffix -1) and a sidecar shared by two photos. */
async function fillLibrary(lib: Library): Promise<void> {
  await backup(lib, 'A', {
    '/DCIM/100APPLE/IMG_0001.HEIC': fixture('photo.heic'),
    '/DCIM/100APPLE/IMG_0001.MOV': fixture('live.mov'),
    '/DCIM/100APPLE/IMG_E0001.HEIC': fixture('photo.jpg'),
    '/DCIM/100APPLE/IMG_0001.AAE': AAE,
    '/DCIM/100APPLE/IMG_O0001.AAE': Buffer.concat([AAE, Buffer.from(' ')]),
    '/DCIM/100APPLE/IMG_0002.JPG': variant('photo.jpg', 'a'),
  })
  await backup(lib, 'B', {
    '/DCIM/100APPLE/IMG_0002.JPG': variant('photo.jpg', 'b'),
    '/DCIM/100APPLE/IMG_0003.PNG': fixture('screenshot.png'),
    '/DCIM/100APPLE/IMG_0003.AAE': AAE,
    '/DCIM/100APPLE/IMG_0004.MOV': fixture('plain.mov'),
  })
  lib.db.prepare("INSERT INTO upload_destinations (id, name, kind, config_json, created_at) VALUES ('nas', 'NAS', 'folder', '{\"path\":\"/nas\"}', 1)").run()
  lib.db.prepare("INSERT INTO uploads (destination_id, asset_id, state, remote_ref, updated_at) SELECT 'nas', id, 'done', library_path, 2 FROM assets").run()
}

/** Every file under the library (hidden ones too): path → size, mtime and SHA-256. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue
    const abs = path.join(e.parentPath, e.name)
    const st = fs.statSync(abs)
    out[path.relative(root, abs)] = `${st.size} ${st.mtimeMs} ${createHash('sha256').update(fs.readFileSync(abs)).digest('hex')}`
  }
  return out
}

const fileHash = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

/** What the catalog knows about the library that the library itself can tell again. */
function facts(lib: Library) {
  return {
    assets: lib.db.prepare(`SELECT a.sha256, a.sha1, a.size, a.library_path, a.file_name, a.mime, a.role,
        CASE WHEN a.capture_source IN ('birthtime','mtime','import-time') THEN NULL ELSE a.captured_at END AS embedded_date, a.capture_offset_minutes,
        g.library_folder, g.stem, g.suffix, g.kind, g.captured_at AS group_date
      FROM assets a JOIN groups g ON g.id = a.group_id ORDER BY a.library_path`).all(),
    copies: lib.db.prepare('SELECT c.library_path, a.library_path AS of FROM asset_copies c JOIN assets a ON a.id = c.asset_id ORDER BY c.library_path').all(),
  }
}

type Damage = 'truncated' | 'garbled' | 'not a database'

function damage(file: string, how: Damage): void {
  const size = fs.statSync(file).size
  if (how === 'truncated') fs.truncateSync(file, Math.floor(size / 2 / 4096) * 4096 + 100)
  else {
    const fd = fs.openSync(file, 'r+')
    // garbled: pages 2.. overwritten in place (the header still says "SQLite"); else the header too.
    const at = how === 'garbled' ? 4096 : 0
    fs.writeSync(fd, Buffer.alloc(Math.min(size - at, 4096 * 6), 0x5a), 0, Math.min(size - at, 4096 * 6), at)
    fs.closeSync(fd)
  }
}

describe('a catalog that survives', () => {
  for (const how of ['truncated', 'garbled', 'not a database'] as const) {
    it(`a ${how} catalog is kept aside and rebuilt from the library; no library file is touched`, async () => {
      const s = setup()
      const lib = open(s)
      await fillLibrary(lib)
      const before = facts(lib)
      expect(before.assets).toHaveLength(9)
      expect(before.copies).toEqual([{ library_path: '2024/2024-02/IMG_0003.AAE', of: '2022/2022-12/IMG_0001.AAE' }])
      expect(before.assets.map((a) => (a as { library_path: string }).library_path)).toContain('2023/2023-08/IMG_0002-1.JPG')
      lib.close() // checkpoints the WAL into the file, so the damage hits the catalog itself
      const library = snapshot(s.root)
      damage(s.catalog, how)
      const damagedHash = fileHash(s.catalog)

      const { library: rebuiltLib, rebuilt } = await Library.openChecked(s.dataDir, s.settings, MODULES)
      try {
        expect(rebuilt).not.toBeNull()
        const r = rebuilt!
        // Kept aside byte for byte, beside the new catalog.
        expect(path.dirname(r.aside)).toBe(s.dataDir)
        expect(path.basename(r.aside)).toMatch(/^catalog\.sqlite\.damaged-/)
        expect(fileHash(r.aside)).toBe(damagedHash)
        expect(r).toMatchObject({ files: 10, assets: 9, copies: 1, unreadable: [] })
        expect(snapshot(s.root)).toEqual(library)
        expect(facts(rebuiltLib)).toEqual(before)
        expect(rebuiltLib.checkConsistency({ deep: true })).toEqual([])
        const text = describeError('catalog-rebuilt', { path: r.aside, destinationsLost: r.salvageFailed })
        expect(text.title).toBe("Cradle's catalog was damaged and has been rebuilt from the library")
        expect(text.action).toContain(r.aside)
        if (how === 'not a database') {
          expect(r.salvageFailed).toBe(true)
          expect(text.action).toContain('add your destinations again')
        }
        // The rebuilt catalog is whole: a new backup of the same phone finds everything stored already.
        const again = await backup(rebuiltLib, 'A', {
          '/DCIM/100APPLE/IMG_0001.HEIC': fixture('photo.heic'),
          '/DCIM/100APPLE/IMG_0001.MOV': fixture('live.mov'),
          '/DCIM/100APPLE/IMG_0002.JPG': variant('photo.jpg', 'a'),
        })
        expect(again).toEqual(['duplicate', 'duplicate', 'duplicate'])
        expect(snapshot(s.root)).toEqual(library)
      } finally {
        rebuiltLib.close()
      }
      // The next start opens it as it is.
      const next = await Library.openChecked(s.dataDir, s.settings, MODULES)
      expect(next.rebuilt).toBeNull()
      next.library.close()
    })
  }

  it('keeps the destinations and finished uploads it can still read from the damaged copy', async () => {
    const s = setup()
    const lib = open(s)
    await fillLibrary(lib)
    lib.close()
    // Damage only the catalog's integrity (an index that no longer matches its table): the tables read.
    const db = new Database(s.catalog)
    db.pragma('writable_schema = ON')
    const root = (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'groups_source'").get() as { rootpage: number }).rootpage
    db.close()
    const fd = fs.openSync(s.catalog, 'r+')
    fs.writeSync(fd, Buffer.alloc(4096, 0x77), 0, 4096, (root - 1) * 4096)
    fs.closeSync(fd)

    const { library: rebuiltLib, rebuilt } = await Library.openChecked(s.dataDir, s.settings, MODULES)
    try {
      expect(rebuilt).toMatchObject({ destinations: 1, uploadsKept: 9, salvageFailed: false })
      expect(rebuiltLib.db.prepare("SELECT COUNT(*) AS n FROM uploads WHERE destination_id = 'nas' AND state = 'done'").get()).toEqual({ n: 9 })
    } finally {
      rebuiltLib.close()
    }
  })

  it('a rebuild cut off midway runs again at the next start', async () => {
    const s = setup()
    const lib = open(s)
    await fillLibrary(lib)
    const before = facts(lib)
    lib.close()
    damage(s.catalog, 'not a database')
    fs.renameSync(s.catalog, `${s.catalog}.damaged-2026-01-01T00-00-00-000Z`)
    // What a kill during the rebuild leaves: a half-filled new catalog under its working name, none in place.
    fs.writeFileSync(`${s.catalog}.rebuilding`, 'half')
    const { library: rebuiltLib, rebuilt } = await Library.openChecked(s.dataDir, s.settings, MODULES)
    try {
      expect(rebuilt?.aside).toBe(`${s.catalog}.damaged-2026-01-01T00-00-00-000Z`)
      expect(facts(rebuiltLib)).toEqual(before)
      expect(fs.existsSync(`${s.catalog}.rebuilding`)).toBe(false)
    } finally {
      rebuiltLib.close()
    }
  })

  it('refuses a catalog from a newer Cradle with words, and changes nothing', async () => {
    const s = setup()
    const lib = open(s)
    lib.db.prepare("UPDATE schema_versions SET version = 99 WHERE module = 'library'").run()
    lib.close()
    const hash = fileHash(s.catalog)
    const error = await Library.openChecked(s.dataDir, s.settings, MODULES).then(() => null, (e: unknown) => e)
    expect(isCradleError(error, 'catalog-newer')).toBe(true)
    expect((error as CradleError).context).toMatchObject({ module: 'library', version: 99, known: librarySchema.migrations.length })
    expect(describeError('catalog-newer').title).toBe('This data folder was used by a newer Cradle')
    expect(fileHash(s.catalog)).toBe(hash)
    expect(fs.readdirSync(s.dataDir).filter((n) => n.includes('damaged'))).toEqual([])
  })

  it('a write lock held by another connection: catalog-busy past the timeout, nothing lost, the import resumes once it is free', async () => {
    const s = setup()
    const lib = open(s)
    lib.beginConnection({ udid: 'A', name: 'A' })
    const bytes = fixture('photo.jpg')
    const plan = lib.planScan('A', listing([sourceFile('/DCIM/100APPLE/IMG_0001.JPG', bytes.length)]), 1)
    const id = plan.toImport[0]!.id
    const other = new Database(s.catalog)
    other.exec('BEGIN IMMEDIATE') // another program (a database browser) holds the write lock
    try {
      const error = await lib.importFile(id, memorySource(bytes), { signal: ABORT }).then(() => null, (e: unknown) => e)
      expect(isCradleError(error, 'catalog-busy')).toBe(true)
      expect(describeError('catalog-busy').title).toBe("Cradle's catalog is locked by another program")
      expect(await lib.catalogReady()).toBe(false)
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    expect(lib.db.prepare('SELECT state FROM device_files WHERE id = ?').get(id)).toEqual({ state: 'pending' })
    expect(lib.checkConsistency()).toEqual([])
    expect(await lib.catalogReady()).toBe(true)
    const done = await lib.importFile(id, memorySource(bytes), { signal: ABORT })
    expect(done.state).toBe('done')
    expect(fs.readFileSync(path.join(s.root, done.libraryPath!)).equals(bytes)).toBe(true)
    expect(lib.checkConsistency({ deep: true })).toEqual([])
    lib.close()
  })

  itAsRoot('a full data volume: data-disk-full, nothing lost, the import resumes when space returns', async () => {
    const vol = mountTmpfs(2048)
    cleanups.push(() => vol.unmount())
    const s = setup({ dataDir: path.join(vol.dir, 'data') })
    const lib = open(s)
    cleanups.push(() => lib.close())
    lib.beginConnection({ udid: 'A', name: 'A' })
    const files = { '/DCIM/100APPLE/IMG_0001.JPG': variant('photo.jpg', '1'), '/DCIM/100APPLE/IMG_0002.JPG': variant('photo.jpg', '2') }
    const plan = lib.planScan('A', listing(Object.entries(files).map(([p, b]) => sourceFile(p, b.length))), 1)
    const give = vol.fill()
    const error = await lib.importFile(plan.toImport[0]!.id, memorySource(files[plan.toImport[0]!.path as keyof typeof files]), { signal: ABORT }).then(() => null, (e: unknown) => e)
    expect(isCradleError(error, 'data-disk-full')).toBe(true)
    expect(describeError('data-disk-full', (error as CradleError).context).title).toBe("The disk with Cradle's catalog is full")
    expect(await lib.catalogReady()).toBe(false)
    // Nothing under a final name the catalog does not know; the row waits.
    expect(lib.checkConsistency()).toEqual([])
    expect(lib.db.prepare("SELECT COUNT(*) AS n FROM device_files WHERE state = 'pending'").get()).toEqual({ n: 2 })
    give()
    expect(await lib.catalogReady()).toBe(true)
    for (const f of plan.toImport) {
      const done = await lib.importFile(f.id, memorySource(files[f.path as keyof typeof files]), { signal: ABORT })
      expect(done.state).toBe('done')
      expect(fs.readFileSync(path.join(s.root, done.libraryPath!)).equals(files[f.path as keyof typeof files])).toBe(true)
    }
    expect(lib.checkConsistency({ deep: true })).toEqual([])
  })
})
