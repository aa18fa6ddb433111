import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { History, historySchema } from '../../../src/main/engine/history.js'
import { openCatalogDb, type Db } from '../../../src/main/library/catalog-db.js'

describe('history', () => {
  let db: Db | undefined
  afterEach(() => db?.close())

  const open = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-history-'))
    db = openCatalogDb(path.join(dir, 'catalog.sqlite'), [historySchema])
    return new History(db)
  }

  const base = { kind: 'import' as const, sourceName: "Anna's iPhone", udid: 'U1', imported: 3, photosImported: 2, photosNotBackedUp: 0, photosAlreadySafe: 1, photosInICloudOnly: 0, alreadyHad: 1, unavailable: 0, unreadable: 0, failed: 0, bytes: 10, durationMs: 5 }

  it('lists recent runs newest first with their error words', () => {
    const history = open()
    history.add({ ...base, at: 1000, error: null })
    history.add({ ...base, at: 2000, error: { code: 'disk-full', context: { freeBytes: 0, totalBytes: 512e9 } } })
    const recent = history.recent()
    expect(recent.map((r) => r.at)).toEqual([2000, 1000])
    expect(recent[0]!.error).toMatchObject({ code: 'disk-full', message: 'The library disk is full (0 bytes free of 512 GB)' })
    expect(recent[1]!.error).toBeNull()
  })

  it('keeps photos and videos apart from files (a Live Photo is 2 files, 1 photo)', () => {
    const history = open()
    history.add({ ...base, imported: 2, photosImported: 1, failed: 3, photosNotBackedUp: 2, at: 1000, error: null })
    expect(history.recent()[0]).toMatchObject({ imported: 2, photosImported: 1, failed: 3, photosNotBackedUp: 2 })
    // A row recorded before photos were counted apart carries its file counts.
    db!.prepare("INSERT INTO history (at, kind, source_name, udid, imported, failed, unreadable, already_had, unavailable) VALUES (500, 'import', 'Old', 'U1', 7, 1, 2, 40, 4)").run()
    expect(history.recent().find((r) => r.at === 500)).toMatchObject({ imported: 7, photosImported: 7, photosNotBackedUp: 3, photosAlreadySafe: 40, photosInICloudOnly: 4 })
    history.add({ ...base, alreadyHad: 9, photosAlreadySafe: 5, unavailable: 4, photosInICloudOnly: 2, at: 2000, error: null })
    expect(history.recent()[0]).toMatchObject({ alreadyHad: 9, photosAlreadySafe: 5, unavailable: 4, photosInICloudOnly: 2 })
  })

  it('knows the last successful backup of a phone', () => {
    const history = open()
    history.add({ ...base, at: 1000, error: null })
    history.add({ ...base, at: 3000, error: { code: 'device-unplugged' } })
    history.add({ ...base, udid: 'U2', at: 4000, error: null })
    expect(history.lastSuccess('U1')).toBe(1000)
    expect(history.lastSuccess('U3')).toBeNull()
  })

  it("names the run's phone or destination in the error sentence", () => {
    const history = open()
    history.add({ ...base, at: 1000, error: { code: 'device-unplugged' } })
    history.add({ ...base, kind: 'upload', sourceName: 'Immich', udid: null, at: 2000, error: { code: 'destination-unreachable' } })
    history.add({ ...base, at: 3000, error: { code: 'device-unplugged', context: { deviceName: 'iPhone' } } })
    expect(history.recent().map((r) => r.error?.message)).toEqual(['iPhone was unplugged', "Can't reach Immich", "Anna's iPhone was unplugged"])
  })
})
