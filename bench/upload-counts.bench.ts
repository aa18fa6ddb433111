/**
 * A destination's counts (issue 15): how long `UploadQueue.counts` and `failureReasons` take for a
 * library of `--photos` photos and videos (every other one a Live Photo, every 10th edited with an
 * .AAE; two destinations), and what one upload's state changes cost (claim, then done), at that
 * size and at a tenth of it — the per-upload cost must not grow with the library.
 *
 * Two builds side by side in one process, rounds interleaved: this tree's src/ ("after") and, with
 * `--before <worktree>`, another tree's src/ ("before"), each on its own catalog of the same shape.
 *
 *   npx tsx bench/upload-counts.bench.ts [--photos 50000] [--runs 7] [--changes 2000] [--before /path/to/other/worktree]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { photos: { type: 'string' }, runs: { type: 'string' }, changes: { type: 'string' }, before: { type: 'string' } } })
const photos = Number(values.photos ?? 50_000)
const runs = Number(values.runs ?? 7)
const changes = Number(values.changes ?? 2000)

interface Queue {
  counts(id: string): unknown
  failureReasons(id: string): unknown
  claim(id: string, now: number): { item: { assetId: number } } | null
  markDone(id: string, assetId: number, ref: string, deduped: boolean, bytes: number, now: number): void
  markRetry(id: string, assetId: number, attempts: number, nextAt: number, error: { code: string; detail: string }, now: number): void
}
interface Db {
  exec(sql: string): void
  close(): void
  prepare(sql: string): { all(...args: unknown[]): unknown[] }
}
interface Build {
  name: string
  open(file: string): { db: Db; queue: Queue }
}

async function load(name: string, root: string): Promise<Build> {
  const mod = async <T>(p: string): Promise<T> => (await import(pathToFileURL(path.join(root, 'src', p)).href)) as T
  const { openCatalogDb } = await mod<{ openCatalogDb: (file: string, modules: unknown[]) => Db }>('main/library/catalog-db.ts')
  const { librarySchema } = await mod<{ librarySchema: unknown }>('main/library/schema.ts')
  const { uploadsSchema } = await mod<{ uploadsSchema: unknown }>('main/destinations/queue/uploads-schema.ts')
  const { UploadQueue } = await mod<{ UploadQueue: new (db: unknown) => Queue }>('main/destinations/queue/upload-queue.ts')
  return {
    name,
    open(file) {
      const db = openCatalogDb(file, [librarySchema, uploadsSchema])
      return { db, queue: new UploadQueue(db) }
    },
  }
}

/** `n` photos: group i has its original, a Live Photo video when i is even, a render and an .AAE when i % 10 = 0. */
function seed(db: { exec(sql: string): void }, n: number): void {
  db.exec(`
    WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ${n})
    INSERT INTO groups (id, source_udid, source_folder, source_stem, library_folder, stem, created_at)
      SELECT i, 'P', '/DCIM/100APPLE', 'IMG_' || i, '2024', 'IMG_' || i, 0 FROM g;
    INSERT INTO assets (sha256, sha1, size, library_path, file_name, mime, group_id, role, imported_at)
      SELECT 'h' || id || r.role, 's', 1000, '2024/IMG_' || id || r.ext, 'IMG_' || id || r.ext, 'image/heic', id, r.role, 0
      FROM groups JOIN (SELECT 'original' AS role, '.HEIC' AS ext UNION ALL SELECT 'motion', '.MOV' UNION ALL SELECT 'edited', '_E.HEIC' UNION ALL SELECT 'sidecar', '.AAE') r
      WHERE r.role = 'original' OR (r.role = 'motion' AND id % 2 = 0) OR (r.role IN ('edited','sidecar') AND id % 10 = 0);
    INSERT INTO upload_destinations (id, name, kind, config_json, created_at, skip_roles) VALUES ('nas', 'NAS', 'folder', '{}', 0, ','), ('im', 'Immich', 'immich', '{}', 0, ',sidecar,');
    -- NAS: every 5th photo still waits (all its files); Immich: every 4th photo's still failed, .AAEs skipped.
    INSERT INTO uploads (destination_id, asset_id, state, updated_at) SELECT 'nas', id, CASE WHEN group_id % 5 = 0 THEN 'pending' ELSE 'done' END, 0 FROM assets;
    INSERT INTO uploads (destination_id, asset_id, state, error_code, updated_at)
      SELECT 'im', id, CASE WHEN role = 'sidecar' THEN 'skipped' WHEN group_id % 4 = 0 AND role = 'original' THEN 'failed' ELSE 'done' END,
        CASE WHEN group_id % 4 = 0 AND role = 'original' THEN 'destination-rejected' END, 0 FROM assets;`)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const time = (fn: () => unknown): number => {
  const t = performance.now()
  fn()
  return performance.now() - t
}

const here = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const builds = [await load('after', here)]
if (values.before) builds.unshift(await load('before', path.resolve(values.before)))
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-upload-counts-'))
try {
  const at = (size: number) => builds.map((b) => {
    const { db, queue } = b.open(path.join(dir, `${b.name}-${size}.sqlite`))
    const seedMs = time(() => seed(db, size))
    return { b, size, db, queue, seedMs }
  })
  const big = at(photos)
  const small = at(Math.round(photos / 10))
  for (const c of [...big, ...small]) console.log(`${c.b.name}: ${c.size} photos seeded in ${c.seedMs.toFixed(0)} ms`)

  // The counts a destination row and `cradle status` read, rounds interleaved.
  const countTimes = new Map(big.map((c) => [c.b.name, [] as number[]]))
  for (let r = 0; r < runs; r++) {
    for (const c of big) countTimes.get(c.b.name)!.push(time(() => {
      c.queue.counts('nas')
      c.queue.counts('im')
      c.queue.failureReasons('im')
    }))
  }
  for (const c of big) console.log(`${c.b.name}: counts of both destinations + failure reasons at ${photos} photos: median ${median(countTimes.get(c.b.name)!).toFixed(2)} ms, best ${Math.min(...countTimes.get(c.b.name)!).toFixed(2)} ms (${JSON.stringify(c.queue.counts('nas'))})`)

  // One upload's state changes without the claim's query (a retry, then done: two changes of its
  // row, as claim + done are), `changes` uploads per catalog, interleaved in chunks.
  const perChange = new Map<string, number[]>()
  const chunk = Math.max(1, Math.floor(changes / runs))
  const waiting = new Map([...big, ...small].map((c) => [c, (c.db.prepare("SELECT asset_id FROM uploads WHERE destination_id = 'nas' AND state = 'pending' ORDER BY asset_id LIMIT ?").all(chunk * runs) as { asset_id: number }[]).map((r) => r.asset_id)]))
  for (let r = 0; r < runs; r++) {
    for (const c of [...big, ...small]) {
      const key = `${c.b.name} at ${c.size}`
      const ids = waiting.get(c)!.slice(r * chunk, (r + 1) * chunk)
      const ms = time(() => {
        for (const id of ids) {
          c.queue.markRetry('nas', id, 1, 0, { code: 'destination-unreachable', detail: '503' }, 1)
          c.queue.markDone('nas', id, 'r', false, 1000, 2)
        }
      })
      perChange.set(key, [...(perChange.get(key) ?? []), (ms / ids.length) * 1000])
    }
  }
  for (const [key, list] of perChange) console.log(`${key} photos: one upload's two state changes ${median(list).toFixed(0)} µs median over ${runs} chunks of ${chunk}`)

  // One claim at the big size (the Live Photo gate's plan), after the changes above: few rounds, it was slow before.
  for (const c of big) {
    const claims = Array.from({ length: 3 }, () => time(() => c.queue.claim('nas', 5)))
    console.log(`${c.b.name}: one claim at ${photos} photos: median ${median(claims).toFixed(1)} ms`)
  }
  for (const c of [...big, ...small]) c.db.close()
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
console.log(`load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
