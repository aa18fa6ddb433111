/**
 * The last step of an import: put the staged, fsynced, hashed file under its final name without
 * replacing anything, make that name durable, then write the catalog rows. See importer.ts.
 *
 * Group commit. Files that finish while a commit is under way wait for it and then go together:
 * each is placed (link) in turn under the library mutex, then every touched directory is fsynced
 * ONCE, then ONE catalog transaction records the whole group. A file never waits for others to
 * arrive (a lone file commits at once, so progress stays live); a group is bounded by
 * GROUP_MAX_FILES and by GROUP_MAX_MS of placing. The invariant is per file, as before: no catalog
 * row for a file before its data (fsynced by the importer) and its directory entry (syncDir here)
 * are durable. A directory whose fsync fails takes its files out of the group: they are not
 * recorded, their new names are removed, and the importer puts them back to pending (imported
 * again next run). Files whose placing could interact (same bytes, same Live Photo/edit set, same
 * new group slot) never share a group, so each sees the one before it in the catalog.
 */
import path from 'node:path'
import { createLogger } from '../logging/logger.js'
import type { CaptureDate } from './capture-date.js'
import type { Db } from './catalog-db.js'
import type { FileRow, ImportContext, ImportOutcome } from './importer.js'
import { renderLayout } from './layout.js'
import type { LibraryFs } from './library-fs.js'
import { familyFolder, familyFolders, parseName, roleInGroup, type ParsedName } from './naming.js'
import { chooseGroupSlot, findSiblingGroup, insertGroup, memberPath, placeNoReplace, resolveInside, type GroupSlot, type PlaceResult } from './placement.js'
import { moveAside } from './scrub.js'
import { SHA1_UNKNOWN } from './sha1.js'

const log = createLogger('library/commit')

export interface Staged {
  staged: string; sha256: string; sha1: string; parsed: ParsedName
  date: CaptureDate; transferred: number
}

/** At most this many files share one directory fsync and one catalog transaction. */
export const GROUP_MAX_FILES = 16
/** A group stops taking files after this long placing them, so the first ones are not held back. */
export const GROUP_MAX_MS = 250

/** One file placed under its final name; `write` records it, inside the group's transaction. */
interface Placed {
  /** Directories whose new entries must be durable before the catalog may record the file. */
  dirs: string[]
  /** A final name this import created, removed again if the file is not recorded. */
  placedAt: string | null
  write: () => ImportOutcome
}

/** Claims a key for the group being formed; false when another file of the group holds it. */
type Claim = (key: string) => boolean

interface Job {
  ctx: ImportContext
  row: FileRow
  s: Staged
  resolve: (o: ImportOutcome) => void
  reject: (e: unknown) => void
}

/**
 * Places the staged file and commits it (with whatever other files are ready: see the module
 * comment). Takes the library mutex itself; the caller must not hold it.
 */
export function commit(ctx: ImportContext, row: FileRow, s: Staged): Promise<ImportOutcome> {
  return committerOf(ctx.db).enqueue(ctx, row, s)
}

/** One committer per catalog: the files of all of its imports group together. */
const committers = new WeakMap<Db, GroupCommitter>()

function committerOf(db: Db): GroupCommitter {
  let committer = committers.get(db)
  if (!committer) committers.set(db, (committer = new GroupCommitter()))
  return committer
}

/** Resolves once `n` files wait for the next group on this catalog (for tests that watch a group form). */
export function commitsWaiting(db: Db, n: number): Promise<void> {
  return committerOf(db).whenWaiting(n)
}

class GroupCommitter {
  private queue: Job[] = []
  private running = false
  private waiters: { n: number; resolve: () => void }[] = []

  enqueue(ctx: ImportContext, row: FileRow, s: Staged): Promise<ImportOutcome> {
    return new Promise<ImportOutcome>((resolve, reject) => {
      this.queue.push({ ctx, row, s, resolve, reject })
      const ready = this.waiters.filter((w) => this.queue.length >= w.n)
      this.waiters = this.waiters.filter((w) => this.queue.length < w.n)
      for (const w of ready) w.resolve()
      this.kick()
    })
  }

