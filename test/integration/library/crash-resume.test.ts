import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CHECKPOINT_BYTES, stagingPath } from '../../../src/main/library/staging.js'
import type { ImportSource } from '../../../src/main/library/source.js'
import { ABORT, fixture, listing, memorySource, sourceFile, tempLibrary, type TempLibrary } from './helpers.js'

let t: TempLibrary
afterEach(() => t?.cleanup())

describe('crash and concurrency', () => {
  it('records fsynced checkpoints while copying, and after a crash resumes from the last one, cutting unrecorded bytes', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    const bytes = crypto.randomBytes(CHECKPOINT_BYTES + 8 * 1024 * 1024)
    const id = t.lib.planScan('A', listing([sourceFile('/DCIM/100APPLE/IMG_0001.MOV', bytes.length)]), 1).toImport[0]!.id
    let seenCheckpoint = 0
    // Copies past one checkpoint, waits for its fsync to be recorded, then "the process dies":
    // the source never finishes and we leave the row as a crash would.
    const dying: ImportSource = {
      async copyTo(sink) {
        const upTo = CHECKPOINT_BYTES + 4 * 1024 * 1024
        for (let off = 0; off < upTo; off += 1024 * 1024) if (!sink.write(bytes.subarray(off, off + 1024 * 1024))) await new Promise((r) => sink.once('drain', r))
        for (let i = 0; i < 100 && seenCheckpoint === 0; i++) {
          await new Promise((r) => setTimeout(r, 20))
          seenCheckpoint = (t.lib.db.prepare('SELECT staged_bytes AS s FROM device_files WHERE id = ?').get(id) as { s: number }).s
        }
        throw new Error('simulated crash')
      },
    }
    await t.lib.importFile(id, dying, { signal: ABORT }).catch(() => undefined)
    expect(seenCheckpoint).toBeGreaterThanOrEqual(CHECKPOINT_BYTES)
    // What a SIGKILL leaves: the row still 'importing' at the checkpoint, the file longer than that
    // (with bytes the catalog never vouched for: garbage here, to prove they are cut).
    t.lib.db.prepare("UPDATE device_files SET state = 'importing', staged_bytes = ? WHERE id = ?").run(seenCheckpoint, id)
    fs.appendFileSync(stagingPath(t.root, id), Buffer.alloc(12345, 0xee))
    expect(t.lib.recover()).toEqual({ resetRows: 1, removedStaging: 0 })
    const src = memorySource(bytes, { chunk: 1024 * 1024 })
    const done = await t.lib.importFile(id, src, { signal: ABORT })
    expect(src.offsets).toEqual([seenCheckpoint])
    expect(fs.readFileSync(path.join(t.root, done.libraryPath!)).equals(bytes)).toBe(true)
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
  })

  it('starts over when the staging file is shorter than the catalog says (lost with the page cache)', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    const bytes = fixture('live.mov')
    const id = t.lib.planScan('A', listing([sourceFile('/DCIM/100APPLE/IMG_0001.MOV', bytes.length)]), 1).toImport[0]!.id
    await t.lib.importFile(id, memorySource(bytes, { stopAt: 1000 }), { signal: ABORT }).catch(() => undefined)
    fs.truncateSync(stagingPath(t.root, id), 10)
    const src = memorySource(bytes)
    const done = await t.lib.importFile(id, src, { signal: ABORT })
    expect(src.offsets).toEqual([0])
    expect(fs.readFileSync(path.join(t.root, done.libraryPath!)).equals(bytes)).toBe(true)
  })

  it('places two phones’ different IMG_0001 imported at the same moment under different names', async () => {
    t = tempLibrary()
    const bytesA = fixture('photo.jpg')
    const bytesB = Buffer.concat([fixture('photo.jpg'), Buffer.from('B')])
    const ids = ['A', 'B'].map((udid, i) => {
      t.lib.beginConnection({ udid, name: udid })
      return t.lib.planScan(udid, listing([sourceFile('/DCIM/100APPLE/IMG_0001.JPG', [bytesA, bytesB][i]!.length)]), 1).toImport[0]!.id
    })
    const [a, b] = await Promise.all([
      t.lib.importFile(ids[0]!, memorySource(bytesA, { chunk: 100 }), { signal: ABORT }),
      t.lib.importFile(ids[1]!, memorySource(bytesB, { chunk: 100 }), { signal: ABORT }),
    ])
    expect([a.libraryPath, b.libraryPath].sort()).toEqual(['2023/2023-08/IMG_0001-1.JPG', '2023/2023-08/IMG_0001.JPG'])
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
    await expect(Promise.all([t.lib.importFile(ids[0]!, memorySource(bytesA), { signal: ABORT })])).resolves.toEqual([expect.objectContaining({ state: 'done', bytesTransferred: 0 })])
  })

  it('refuses to import the same device file twice at once', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    const bytes = fixture('live.mov')
    const id = t.lib.planScan('A', listing([sourceFile('/DCIM/100APPLE/IMG_0001.MOV', bytes.length)]), 1).toImport[0]!.id
    const first = t.lib.importFile(id, memorySource(bytes, { chunk: 10 }), { signal: ABORT })
    await expect(t.lib.importFile(id, memorySource(bytes), { signal: ABORT })).rejects.toMatchObject({ code: 'busy' })
    await expect(first).resolves.toMatchObject({ state: 'done' })
  })

  it('fails a file that sends more bytes than listed (it changed) without keeping anything', async () => {
    t = tempLibrary()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    const bytes = fixture('live.mov')
    const id = t.lib.planScan('A', listing([sourceFile('/DCIM/100APPLE/IMG_0001.MOV', bytes.length - 100)]), 1).toImport[0]!.id
    await expect(t.lib.importFile(id, memorySource(bytes), { signal: ABORT })).rejects.toMatchObject({ code: 'device-protocol' })
    expect(t.lib.db.prepare('SELECT state, error_code FROM device_files WHERE id = ?').get(id)).toEqual({ state: 'failed', error_code: 'device-protocol' })
    expect(t.lib.checkConsistency()).toEqual([])
    expect(t.lib.queueCounts()).toMatchObject({ failed: 1 })
  })
})
