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
import { runBackup } from '../../../src/main/engine/backup-run.js'
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

/** A phone with /DCIM/100APPLE/<name> files; `broken` names throw a protocol error on download. */
function phone(files: Record<string, Buffer>, broken: readonly string[] = []): PhoneFiles & { downloads: string[] } {
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
      await new Promise((r) => setImmediate(r))
      sink.write(files[name]!.subarray(offset))
    },
    close: async () => undefined,
  }
}

function run(lib: Library, files: PhoneFiles) {
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
    },
    new AbortController().signal,
  )
}

describe('runBackup', () => {
  it('takes the last file once when two workers reach the end of the queue together', async () => {
    const lib = library()
    const files = phone({ 'IMG_0001.JPG': Buffer.from('one') })
    const counts = await run(lib, files)
    expect(counts).toEqual({ imported: 1, alreadyHad: 0, unavailable: 0, failed: 0, bytes: 3 })
    expect(files.downloads).toEqual(['/DCIM/100APPLE/IMG_0001.JPG'])
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
})
