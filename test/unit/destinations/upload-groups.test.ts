/**
 * Each destination's counts speak in photos and videos (issue 15): upload_groups holds one row per
 * (destination, library group) with the state the photo has there, kept by triggers on uploads.
 * Checked against the file-by-file definition (combineUploadStates over the group's files), on a
 * catalog migrated from before the table (the backfill) and after changes made through the queue;
 * the counts and the triggers' look-ups must be index ranges and key searches, never a scan.
 */
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DestinationStore } from '../../../src/main/destinations/destination-store.js'
import { UploadQueue } from '../../../src/main/destinations/queue/upload-queue.js'
import { groupRowSql, uploadsSchema } from '../../../src/main/destinations/queue/uploads-schema.js'
import { combineUploadStates, type AssetUploadState } from '../../../src/main/destinations/upload-status.js'
import { openCatalogDb, type Db } from '../../../src/main/library/catalog-db.js'
import { librarySchema } from '../../../src/main/library/schema.js'
import type { UploadState } from '../../../src/shared/state.js'
import { makeTestLibrary, type TestLibrary } from '../../fakes/test-library.js'
import { preparedWhile } from '../../helpers/statement-counter.js'

const FAIL = { code: 'destination-conflict', detail: 'exists with different content' }

/** Every (destination, group) row as the file-by-file definition says it, and as upload_groups holds it. */
function bothWays(db: Db): { expected: Record<string, string>; stored: Record<string, string> } {
  const files = db.prepare<[], { destination_id: string; group_id: number; asset_id: number; state: UploadState; deduped: number }>(
    'SELECT u.destination_id, a.group_id, u.asset_id, u.state, u.deduped FROM uploads u JOIN assets a ON a.id = u.asset_id ORDER BY u.asset_id').all()
  const byKey = new Map<string, { states: AssetUploadState[][]; deduped: number[] }>()
  for (const f of files) {
    const key = `${f.destination_id}/${f.group_id}`
    const entry = byKey.get(key) ?? { states: [], deduped: [] }
    entry.states.push([{ destinationId: f.destination_id, state: f.state, error: null }])
    if (f.state === 'done') entry.deduped.push(f.deduped)
    byKey.set(key, entry)
  }
  const expected: Record<string, string> = {}
  for (const [key, e] of byKey) expected[key] = `${combineUploadStates(e.states)[0]!.state}:${e.deduped.length > 0 && e.deduped.every((d) => d === 1) ? 1 : 0}`
  const stored: Record<string, string> = {}
  for (const r of db.prepare<[], { destination_id: string; group_id: number; state: string; deduped: number }>('SELECT destination_id, group_id, state, deduped FROM upload_groups').all()) {
    stored[`${r.destination_id}/${r.group_id}`] = `${r.state}:${r.deduped}`
  }
  return { expected, stored }
}

