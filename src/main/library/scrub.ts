/**
 * The integrity scrub (`cradle verify`, the background scrub): re-reads library files and compares
 * them with the catalog's SHA-256. A mismatch or a missing file is recorded on the asset
 * (assets.damage), a match refreshes assets.verified_at; nothing is repaired here except a sidecar
 * copy (asset_copies), which is restored from its own asset's good file. A damaged asset is healed
 * by the next import from a phone that still has it (scan-plan.ts pending(), commit.ts).
 *
 * A missing file is only believed when the library root is still there: an unplugged drive ends the
 * scrub with library-missing instead of marking every file missing.
 */
import fs from 'node:fs'
import path from 'node:path'
import { stmt, type Db } from './catalog-db.js'
import { sha256File } from './file-hash.js'
import { errnoOf } from './library-fs.js'
import { checkRoot } from './library-root.js'
import type { Mutex } from './mutex.js'
import { resolveInside } from './placement.js'
import { STAGING_DIR } from './staging.js'

/** Where damaged library files are moved before good bytes take their name. */
export const DAMAGED_DIR = '.cradle-damaged'

export type Damage = 'corrupt' | 'missing'

export interface ScrubFinding {
  assetId: number
  libraryPath: string
  problem: Damage
  /** A sidecar copy beside another photo (asset_copies) rather than the asset's own file. */
  copy: boolean
  /** True when the copy was restored from the asset's good file at once. */
  healed: boolean
}

export interface ScrubProgress {
  checked: number
  total: number
  bytesDone: number
  bytesTotal: number
}

export interface ScrubSummary {
  checked: number
  ok: number
  corrupt: number
  missing: number
  /** Sidecar copies restored from their asset's file during this scrub. */
  healed: number
  bytes: number
  startedAt: number
  finishedAt: number
  /** False when the scrub stopped early (aborted): the counts cover what was checked. */
  complete: boolean
}

export interface ScrubOptions {
  now: () => number
  signal?: AbortSignal
  /** Awaited after each chunk read (bytes): the background scrub throttles its I/O with it. */
  pace?: (bytes: number) => Promise<void>
  /** Only files last checked at or before this time (oldest first); all files when absent. */
  verifiedBefore?: number
  onFinding?: (finding: ScrubFinding) => void
  onProgress?: (progress: ScrubProgress) => void
  /** The library mutex: a copy is restored under it, as imports place files under it. */
  mutex?: Mutex
}

interface Target {
  assetId: number
  libraryPath: string
  size: number
  sha256: string
  copyId: number | null
  assetPath: string
}

function targets(db: Db, verifiedBefore: number | undefined): Target[] {
  const filter = verifiedBefore === undefined ? '' : 'WHERE COALESCE(a.checked_at, 0) <= @before'
  // Oldest check first, so an interrupted background pass goes on where it stopped.
  return stmt<Record<string, number>, Target>(db,
      `SELECT assetId, libraryPath, size, sha256, copyId, assetPath FROM (
         SELECT a.id AS assetId, a.library_path AS libraryPath, a.size, a.sha256, NULL AS copyId, a.library_path AS assetPath, a.checked_at AS v FROM assets a ${filter}
         UNION ALL
         SELECT a.id, c.library_path, a.size, a.sha256, c.id, a.library_path, a.checked_at FROM asset_copies c JOIN assets a ON a.id = c.asset_id ${filter})
       ORDER BY v IS NOT NULL, v, assetId, copyId IS NOT NULL, copyId`,
    )
    .all(verifiedBefore === undefined ? {} : { before: verifiedBefore })
}

async function examine(root: string, t: Target, opts: ScrubOptions): Promise<Damage | null> {
  const abs = resolveInside(root, t.libraryPath)
  let st: fs.Stats
  try {
    st = fs.statSync(abs)
  } catch (e) {
    if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return 'missing'
    throw e
  }
  if (!st.isFile()) return 'missing'
  if (st.size !== t.size) return 'corrupt'
  try {
    return (await sha256File(abs, opts.signal, opts.pace)) === t.sha256 ? null : 'corrupt'
  } catch (e) {
    if (opts.signal?.aborted) throw e
    if (errnoOf(e) === 'ENOENT') return 'missing'
    // EIO and friends: the disk cannot give the bytes back, which is what corrupt means to a user.
    if (errnoOf(e) === 'EIO') return 'corrupt'
    throw e
  }
}

/** Moves a damaged file under `.cradle-damaged/<time>/<its library path>`; never deletes it. */
export function moveAside(root: string, libraryPath: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-')
  const rel = `${DAMAGED_DIR}/${stamp}/${libraryPath}`
  const dest = resolveInside(root, rel)
  fs.mkdirSync(path.dirname(dest), { recursive: true })
  fs.renameSync(resolveInside(root, libraryPath), dest)
  return rel
}

/** Restores a sidecar copy from its asset's file (known good: checked just before it). */
async function restoreCopy(root: string, t: Target, problem: Damage, now: number): Promise<void> {
  const staged = path.join(root, STAGING_DIR, `copy-${t.copyId}.part`)
  fs.mkdirSync(path.dirname(staged), { recursive: true })
  fs.copyFileSync(resolveInside(root, t.assetPath), staged)
  const dest = resolveInside(root, t.libraryPath)
  if (problem === 'corrupt') moveAside(root, t.libraryPath, now)
  fs.mkdirSync(path.dirname(dest), { recursive: true })
  // link fails on a name that appeared meanwhile: never replace a file we did not check.
  try {
    fs.linkSync(staged, dest)
  } finally {
    fs.rmSync(staged, { force: true })
  }
}

