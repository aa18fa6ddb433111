/**
 * The completeness report runs on every device-card refresh, on the engine's event loop: each of
 * its per-asset look-ups into device_files must go through the (udid, path) index. With the
 * (udid, present, state) index SQLite scans every file of the phone once per asset — for a
 * 50,000-item phone that blocked `cradle serve` for minutes. Checked on the query plans of the
 * statements the report actually prepares.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { openCatalogDb, type Db } from '../../../src/main/library/catalog-db.js'
import { librarySchema } from '../../../src/main/library/schema.js'
import { photoLibraryReport } from '../../../src/main/photos/catalog-photo-store.js'
import { preparedWhile } from '../../helpers/statement-counter.js'

const UDID = '00008110-0000000000000001'
let dir: string
let db: Db

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-report-plan-'))
  db = openCatalogDb(path.join(dir, 'catalog.sqlite'), [librarySchema])
  db.prepare("INSERT INTO devices (udid, name, first_seen, last_seen) VALUES (?, 'iPhone', 0, 0)").run(UDID)
  db.prepare('INSERT INTO photo_library_reads (udid, available, reason, read_at) VALUES (?, 1, NULL, 0)').run(UDID)
})
afterEach(() => {
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

it('looks each asset up in device_files by (udid, path), never by scanning the phone’s files', () => {
  let report: ReturnType<typeof photoLibraryReport> = null
  const prepared = preparedWhile(db, () => (report = photoLibraryReport(db, UDID)))
  expect(report).not.toBeNull()

  // The statements whose per-asset look-up is an EXISTS into device_files (df); the list of files
  // the phone has but its library does not (device_files as the outer table) is a scan by design.
  const lookups = prepared.filter((sql) => sql.includes('EXISTS (SELECT 1 FROM device_files df')).flatMap((sql) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(UDID) as { detail: string }[]).map((r) => r.detail)).filter((d) => /^SEARCH df\b/.test(d))
  expect(lookups.length).toBeGreaterThanOrEqual(2) // the "safe" counts and the missing files
  for (const detail of lookups) expect(detail).toMatch(/\(udid=\? AND path=\?\)/)
})