  whenWaiting(n: number): Promise<void> {
    if (this.queue.length >= n) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ n, resolve }))
  }

  private kick(): void {
    if (this.running || this.queue.length === 0) return
    this.running = true
    const next = this.queue[0]!
    void next.ctx.mutex.run(() => this.flush()).finally(() => {
      this.running = false
      this.kick()
    })
  }

  /** Places, syncs and records one group from the head of the queue; never throws. */
  private async flush(): Promise<void> {
    const started = performance.now()
    const claimed = new Set<string>()
    const claim: Claim = (key) => {
      if (claimed.has(key)) return false
      claimed.add(key)
      return true
    }
    const group: { job: Job; placed: Placed }[] = []
    while (this.queue.length > 0 && group.length < GROUP_MAX_FILES && (group.length === 0 || performance.now() - started < GROUP_MAX_MS)) {
      const job = this.queue[0]!
      const keys = [`sha256:${job.s.sha256}`, `set:${job.row.udid}\0${familyFolder(job.row.folder)}\0${job.row.base_stem}`]
      if (keys.some((k) => claimed.has(k))) break
      keys.forEach(claim)
      this.queue.shift()
      let placed: Placed | 'defer'
      try {
        placed = await place(job.ctx, job.row, job.s, claim)
      } catch (e) {
        job.reject(e)
        continue
      }
      if (placed === 'defer') {
        this.queue.unshift(job)
        break
      }
      group.push({ job, placed })
    }
    if (group.length === 0) return

    // Every touched directory once; a file is recorded only if all of its directories synced.
    const dirs = new Map<string, LibraryFs>()
    for (const g of group) for (const d of g.placed.dirs) if (!dirs.has(d)) dirs.set(d, g.job.ctx.fs)
    const failedDirs = new Map<string, unknown>()
    await Promise.all([...dirs].map(async ([dir, fs]) => {
      try {
        await fs.syncDir(dir)
      } catch (e) {
        failedDirs.set(dir, e)
      }
    }))
    const durable: typeof group = []
    const notRecorded: { job: Job; placed: Placed; error: unknown }[] = []
    for (const g of group) {
      const failed = g.placed.dirs.find((d) => failedDirs.has(d))
      if (failed === undefined) durable.push(g)
      else notRecorded.push({ ...g, error: failedDirs.get(failed) })
    }

    const { db } = group[0]!.job.ctx
    let results: ({ outcome: ImportOutcome } | { error: unknown })[] = []
    try {
      results = db.transaction(() => durable.map((g) => {
        // Each file in its own savepoint: one file's constraint failure does not undo the others.
        try {
          return { outcome: db.transaction(g.placed.write)() }
        } catch (error) {
          return { error }
        }
      }))()
    } catch (error) {
      results = durable.map(() => ({ error }))
    }
    durable.forEach((g, i) => {
      const r = results[i]!
      if ('outcome' in r) g.job.resolve(r.outcome)
      else notRecorded.push({ ...g, error: r.error })
    })
    // Not in the catalog: take its new name back out, so no final name is left uncatalogued.
    await Promise.all(notRecorded.map(async ({ job, placed, error }) => {
      if (placed.placedAt) await job.ctx.fs.unlink(placed.placedAt).catch(() => undefined)
      job.reject(error)
    }))
  }
}

