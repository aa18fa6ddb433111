/**
 * runBackup with an in-memory phone (PhoneFiles written from the interface, see phone-port.ts) and
 * a real Library in a temp folder: the two import workers share one queue, so the last file must
 * be taken exactly once, and one odd file must not stop the others.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { CradleError } from '../../../src/shared/errors.js'
import { defaultSettings } from '../../../src/shared/settings.js'
import { LOCK_CHECK_AFTER, partialCounts, runBackup, type BackupRunDeps } from '../../../src/main/engine/backup-run.js'
import { afcError } from '../../../src/main/device/afc/afc-errors.js'
import { AfcStatus } from '../../../src/main/device/afc/status.js'
import type { PhoneFiles, PhoneFileStat } from '../../../src/main/engine/phone-port.js'
import { Library } from '../../../src/main/library/library.js'
import { createLogger } from '../../../src/main/logging/logger.js'

const dirs: string[] = []
const libs: Library[] = []
afterEach(() => {
  for (const l of libs.splice(0)) l.close()
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

function library(): Library {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-run-'))
  dirs.push(dir)
  const lib = Library.open(path.join(dir, 'data'), defaultSettings(path.join(dir, 'Library')), { hashOnWorker: false })
  lib.prepare()
  libs.push(lib)
  return lib
}

/** A phone with /DCIM/100APPLE/<name> files; `broken` names throw an odd error on download, `refused` ones their AFC error. */
function phone(files: Record<string, Buffer>, broken: readonly string[] = [], refused: Record<string, () => CradleError | null> = {}): PhoneFiles & { downloads: string[] } {
  const at = 1_700_000_000_000_000_000n
  const downloads: string[] = []
  const stat = (p: string): PhoneFileStat | null => {
    if (p === '/DCIM/100APPLE') return { type: 'dir', size: 0, mtimeNs: at, birthtimeNs: at }
    const name = p.slice('/DCIM/100APPLE/'.length)
    const data = files[name]
    return data ? { type: 'file', size: data.length, mtimeNs: at, birthtimeNs: at } : null
  }
  return {
    downloads,
    listDir: async (p) => (p === '/DCIM' ? ['100APPLE'] : Object.keys(files)),
    statMany: async (paths) => paths.map(stat),
    async download(p: string, sink: Writable, { offset }) {
      downloads.push(p)
      const name = p.slice(p.lastIndexOf('/') + 1)
      if (broken.includes(name)) throw new CradleError('invalid-input', 'odd file')
      const refusal = refused[name]?.()
      if (refusal) throw refusal
      await new Promise((r) => setImmediate(r))
      sink.write(files[name]!.subarray(offset))
    },
    close: async () => undefined,
  }
}

function run(lib: Library, files: PhoneFiles, extra: Partial<BackupRunDeps> = {}) {
  const connection = lib.beginConnection({ udid: 'U1', name: 'iPhone' })
  return runBackup(
    {
      udid: 'U1',
      connection,
      files,
      library: lib,
      now: Date.now,
      log: createLogger('test'),
      onAssets: () => undefined,
      onProgress: () => undefined,
      onScanned: () => undefined,
      // An async checkpoint, as the power check is: both workers wait here at the end of the queue.
      checkpoint: () => new Promise<void>((r) => setImmediate(r)),
      concurrency: 2,
      ...extra,
    },
    new AbortController().signal,
  )
}

