import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createPhonePort } from '../../../src/main/engine/device-adapter.js'
import type { PhoneFiles, PhoneLink } from '../../../src/main/engine/phone-port.js'
import { PHOTOS_DB, readPhotoLibrary } from '../../../src/main/photos/photo-library-reader.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'

let sim: Simulator
let tmpRoot: string
const links: PhoneLink[] = []
const signal = new AbortController().signal

beforeAll(async () => {
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'photos-reader-'))
  sim = await startSimulator({
    devices: [
      { udid: '00008110-0000000000000B01', photos: { count: 25, seed: 3 }, photoLibrary: { schema: 'ios17' } },
      { udid: '00008110-0000000000000B02', photos: { count: 25, seed: 3 }, photoLibrary: { schema: 'ios14' } },
      { udid: '00008110-0000000000000B03', photos: { count: 5, seed: 3 } },
      { udid: '00008110-0000000000000B04', photos: { count: 5, seed: 3 }, photoLibrary: {}, photoDataUnreadable: true },
    ],
  })
})
afterAll(async () => {
  await sim?.close()
  fs.rmSync(tmpRoot, { recursive: true, force: true })
})
afterEach(async () => {
  while (links.length > 0) await links.pop()!.close()
  // The private copy is gone after every read.
  expect(fs.readdirSync(tmpRoot)).toEqual([])
})

async function phoneFiles(udid: string): Promise<PhoneFiles> {
  const link = await createPhonePort({ muxAddress: sim.address }).open(udid, { signal, onTrust: () => undefined })
  links.push(link)
  return link.openFiles(signal)
}

describe('readPhotoLibrary over AFC', () => {
  it.each([['ios17', 0], ['ios14', 1]] as const)('%s: copies the database with its -wal and reads every asset, the -wal-only ones too', async (_schema, i) => {
    const udid = sim.devices[i]!.udid
    const read = await readPhotoLibrary(await phoneFiles(udid), { signal, tmpRoot })
    if (!read.available) throw new Error(read.reason)
    const expected = sim.photoLibrary(udid)!.assets
    expect(read.model.assets.map((a) => a.uuid)).toEqual(expected.map((a) => a.uuid))
    for (const [j, a] of read.model.assets.entries()) {
      const e = expected[j]!
      expect({ path: a.phonePath, name: a.originalFileName, fav: a.favorite, hidden: a.hidden, trashed: a.trashed, cloud: a.iCloudOnly, albums: a.albums })
        .toEqual({ path: e.phonePath, name: e.originalFileName, fav: e.favorite, hidden: e.hidden, trashed: e.trashed, cloud: e.iCloudOnly, albums: e.albums })
    }
    expect(expected.filter((a) => a.inWal).length).toBeGreaterThan(0)
  })

  it('a phone without the database: unavailable, with the reason', async () => {
    const read = await readPhotoLibrary(await phoneFiles(sim.devices[2]!.udid), { signal, tmpRoot })
    expect(read).toEqual({ available: false, code: 'missing', reason: 'the iPhone does not share its Photos library database' })
  })

  it('a phone that refuses /PhotoData: unavailable, naming the AFC status', async () => {
    const read = await readPhotoLibrary(await phoneFiles(sim.devices[3]!.udid), { signal, tmpRoot })
    expect(read).toEqual({ available: false, code: 'unreadable', reason: expect.stringContaining('PERM_DENIED') })
  })

  it('a torn copy (the -wal changed while copying) is copied again', async () => {
    const files = await phoneFiles(sim.devices[0]!.udid)
    let statCalls = 0
    let downloads = 0
    // Photos writes between our first stat and the stat after the copy, once.
    const changing: PhoneFiles = {
      ...files,
      async statMany(paths, s) {
        const stats = await files.statMany(paths, s)
        statCalls++
        if (statCalls === 2 && paths[1] === `${PHOTOS_DB}-wal`) {
          const wal = stats[1]
          if (wal && !(wal instanceof Error)) stats[1] = { ...wal, size: wal.size + 4096 }
        }
        return stats
      },
      download(p, sink, o) {
        downloads++
        return files.download(p, sink, o)
      },
    }
    const read = await readPhotoLibrary(changing, { signal, tmpRoot })
    expect(read.available).toBe(true)
    expect(downloads).toBe(6) // three files, twice
  })

  it('a library that never holds still: unavailable after a few copies', async () => {
    const files = await phoneFiles(sim.devices[0]!.udid)
    let n = 0
    const restless: PhoneFiles = {
      ...files,
      async statMany(paths, s) {
        const stats = await files.statMany(paths, s)
        const db = stats[0]
        if (db && !(db instanceof Error)) stats[0] = { ...db, mtimeNs: db.mtimeNs + BigInt(++n) }
        return stats
      },
    }
    const read = await readPhotoLibrary(restless, { signal, tmpRoot, attempts: 3 })
    expect(read).toEqual({ available: false, code: 'changing', reason: expect.stringContaining('kept changing') })
    expect(n).toBe(6)
  })
})
