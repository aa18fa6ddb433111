/**
 * What the start-up integrity check of the catalog costs (issue 13): a catalog with N items
 * (device rows, groups, assets, one destination's uploads, as after a real backup), then
 * PRAGMA quick_check and PRAGMA integrity_check on it, each timed a few times.
 *
 *   npx tsx bench/catalog.bench.ts [--items 50000] [--runs 3]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import { uploadsSchema } from '../src/main/destinations/queue/uploads-schema.js'
import { historySchema } from '../src/main/engine/history.js'
import { migrate } from '../src/main/library/catalog-db.js'
import { librarySchema } from '../src/main/library/schema.js'

const { values } = parseArgs({ options: { items: { type: 'string' }, runs: { type: 'string' } } })
const items = Number(values.items ?? 50_000)
const runs = Number(values.runs ?? 3)

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-catalog-bench-'))
const file = path.join(dir, 'catalog.sqlite')
try {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  migrate(db, [librarySchema, uploadsSchema, historySchema])
  const hex = (i: number, salt: string): string => `${salt}${i.toString(16)}`.padStart(64, '0')
  db.transaction(() => {
    db.prepare("INSERT INTO devices (udid, name, first_seen, last_seen) VALUES ('00008110-000A1B2C3D4E5F60', 'iPhone', 0, 0)").run()
    db.prepare("INSERT INTO upload_destinations (id, name, kind, config_json, created_at) VALUES ('d1', 'NAS', 'webdav', '{}', 0)").run()
    const group = db.prepare("INSERT INTO groups (source_udid, source_folder, source_stem, library_folder, stem, captured_at, created_at) VALUES ('00008110-000A1B2C3D4E5F60', ?, ?, ?, ?, ?, 0)")
    const asset = db.prepare("INSERT INTO assets (sha256, sha1, size, library_path, file_name, mime, captured_at, group_id, role, imported_at) VALUES (?, ?, ?, ?, ?, 'image/heic', ?, ?, 'original', 0)")
    const file = db.prepare("INSERT INTO device_files (udid, path, folder, file_name, base_stem, size, mtime_ns, birthtime_ns, state, asset_id, group_id, first_seen, last_seen) VALUES ('00008110-000A1B2C3D4E5F60', ?, ?, ?, ?, ?, ?, ?, 'done', ?, ?, 0, 0)")
    const upload = db.prepare("INSERT INTO uploads (destination_id, asset_id, state, remote_ref, updated_at) VALUES ('d1', ?, 'done', ?, 0)")
    for (let i = 0; i < items; i++) {
      const folder = `/DCIM/${100 + Math.floor(i / 1000)}APPLE`
      const stem = `IMG_${String(i % 10_000).padStart(4, '0')}`
      const lib = `2026/2026-${String((i % 12) + 1).padStart(2, '0')}`
      const g = Number(group.run(folder, stem, lib, `${stem}-${i}`, 1_700_000_000_000 + i).lastInsertRowid)
      const a = Number(asset.run(hex(i, 'a'), hex(i, 'b').slice(24), 2_500_000 + i, `${lib}/${stem}-${i}.HEIC`, `${stem}-${i}.HEIC`, 1_700_000_000_000 + i, g).lastInsertRowid)
      file.run(`${folder}/${stem}.HEIC`, folder, `${stem}.HEIC`, stem, 2_500_000 + i, `${1_700_000_000_000_000_000n + BigInt(i)}`, `${1_700_000_000_000_000_000n + BigInt(i)}`, a, g)
      upload.run(a, `${lib}/${stem}-${i}.HEIC`)
    }
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  const bytes = fs.statSync(file).size
  const time = (pragma: string): number[] => {
    const out: number[] = []
    for (let r = 0; r < runs; r++) {
      const c = new Database(file, { readonly: true })
      const t0 = performance.now()
      const result = c.pragma(pragma, { simple: true })
      out.push(performance.now() - t0)
      c.close()
      if (result !== 'ok') throw new Error(`${pragma}: ${String(result)}`)
    }
    return out.sort((x, y) => x - y)
  }
  const quick = time('quick_check')
  const full = time('integrity_check')
  const median = (xs: number[]): string => xs[Math.floor(xs.length / 2)]!.toFixed(0)
  console.log(`catalog with ${items.toLocaleString('en')} items: ${(bytes / 1e6).toFixed(1)} MB`)
  console.log(`quick_check:     median ${median(quick)} ms (runs: ${quick.map((x) => x.toFixed(0)).join(', ')})`)
  console.log(`integrity_check: median ${median(full)} ms (runs: ${full.map((x) => x.toFixed(0)).join(', ')})`)
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