describe('runBackup', () => {
  it('takes the last file once when two workers reach the end of the queue together', async () => {
    const lib = library()
    const files = phone({ 'IMG_0001.JPG': Buffer.from('one') })
    const counts = await run(lib, files)
    expect(counts).toEqual({ imported: 1, alreadyHad: 0, unavailable: 0, unreadable: 0, failed: 0, bytes: 3, inICloudOnly: 0, inRecentlyDeleted: 0, photosImported: 1, photosNotBackedUp: 0, photosAlreadySafe: 0, photosInICloudOnly: 0 })
    expect(files.downloads).toEqual(['/DCIM/100APPLE/IMG_0001.JPG'])
  })

  it('counts photos and videos as the Photos app does: a Live Photo (2 files) and an edit (3 files) are one each', async () => {
    const lib = library()
    const files = phone({
      'IMG_0001.HEIC': Buffer.from('live still'), 'IMG_0001.MOV': Buffer.from('live video'),
      'IMG_0002.JPG': Buffer.from('original'), 'IMG_E0002.JPG': Buffer.from('render'), 'IMG_0002.AAE': Buffer.from('<plist/>'),
      'IMG_0003.JPG': Buffer.from('plain'),
    })
    const counts = await run(lib, files)
    expect(counts).toMatchObject({ imported: 6, failed: 0, photosImported: 3, photosNotBackedUp: 0 })
    // The next run finds them safe: 6 files, 3 photos and videos (what History says).
    expect(await run(lib, files)).toMatchObject({ imported: 0, alreadyHad: 6, photosImported: 0, photosAlreadySafe: 3 })
  })

  it('imports an odd number of files with two workers, each exactly once', async () => {
    const lib = library()
    const content = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`IMG_000${i + 1}.JPG`, Buffer.from(`photo ${i}`)]))
    const files = phone(content)
    const counts = await run(lib, files)
    expect(counts.imported).toBe(5)
    expect([...files.downloads].sort()).toEqual(Object.keys(content).map((n) => `/DCIM/100APPLE/${n}`).sort())
  })

  it('one file failing does not stop the others (counted as failed, marked for retry)', async () => {
    const lib = library()
    const files = phone({ 'IMG_0001.JPG': Buffer.from('a'), 'IMG_0002.JPG': Buffer.from('b'), 'IMG_0003.JPG': Buffer.from('c') }, ['IMG_0002.JPG'])
    const counts = await run(lib, files)
    expect(counts).toMatchObject({ imported: 2, failed: 1 })
    expect(lib.queueCounts().failed).toBe(1)
  })

  it('a file the phone refuses with any AFC status is that file\'s problem: counted apart (iCloud-only or couldn\'t read), the others imported', async () => {
    const lib = library()
    const names = ['IMG_0001.JPG', 'IMG_0002.JPG', 'IMG_0003.JPG', 'IMG_0004.JPG', 'IMG_0005.JPG', 'IMG_0006.JPG']
    const files = phone(Object.fromEntries(names.map((n) => [n, Buffer.from(n)])), [], {
      'IMG_0001.JPG': () => afcError(AfcStatus.UNKNOWN_ERROR, 'FileRefOpen', 'file', '/DCIM/100APPLE/IMG_0001.JPG'),
      'IMG_0002.JPG': () => afcError(AfcStatus.PERM_DENIED, 'FileRefOpen', 'file', '/DCIM/100APPLE/IMG_0002.JPG'),
      'IMG_0003.JPG': () => afcError(AfcStatus.READ_ERROR, 'FileRefRead', 'file', '/DCIM/100APPLE/IMG_0003.JPG'),
      'IMG_0004.JPG': () => afcError(AfcStatus.OBJECT_NOT_FOUND, 'FileRefOpen', 'file', '/DCIM/100APPLE/IMG_0004.JPG'),
    })
    const counts = await run(lib, files)
    expect(counts).toMatchObject({ imported: 2, unavailable: 2, unreadable: 2, failed: 0 })
    expect(lib.deviceCounts('U1')).toEqual({ itemsOnPhone: 6, itemsSafe: 2, itemsNotOnPhone: 2, itemsUnreadable: 2, itemsInRecentlyDeleted: 0, itemsInICloudOnly: 0,
      photos: { onPhone: 6, safe: 2, inICloudOnly: 2, unreadable: 2, inRecentlyDeleted: 0 } })
  })

  it('after a streak of refused files asks lockdown; a locked phone stops the run as device-locked and the streak goes back to the queue', async () => {
    const lib = library()
    const names = Array.from({ length: 8 }, (_, i) => `IMG_000${i + 1}.JPG`)
    let locked = false
    let asked = 0
    const files = phone(Object.fromEntries(names.map((n) => [n, Buffer.from(n)])), [], Object.fromEntries(names.map((n) => [n, () => (locked ? afcError(AfcStatus.PERM_DENIED, 'FileRefOpen', 'file', n) : null)])))
    // The first two import; then the phone locks and refuses everything.
    let imported = 0
    const error = await run(lib, files, {
      concurrency: 1,
      onAssets: () => {
        if (++imported === 2) locked = true
      },
      isLocked: async () => {
        asked++
        return locked
      },
    }).then(() => null, (e: unknown) => e)
    expect(error).toMatchObject({ code: 'device-locked' })
    expect(asked).toBe(1)
    expect(partialCounts(error)).toMatchObject({ imported: 2, unreadable: 0, unavailable: 0 })
    // Nothing is marked failed for the lock: the refused files wait, pending, for this connection's next run.
    expect(lib.deviceCounts('U1')).toMatchObject({ itemsSafe: 2, itemsUnreadable: 0, itemsNotOnPhone: 0 })
    expect(lib.queueCounts()).toMatchObject({ failed: 0, pending: 6 })
    expect(files.downloads).toHaveLength(2 + LOCK_CHECK_AFTER)
  })

  it('asks lockdown less often while it says the phone is not locked (a long run of iCloud-only files)', async () => {
    const lib = library()
    const names = Array.from({ length: 40 }, (_, i) => `IMG_${String(i + 1).padStart(4, '0')}.JPG`)
    let asked = 0
    const files = phone(Object.fromEntries(names.map((n) => [n, Buffer.from(n)])), [], Object.fromEntries(names.map((n) => [n, () => afcError(AfcStatus.READ_ERROR, 'FileRefRead', 'file', n)])))
    const counts = await run(lib, files, { concurrency: 1, isLocked: async () => (asked++, false) })
    expect(counts).toMatchObject({ imported: 0, unavailable: 40 })
    // After 3 files in a row, then 6 more, then 12 more (files 3, 9, 21): three questions for forty files.
    expect(asked).toBe(3)
  })
})