describe('upload_groups: a destination counts photos and videos', () => {
  let lib: TestLibrary
  let queue: UploadQueue
  let store: DestinationStore
  beforeEach(() => {
    lib = makeTestLibrary()
    queue = new UploadQueue(lib.db)
    store = new DestinationStore(lib.db)
  })
  afterEach(() => lib.cleanup())

  function livePhoto(n: number) {
    const g = lib.addGroup()
    return {
      group: g,
      still: lib.addAsset({ libraryPath: `2026/IMG_${n}.HEIC`, groupId: g }),
      video: lib.addAsset({ libraryPath: `2026/IMG_${n}.MOV`, groupId: g, role: 'motion' }),
    }
  }

  it('a Live Photo with one file failed is 1 failed photo; with both files done, 1 photo done', () => {
    const live = livePhoto(1)
    const d = store.insert('folder', 'Copy', { path: '/x' }, [], 0)
    queue.enqueue(0)
    expect(queue.counts(d.id)).toMatchObject({ pending: 1, done: 0, failed: 0, waitingFiles: 2 })
    expect(queue.photosWaiting(d.id)).toBe(1)

    queue.markDone(d.id, live.video.id, 'IMG_1.MOV', false, 10, 1)
    queue.claim(d.id, 2)
    expect(queue.counts(d.id)).toMatchObject({ uploading: 1, pending: 0, done: 0, waitingFiles: 1 })
    queue.markFailed(d.id, live.still.id, 5, FAIL, 3)
    expect(queue.counts(d.id)).toMatchObject({ failed: 1, done: 0, pending: 0, uploading: 0, waitingFiles: 0, pendingBytes: 0 })
    expect(queue.failureReasons(d.id)).toEqual([{ code: 'destination-conflict', count: 1, example: FAIL.detail }])

    queue.retryFailed(d.id, 4)
    expect(queue.counts(d.id)).toMatchObject({ pending: 1, failed: 0, waitingFiles: 1, pendingBytes: live.still.content.length })
    queue.markDone(d.id, live.still.id, 'IMG_1.HEIC', true, 10, 5)
    expect(queue.counts(d.id)).toMatchObject({ done: 1, pending: 0, failed: 0, deduped: 0 })
    expect(queue.failureReasons(d.id)).toEqual([])
  })

  it('an edited photo (original, render, .AAE) is one photo; a skipped .AAE leaves it done; already there when every file was', () => {
    const g = lib.addGroup()
    const original = lib.addAsset({ libraryPath: '2026/IMG_2.HEIC', groupId: g })
    const render = lib.addAsset({ libraryPath: '2026/IMG_E2.HEIC', groupId: g, role: 'edited' })
    lib.addAsset({ libraryPath: '2026/IMG_2.AAE', groupId: g, role: 'sidecar' })
    const immich = store.insert('immich', 'Immich', { url: 'http://i' }, ['sidecar'], 0)
    queue.enqueue(0)
    queue.applyCheck(immich.id, [original, render].map((a) => ({ assetId: a.id }) as never), new Map([[original.id, 'r1'], [render.id, 'r2']]), 1)
    expect(queue.counts(immich.id)).toMatchObject({ done: 1, deduped: 1, skipped: 0, pending: 0 })
  })

  it('keeps the file-by-file definition through the queue’s changes; a removed destination takes its photos with it', () => {
    const lives = [livePhoto(1), livePhoto(2), livePhoto(3)]
    const single = lib.addAsset({ libraryPath: '2026/IMG_9.JPG' })
    const a = store.insert('folder', 'A', { path: '/a' }, [], 0)
    const b = store.insert('immich', 'B', { url: 'http://b' }, ['motion'], 0)
    queue.enqueue(0)
    queue.markDone(a.id, lives[0]!.still.id, 'x', false, 1, 1)
    queue.markFailed(a.id, lives[1]!.video.id, 1, FAIL, 1)
    queue.markRetry(b.id, lives[2]!.still.id, 1, 99, FAIL, 1)
    queue.markSkipped(b.id, single.id, FAIL, 1)
    queue.claim(a.id, 2)
    queue.requeue(a.id, lives[0]!.still.id, FAIL, 3)
    queue.markDone(b.id, lives[0]!.still.id, 'y', true, 1, 4)
    const now = bothWays(lib.db)
    expect(Object.keys(now.stored)).toHaveLength(8)
    expect(now.stored).toEqual(now.expected)
    expect(queue.counts(b.id)).toMatchObject({ done: 1, pending: 2, skipped: 1 })

    store.remove(b.id)
    expect(lib.db.prepare('SELECT COUNT(*) AS n FROM upload_groups WHERE destination_id = ?').get(b.id)).toEqual({ n: 0 })
    const after = bothWays(lib.db)
    expect(after.stored).toEqual(after.expected)
  })

  it('counts from index ranges and refreshes one photo by key look-ups (no scan of the uploads)', () => {
    livePhoto(1)
    const d = store.insert('folder', 'Copy', { path: '/x' }, [], 0)
    queue.enqueue(0)
    const prepared = preparedWhile(lib.db, () => {
      queue.counts(d.id)
      queue.photosWaiting(d.id)
      queue.failureReasons(d.id)
    })
    const plans = prepared.map((sql) => (lib.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(d.id) as { detail: string }[]).map((r) => r.detail))
    expect(plans).toHaveLength(4)
    for (const plan of plans) {
      expect(plan.filter((p) => /\bupload_groups\b|\bg\b/.test(p)).every((p) => /USING (COVERING )?INDEX upload_groups_(state|waiting)/.test(p)), plan.join('\n')).toBe(true)
      expect(plan.some((p) => /^SCAN/.test(p)), plan.join('\n')).toBe(false)
      // The failure's example is read from the destination's failed files only.
      for (const p of plan.filter((p) => /^SEARCH u\b/.test(p))) expect(p).toMatch(/USING INDEX uploads_work \(destination_id=\? AND state=\?\)/)
    }
    // What the triggers run per changed upload: each table reached by a key, nothing scanned.
    const trigger = (lib.db.prepare(`EXPLAIN QUERY PLAN ${groupRowSql('?', '?')}`).all(d.id, 1, d.id) as { detail: string }[]).map((r) => r.detail)
    expect(trigger.some((p) => /^SCAN/.test(p)), trigger.join('\n')).toBe(false)
    expect(trigger.join('\n')).toMatch(/SEARCH a USING INDEX assets_group/)
    expect(trigger.join('\n')).toMatch(/SEARCH u USING PRIMARY KEY/)
  })
})