/** Puts one staged file under its final name (or adopts/drops it); the catalog write is returned. */
async function place(ctx: ImportContext, row: FileRow, s: Staged, claim: Claim): Promise<Placed | 'defer'> {
  const { db } = ctx
  ctx.ensureRoot()
  const now = ctx.now()
  const existing = db.prepare<[string], { id: number; library_path: string; group_id: number }>('SELECT id, library_path, group_id FROM assets WHERE sha256 = ?').get(s.sha256)
  if (existing && s.parsed.role === 'sidecar') {
    const copied = await placeSidecarCopy(ctx, row, s, existing)
    if (copied) return copied
  }
  if (existing) {
    // Same bytes already in the library (other phone, re-import, renamed file): store once.
    const abs = resolveInside(ctx.root, existing.library_path)
    let state: 'duplicate' | 'done' = 'duplicate'
    const placeIt = (): Promise<PlaceResult> => placeNoReplace(ctx.fs, s.staged, abs, row.size, s.sha256).catch(async (e) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        await ctx.fs.mkdir(path.dirname(abs))
        return placeNoReplace(ctx.fs, s.staged, abs, row.size, s.sha256)
      }
      throw e
    })
    let placed = await placeIt()
    if (placed === 'taken') {
      // The library file is not what the catalog says (damaged): keep it aside, put these bytes back.
      const aside = moveAside(ctx.root, existing.library_path, now)
      log.warn('library file differed from its catalog hash; restored from the source', { path: existing.library_path, keptAt: aside })
      placed = await placeIt()
    }
    if (placed === 'placed') state = 'done' // the library copy had been deleted or damaged: these bytes restore it
    else await ctx.fs.unlink(s.staged).catch(() => undefined)
    return {
      dirs: placed === 'placed' ? [path.dirname(abs)] : [],
      // The catalog already names this file: restored bytes stay even if this record fails.
      placedAt: null,
      write: () => {
        db.prepare(`UPDATE device_files SET state = ?, asset_id = ?, group_id = COALESCE(group_id, ?), staged_bytes = 0, error_code = NULL, error_detail = NULL WHERE id = ?`)
          .run(state, existing.id, existing.group_id, row.id)
        // The file under the asset's name now has exactly the catalog's bytes (placed or adopted).
        if (placed !== 'taken') db.prepare('UPDATE assets SET damage = NULL, damage_found_at = NULL, verified_at = ?, checked_at = ? WHERE id = ?').run(now, now, existing.id)
        // Same SHA-256, same bytes: a SHA-1 this import computed is the stored asset's too.
        if (s.sha1 !== SHA1_UNKNOWN) db.prepare('UPDATE assets SET sha1 = ? WHERE id = ? AND sha1 = ?').run(s.sha1, existing.id, SHA1_UNKNOWN)
        return { state, assetId: existing.id, libraryPath: existing.library_path, bytesTransferred: s.transferred }
      },
    }
  }

  let sibling: (GroupSlot & { id: number }) | null = findSiblingGroup(db, row.udid, row.folder, row.base_stem, row.id)
  // Same member name already in that group with other content (a number reused on the phone): new group.
  if (sibling && db.prepare('SELECT 1 FROM assets WHERE library_path = ?').get(memberPath(sibling, s.parsed))) sibling = null
  const group: GroupSlot = sibling
    ?? (await chooseGroupSlot(db, ctx.root, { libraryFolder: renderLayout(ctx.layout, s.date.wall), baseStem: s.parsed.baseStem }, { parsed: s.parsed, size: row.size, sha256: s.sha256 }))
  // A new group's slot is only in the catalog once the group commits: the next file may not pick it too.
  if (!sibling && !claim(`slot:${group.library_folder}\0${group.stem}\0${group.suffix}`)) return 'defer'
  let placedAt: string | null = null
  try {
    let rel = memberPath(group, s.parsed)
    let abs = resolveInside(ctx.root, rel)
    await ctx.fs.mkdir(path.dirname(abs))
    for (let extra = 1; ; extra++) {
      const r = await placeNoReplace(ctx.fs, s.staged, abs, row.size, s.sha256)
      if (r === 'placed') placedAt = abs
      if (r === 'adopted') await ctx.fs.unlink(s.staged).catch(() => undefined)
      if (r !== 'taken') break
      // A foreign file took this member's name after the group was made: never overwrite it.
      rel = memberPath(group, s.parsed, extra)
      abs = resolveInside(ctx.root, rel)
    }
    const hasStill = db.prepare<[string, string, string, string], { file_name: string }>('SELECT file_name FROM device_files WHERE udid = ? AND folder IN (?, ?) AND base_stem = ?')
      .all(row.udid, ...familyFolders(row.folder), row.base_stem).some((r) => parseName(r.file_name).role === 'original')
    const role = roleInGroup(s.parsed, hasStill)
    return {
      dirs: [path.dirname(abs)],
      placedAt,
      write: () => {
        const groupId = sibling?.id ?? insertGroup(db, group, { udid: row.udid, folder: row.folder, baseStem: s.parsed.baseStem, capturedAt: s.date.epochMs, now })
        // verified_at: the bytes were hashed on their way in, which is a check.
        const info = db.prepare(`INSERT INTO assets (sha256, sha1, size, library_path, file_name, mime, captured_at, capture_offset_minutes, capture_source, group_id, role, imported_at, verified_at, checked_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(s.sha256, s.sha1, row.size, rel, path.posix.basename(rel), s.parsed.mime, s.date.epochMs, s.date.offsetMinutes, s.date.source, groupId, role, now, now, now)
        let kind: 'edited' | 'live' | null = role === 'edited' || role === 'edited-motion' || role === 'sidecar' ? 'edited' : role === 'motion' ? 'live' : null
        // The still arrived after its video (inbox order, or the still was not on the phone before):
        // the video filed as a lone 'original' is the Live Photo's motion part after all.
        if (role === 'original' && !s.parsed.mime.startsWith('video/')) {
          const moved = db.prepare("UPDATE assets SET role = 'motion' WHERE group_id = ? AND role = 'original' AND mime LIKE 'video/%'").run(groupId).changes
          if (moved > 0) kind ??= 'live'
        }
        if (kind) db.prepare(`UPDATE groups SET kind = CASE WHEN kind = 'edited' THEN 'edited' ELSE ? END WHERE id = ?`).run(kind, groupId)
        const assetId = Number(info.lastInsertRowid)
        db.prepare(`UPDATE device_files SET state = 'done', asset_id = ?, group_id = ?, staged_bytes = 0, error_code = NULL, error_detail = NULL WHERE id = ?`)
          .run(assetId, groupId, row.id)
        row.asset_id = assetId
        return { state: 'done', assetId, libraryPath: rel, bytesTransferred: s.transferred }
      },
    }
  } catch (e) {
    // Not placed after all: take the file back out, so no final name is left uncatalogued.
    if (placedAt) await ctx.fs.unlink(placedAt).catch(() => undefined)
    throw e
  }
}

/**
 * A sidecar whose bytes are already stored for ANOTHER group still goes beside its own photo
 * (asset_copies), or that photo's edit would be lost on restore. Returns null when the copy is
 * not needed (same group, or no group yet): then it is an ordinary duplicate.
 */
async function placeSidecarCopy(ctx: ImportContext, row: FileRow, s: Staged, existing: { id: number; library_path: string; group_id: number }): Promise<Placed | null> {
  const { db } = ctx
  const group = findSiblingGroup(db, row.udid, row.folder, row.base_stem, row.id)
  if (!group || group.id === existing.group_id) return null
  let rel = memberPath(group, s.parsed)
  const known = db.prepare<[string], { asset_id: number }>('SELECT asset_id FROM asset_copies WHERE library_path = ?').get(rel)
  if (known?.asset_id === existing.id) {
    await ctx.fs.unlink(s.staged).catch(() => undefined)
    return {
      dirs: [],
      placedAt: null,
      write: () => {
        db.prepare(`UPDATE device_files SET state = 'duplicate', asset_id = ?, group_id = ?, staged_bytes = 0, error_code = NULL, error_detail = NULL WHERE id = ?`).run(existing.id, group.id, row.id)
        return { state: 'duplicate', assetId: existing.id, libraryPath: rel, bytesTransferred: s.transferred }
      },
    }
  }
  let abs = resolveInside(ctx.root, rel)
  await ctx.fs.mkdir(path.dirname(abs))
  let placedAt: string | null = null
  for (let extra = 1; ; extra++) {
    const taken = db.prepare('SELECT 1 FROM assets WHERE library_path = ? UNION ALL SELECT 1 FROM asset_copies WHERE library_path = ?').get(rel, rel)
    const r = taken ? 'taken' : await placeNoReplace(ctx.fs, s.staged, abs, row.size, s.sha256)
    if (r === 'placed') placedAt = abs
    if (r === 'adopted') await ctx.fs.unlink(s.staged).catch(() => undefined)
    if (r !== 'taken') break
    rel = memberPath(group, s.parsed, extra)
    abs = resolveInside(ctx.root, rel)
  }
  return {
    dirs: [path.dirname(abs)],
    placedAt,
    write: () => {
      db.prepare('INSERT INTO asset_copies (asset_id, library_path, group_id, created_at) VALUES (?, ?, ?, ?)').run(existing.id, rel, group.id, ctx.now())
      db.prepare(`UPDATE groups SET kind = 'edited' WHERE id = ?`).run(group.id)
      db.prepare(`UPDATE device_files SET state = 'done', asset_id = ?, group_id = ?, staged_bytes = 0, error_code = NULL, error_detail = NULL WHERE id = ?`).run(existing.id, group.id, row.id)
      return { state: 'done', assetId: existing.id, libraryPath: rel, bytesTransferred: s.transferred }
    },
  }
}
