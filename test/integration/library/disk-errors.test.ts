import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { CradleError} from '../../../src/shared/errors.js';
import { isCradleError } from '../../../src/shared/errors.js'
import { defaultSettings } from '../../../src/shared/settings.js'
import { Library } from '../../../src/main/library/library.js'
import { realLibraryFs } from '../../../src/main/library/library-fs.js'
import type { ImportSource } from '../../../src/main/library/source.js'
import { itAsRoot, mountTmpfs as mountVolume } from '../../helpers/tmpfs.js'
import { ABORT, listing, memorySource, sourceFile, tempLibrary, type TempLibrary } from './helpers.js'

// Mounting a tmpfs needs root (CI runs as root): those tests fail when not root unless
// CRADLE_SKIP_ROOT_TESTS=1 (test/helpers/tmpfs.ts); the injected-fault tests cover the paths anyway.
const cleanups: (() => void)[] = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()!()
})

function track(t: TempLibrary): TempLibrary {
  cleanups.push(() => t.cleanup())
  return t
}

function mountTmpfs(sizeKb: number): string {
  const vol = mountVolume(sizeKb)
  cleanups.push(() => vol.unmount())
  return vol.dir
}

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: injected`), { code })

async function importOne(t: TempLibrary, bytes: Buffer, name = 'IMG_0001.MOV'): Promise<{ id: number; result: unknown }> {
  t.lib.beginConnection({ udid: 'A', name: 'A' })
  const plan = t.lib.planScan('A', listing([sourceFile(`/DCIM/100APPLE/${name}`, bytes.length)]), 1)
  const id = plan.toImport[0]!.id
  const result = await t.lib.importFile(id, memorySource(bytes), { signal: ABORT }).catch((e: unknown) => e)
  return { id, result }
}

function finalFiles(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !path.relative(root, path.join(e.parentPath, e.name)).startsWith('.'))
    .map((e) => e.name)
}

describe('disk full, permission denied, library missing', () => {
  itAsRoot('stops with disk-full on a real full volume, leaves nothing, and resumes once there is space', async () => {
    const vol = mountTmpfs(256)
    const t = track(tempLibrary({ root: path.join(vol, 'Library') }))
    const bytes = Buffer.alloc(600_000, 3)
    const { id, result } = await importOne(t, bytes)
    expect(isCradleError(result, 'disk-full')).toBe(true)
    const ctx = (result as CradleError).context
    expect(ctx.totalBytes).toBe(256 * 1024)
    expect(typeof ctx.freeBytes).toBe('number')
    expect(fs.readdirSync(path.join(t.root, '.cradle-staging'))).toEqual([]) // space given back
    expect(finalFiles(t.root)).toEqual([])
    expect(t.lib.db.prepare('SELECT state, error_code FROM device_files WHERE id = ?').get(id)).toEqual({ state: 'pending', error_code: 'disk-full' })
    execFileSync('mount', ['-o', 'remount,size=4m', vol])
    const done = await t.lib.importFile(id, memorySource(bytes), { signal: ABORT })
    expect(fs.readFileSync(path.join(t.root, done.libraryPath!)).equals(bytes)).toBe(true)
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
  })

  it('maps an injected ENOSPC during the write to disk-full and drops the staging file', async () => {
    const t = track(tempLibrary({
      fs: {
        open: async (file, flags) => {
          const fh = await realLibraryFs.open(file, flags)
          if (file.endsWith('.part')) fh.write = (() => Promise.reject(errno('ENOSPC'))) as typeof fh.write
          return fh
        },
      },
    }))
    const { result } = await importOne(t, Buffer.alloc(50_000, 1))
    expect(isCradleError(result, 'disk-full')).toBe(true)
    expect((result as CradleError).context.freeBytes).toBeGreaterThan(0)
    expect(fs.readdirSync(path.join(t.root, '.cradle-staging'))).toEqual([])
    expect(finalFiles(t.root)).toEqual([])
  })

  it('maps EACCES (injected: root ignores modes) to library-permission', async () => {
    const t = track(tempLibrary({ fs: { mkdir: () => Promise.reject(errno('EACCES')) } }))
    const { id, result } = await importOne(t, Buffer.alloc(10, 1))
    expect(isCradleError(result, 'library-permission')).toBe(true)
    expect((result as CradleError).context.path).toBe(t.root)
    expect(t.lib.db.prepare('SELECT state FROM device_files WHERE id = ?').get(id)).toEqual({ state: 'pending' })
  })

  it('maps an EPERM on the final link and rename to library-permission, leaving no final file', async () => {
    const t = track(tempLibrary({ fs: { link: () => Promise.reject(errno('EPERM')), rename: () => Promise.reject(errno('EPERM')) } }))
    const { result } = await importOne(t, Buffer.alloc(10, 1))
    expect(isCradleError(result, 'library-permission')).toBe(true)
    expect(finalFiles(t.root)).toEqual([])
    expect(fs.readdirSync(path.join(t.root, '.cradle-staging'))).toEqual([])
  })

  it('falls back to check-then-rename on a volume without hard links (exFAT answers EPERM to link)', async () => {
    const t = track(tempLibrary({ fs: { link: () => Promise.reject(errno('EPERM')) } }))
    const { result } = await importOne(t, Buffer.alloc(10, 1), 'IMG_0002.JPG')
    expect(result).toMatchObject({ state: 'done' })
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
  })

  itAsRoot('reports a read-only volume (EROFS) as library-permission', async () => {
    const vol = mountTmpfs(1024)
    const t = track(tempLibrary({ root: path.join(vol, 'Library') }))
    execFileSync('mount', ['-o', 'remount,ro', vol])
    const { result } = await importOne(t, Buffer.alloc(10, 1))
    expect(isCradleError(result, 'library-permission')).toBe(true)
  })

  it('never recreates a library folder that went missing (unplugged drive), and resumes when it is back', async () => {
    const t = track(tempLibrary())
    const moved = `${t.root}-unplugged`
    fs.renameSync(t.root, moved)
    const { id, result } = await importOne(t, Buffer.alloc(10, 1))
    expect(isCradleError(result, 'library-missing')).toBe(true)
    expect((result as CradleError).context.path).toBe(t.root)
    expect(fs.existsSync(t.root)).toBe(false)
    expect(() => t.lib.prepare()).toThrow(expect.objectContaining({ code: 'library-missing' }))
    expect((await t.lib.view()).available).toBe(false)
    // A different Library over the same catalog (next start) does not recreate it either.
    const again = new Library(t.lib.db, defaultSettings(t.root))
    expect(() => again.prepare()).toThrow(expect.objectContaining({ code: 'library-missing' }))
    expect(fs.existsSync(t.root)).toBe(false)
    fs.renameSync(moved, t.root)
    const done = await t.lib.importFile(id, memorySource(Buffer.alloc(10, 1)), { signal: ABORT })
    expect(done.state).toBe('done')
  })

  itAsRoot('stops with library-missing when the drive goes away mid-file, and does not recreate the folder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-vol-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir])
    let mounted = true
    cleanups.push(() => {
      if (mounted) execFileSync('umount', ['-l', dir])
      fs.rmSync(dir, { recursive: true, force: true })
    })
    const t = track(tempLibrary({ root: path.join(dir, 'Library') }))
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    const bytes = Buffer.alloc(2_000_000, 5)
    const id = t.lib.planScan('A', listing([sourceFile('/DCIM/100APPLE/IMG_0001.MOV', bytes.length)]), 1).toImport[0]!.id
    const unplugging: ImportSource = {
      async copyTo(sink) {
        sink.write(bytes.subarray(0, 1_000_000))
        execFileSync('umount', ['-l', dir]) // the drive is pulled: the path now shows the bare mount point
        mounted = false
        sink.write(bytes.subarray(1_000_000))
      },
    }
    const err = await t.lib.importFile(id, unplugging, { signal: ABORT }).catch((e: unknown) => e)
    expect(isCradleError(err, 'library-missing')).toBe(true)
    expect(fs.readdirSync(dir)).toEqual([]) // nothing written onto the computer's own disk
    expect(t.lib.db.prepare('SELECT state, asset_id FROM device_files WHERE id = ?').get(id)).toEqual({ state: 'pending', asset_id: null })
    expect(t.lib.db.prepare('SELECT COUNT(*) AS n FROM assets').get()).toEqual({ n: 0 })
  })

  it('treats an empty folder where the library was (a bare mount point) as missing', async () => {
    const t = track(tempLibrary())
    fs.rmSync(t.root, { recursive: true })
    fs.mkdirSync(t.root)
    const { result } = await importOne(t, Buffer.alloc(10, 1))
    expect(isCradleError(result, 'library-missing')).toBe(true)
  })
})