describe('upload_groups backfill (uploads schema v5)', () => {
  it('a catalog from before the table gets one row per (destination, photo), equal to the file-by-file definition', () => {
    const lib = makeTestLibrary()
    const file = path.join(lib.dataDir, 'old.sqlite')
    const before = { ...uploadsSchema, migrations: uploadsSchema.migrations.slice(0, 4) }
    let db = openCatalogDb(file, [librarySchema, before])
    try {
      expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'upload_groups'").get()).toEqual({ n: 0 })
      db.prepare(`INSERT INTO upload_destinations (id, name, kind, config_json, created_at) VALUES ('d1', 'A', 'folder', '{}', 0), ('d2', 'B', 'immich', '{}', 0)`).run()
      const group = (n: number) => Number(db.prepare(`INSERT INTO groups (source_udid, source_folder, source_stem, library_folder, stem, created_at) VALUES ('p', '/DCIM/100APPLE', ?, '2026', ?, 0)`).run(`IMG_${n}`, `IMG_${n}`).lastInsertRowid)
      const asset = (g: number, name: string, role: string) => Number(db.prepare(`INSERT INTO assets (sha256, sha1, size, library_path, file_name, mime, group_id, role, imported_at)
        VALUES (?, 'x', 10, ?, ?, 'image/heic', ?, ?, 0)`).run(name, `2026/${name}`, name, g, role).lastInsertRowid)
      const upload = db.prepare('INSERT INTO uploads (destination_id, asset_id, state, deduped, error_code, updated_at) VALUES (?, ?, ?, ?, ?, 0)')
      // Every mix of two files' states on one destination, and single files, on two destinations.
      const states: UploadState[] = ['pending', 'uploading', 'done', 'failed', 'skipped']
      let n = 0
      for (const s1 of states) {
        for (const s2 of states) {
          const g = group(++n)
          const still = asset(g, `IMG_${n}.HEIC`, 'original')
          const video = asset(g, `IMG_${n}.MOV`, 'motion')
          upload.run('d1', still, s1, s1 === 'done' ? 1 : 0, s1 === 'failed' ? 'destination-conflict' : null)
          upload.run('d1', video, s2, s2 === 'done' && n % 2 === 0 ? 1 : 0, null)
          upload.run('d2', still, s2, 0, null)
        }
      }
      for (const s of states) upload.run('d2', asset(group(++n), `IMG_${n}.JPG`, 'original'), s, 0, null)
      db.close()

      db = openCatalogDb(file, [librarySchema, uploadsSchema])
      const { expected, stored } = bothWays(db)
      expect(Object.keys(stored)).toHaveLength(25 + 25 + 5)
      expect(stored).toEqual(expected)
      // A failed photo whose still failed without a code counts as 'internal'; with both, the still's code.
      expect(new UploadQueue(db).failureReasons('d1')).toEqual([
        { code: 'destination-conflict', count: 5, example: null },
        { code: 'internal', count: 4, example: null },
      ])
    } finally {
      db.close()
      lib.cleanup()
    }
  })
})