/** Checks the library's files against the catalog; see the module comment. */
export async function scrubLibrary(db: Db, root: string, opts: ScrubOptions): Promise<ScrubSummary> {
  checkRoot(db, root)
  const list = targets(db, opts.verifiedBefore)
  const startedAt = opts.now()
  const summary: ScrubSummary = { checked: 0, ok: 0, corrupt: 0, missing: 0, healed: 0, bytes: 0, startedAt, finishedAt: startedAt, complete: false }
  const progress: ScrubProgress = { checked: 0, total: list.length, bytesDone: 0, bytesTotal: list.reduce((n, t) => n + t.size, 0) }
  opts.onProgress?.({ ...progress })
  // Only an asset checked before this file started may be marked: an import that healed it while
  // we read (commit sets verified_at) wins over what we read.
  const markOk = stmt(db, 'UPDATE assets SET verified_at = @at, checked_at = @at, damage = NULL, damage_found_at = NULL WHERE id = @id AND (verified_at IS NULL OR verified_at <= @at)')
  const markDamaged = stmt(db, `UPDATE assets SET checked_at = @at, damage = @damage, damage_found_at = COALESCE(CASE WHEN damage = @damage THEN damage_found_at END, @at)
    WHERE id = @id AND (verified_at IS NULL OR verified_at < @started)`)
  const assetBad = new Set<number>()
  for (const t of list) {
    if (opts.signal?.aborted) break
    const started = opts.now()
    let problem: Damage | null
    try {
      problem = await examine(root, t, opts)
    } catch (e) {
      if (opts.signal?.aborted) break
      throw e
    }
    // An unplugged drive is not a library of missing files.
    if (problem === 'missing') checkRoot(db, root)
    const at = opts.now()
    summary.checked++
    summary.bytes += t.size
    if (t.copyId === null) {
      if (problem) {
        assetBad.add(t.assetId)
        markDamaged.run({ id: t.assetId, damage: problem, at, started })
      } else markOk.run({ id: t.assetId, at })
    }
    if (problem === null) summary.ok++
    else {
      summary[problem]++
      let healed = false
      if (t.copyId !== null && !assetBad.has(t.assetId)) {
        const restore = (): Promise<void> => restoreCopy(root, t, problem, at)
        await (opts.mutex ? opts.mutex.run(restore) : restore())
        healed = true
        summary.healed++
      }
      opts.onFinding?.({ assetId: t.assetId, libraryPath: t.libraryPath, problem, copy: t.copyId !== null, healed })
    }
    progress.checked++
    progress.bytesDone += t.size
    opts.onProgress?.({ ...progress })
  }
  summary.complete = !opts.signal?.aborted && summary.checked === list.length
  summary.finishedAt = opts.now()
  return summary
}

/** Assets a check found damaged, with what was found and when. */
export function damagedAssets(db: Db): { assetId: number; libraryPath: string; damage: Damage; foundAt: number | null }[] {
  return stmt<[], { assetId: number; libraryPath: string; damage: Damage; foundAt: number | null }>(db,
      'SELECT id AS assetId, library_path AS libraryPath, damage, damage_found_at AS foundAt FROM assets WHERE damage IS NOT NULL ORDER BY id',
    )
    .all()
}

export interface ScrubRun {
  kind: 'cli' | 'background'
  startedAt: number
  finishedAt: number
  checked: number
  corrupt: number
  missing: number
  complete: boolean
}

export function recordScrubRun(db: Db, kind: ScrubRun['kind'], s: ScrubSummary): void {
  stmt(db, 'INSERT INTO scrub_runs (kind, started_at, finished_at, checked, corrupt, missing, complete) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(kind, s.startedAt, s.finishedAt, s.checked, s.corrupt, s.missing, s.complete ? 1 : 0)
}

/** The newest scrub that ran to its end (null before the first). */
export function lastScrubRun(db: Db): ScrubRun | null {
  const r = stmt<[], { kind: ScrubRun['kind']; started_at: number; finished_at: number; checked: number; corrupt: number; missing: number; complete: number }>(db,
    'SELECT * FROM scrub_runs WHERE complete = 1 ORDER BY finished_at DESC, id DESC LIMIT 1',
  ).get()
  return r ? { kind: r.kind, startedAt: r.started_at, finishedAt: r.finished_at, checked: r.checked, corrupt: r.corrupt, missing: r.missing, complete: true } : null
}

/** When the next file falls due if every file is re-read each `intervalMs` (null: empty library). */
export function scrubDueAt(db: Db, intervalMs: number): number | null {
  const r = stmt<[], { n: number; oldest: number | null }>(db, 'SELECT COUNT(*) AS n, MIN(COALESCE(checked_at, 0)) AS oldest FROM assets').get()!
  return r.n === 0 ? null : (r.oldest ?? 0) + intervalMs
}

export function damagedCount(db: Db): number {
  return stmt<[], { n: number }>(db, 'SELECT COUNT(*) AS n FROM assets WHERE damage IS NOT NULL').get()!.n
}
