/**
 * The last step of an import, under the library mutex: put the staged, hashed file under its
 * final name without replacing anything, then write the catalog rows. See importer.ts.
 */
import path from 'node:path'
import { createLogger } from '../logging/logger.js'
import type { CaptureDate } from './capture-date.js'
import type { FileRow, ImportContext, ImportOutcome } from './importer.js'
import { renderLayout } from './layout.js'
import { familyFolders, parseName, roleInGroup, type ParsedName } from './naming.js'
import { chooseGroupSlot, findSiblingGroup, insertGroup, memberPath, placeNoReplace, resolveInside, type GroupSlot, type PlaceResult } from './placement.js'
import { moveAside } from './scrub.js'
import { SHA1_UNKNOWN } from './sha1.js'

const log = createLogger('library/commit')

export interface Staged {
  staged: string; sha256: string; sha1: string; parsed: ParsedName
  date: CaptureDate; transferred: number
}

/** Places the staged file and commits it; runs under the library mutex. */
export async function commit(ctx: ImportContext, row: FileRow, s: Staged): Promise<ImportOutcome> {
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
    const place = (): Promise<PlaceResult> => placeNoReplace(ctx.fs, s.staged, abs, row.size, s.sha256).catch(async (e) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        await ctx.fs.mkdir(path.dirname(abs))
        return placeNoReplace(ctx.fs, s.staged, abs, row.size, s.sha256)
      }
      throw e
    })
    let placed = await place()
    if (placed === 'taken') {
      // The library file is not what the catalog says (damaged): keep it aside, put these bytes back.
      const aside = moveAside(ctx.root, existing.library_path, now)
      log.warn('library file differed from its catalog hash; restored from the source', { path: existing.library_path, keptAt: aside })
      placed = await place()
    }
    if (placed === 'placed') {
      state = 'done' // the library copy had been deleted or damaged: these bytes restore it
      await ctx.fs.syncDir(path.dirname(abs))
    } else await ctx.fs.unlink(s.staged).catch(() => undefined)
    db.transaction(() => {
      db.prepare(`UPDATE device_files SET state = ?, asset_id = ?, group_id = COALESCE(group_id, ?), staged_bytes = 0, error_code = NULL, error_detail = NULL WHERE id = ?`)
        .run(state, existing.id, existing.group_id, row.id)
      // The file under the asset's name now has exactly the catalog's bytes (placed or adopted).
      if (placed !== 'taken') db.prepare('UPDATE assets SET damage = NULL, damage_found_at = NULL, verified_at = ?, checked_at = ? WHERE id = ?').run(now, now, existing.id)
      // Same SHA-256, same bytes: a SHA-1 this import computed is the stored asset's too.
      if (s.sha1 !== SHA1_UNKNOWN) db.prepare('UPDATE assets SET sha1 = ? WHERE id = ? AND sha1 = ?').run(s.sha1, existing.id, SHA1_UNKNOWN)
    })()
    return { state, assetId: existing.id, libraryPath: existing.library_path, bytesTransferred: s.transferred }
  }

  let sibling: (GroupSlot & { id: number }) | null = findSiblingGroup(db, row.udid, row.folder, row.base_stem, row.id)
  // Same member name already in that group with other content (a number reused on the phone): new group.
  if (sibling && db.prepare('SELECT 1 FROM assets WHERE library_path = ?').get(memberPath(sibling, s.parsed))) sibling = null
  const group: GroupSlot = sibling
    ?? (await chooseGroupSlot(db, ctx.root, { libraryFolder: renderLayout(ctx.layout, s.date.wall), baseStem: s.parsed.baseStem }, { parsed: s.parsed, size: row.size, sha256: s.sha256 }))
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
    await ctx.fs.syncDir(path.dirname(abs))
    const hasStill = db.prepare<[string, string, string, string], { file_name: string }>('SELECT file_name FROM device_files WHERE udid = ? AND folder IN (?, ?) AND base_stem = ?')
      .all(row.udid, ...familyFolders(row.folder), row.base_stem).some((r) => parseName(r.file_name).role === 'original')
    const role = roleInGroup(s.parsed, hasStill)
    db.transaction(() => {
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
      db.prepare(`UPDATE device_files SET state = 'done', asset_id = ?, group_id = ?, staged_bytes = 0, error_code = NULL, error_detail = NULL WHERE id = ?`)
        .run(Number(info.lastInsertRowid), groupId, row.id)
      row.asset_id = Number(info.lastInsertRowid)
    })()
    return { state: 'done', assetId: row.asset_id, libraryPath: rel, bytesTransferred: s.transferred }
  } catch (e) {
    // The catalog did not take it: take the file back out, so no final name is left uncatalogued.
    if (placedAt) await ctx.fs.unlink(placedAt).catch(() => undefined)
    throw e
  }
}

/**
 * A sidecar whose bytes are already stored for ANOTHER group still goes beside its own photo
 * (asset_copies), or that photo's edit would be lost on restore. Returns null when the copy is
 * not needed (same group, or no group yet): then it is an ordinary duplicate.
 */
async function placeSidecarCopy(ctx: ImportContext, row: FileRow, s: Staged, existing: { id: number; library_path: string; group_id: number }): Promise<ImportOutcome | null> {
  const { db } = ctx
  const group = findSiblingGroup(db, row.udid, row.folder, row.base_stem, row.id)
  if (!group || group.id === existing.group_id) return null
  let rel = memberPath(group, s.parsed)
  const known = db.prepare<[string], { asset_id: number }>('SELECT asset_id FROM asset_copies WHERE library_path = ?').get(rel)
  if (known?.asset_id === existing.id) {
    await ctx.fs.unlink(s.staged).catch(() => undefined)
    db.prepare(`UPDATE device_files SET state = 'duplicate', asset_id = ?, group_id = ?, staged_bytes = 0, error_code = NULL, error_detail = NULL WHERE id = ?`).run(existing.id, group.id, row.id)
    return { state: 'duplicate', assetId: existing.id, libraryPath: rel, bytesTransferred: s.transferred }
  }
  let abs = resolveInside(ctx.root, rel)
  await ctx.fs.mkdir(path.dirname(abs))
  for (let extra = 1; ; extra++) {
    const taken = db.prepare('SELECT 1 FROM assets WHERE library_path = ? UNION ALL SELECT 1 FROM asset_copies WHERE library_path = ?').get(rel, rel)
    const r = taken ? 'taken' : await placeNoReplace(ctx.fs, s.staged, abs, row.size, s.sha256)
    if (r === 'adopted') await ctx.fs.unlink(s.staged).catch(() => undefined)
    if (r !== 'taken') break
    rel = memberPath(group, s.parsed, extra)
    abs = resolveInside(ctx.root, rel)
  }
  await ctx.fs.syncDir(path.dirname(abs))
  db.transaction(() => {
    db.prepare('INSERT INTO asset_copies (asset_id, library_path, group_id, created_at) VALUES (?, ?, ?, ?)').run(existing.id, rel, group.id, ctx.now())
    db.prepare(`UPDATE groups SET kind = 'edited' WHERE id = ?`).run(group.id)
    db.prepare(`UPDATE device_files SET state = 'done', asset_id = ?, group_id = ?, staged_bytes = 0, error_code = NULL, error_detail = NULL WHERE id = ?`).run(existing.id, group.id, row.id)
  })()
  return { state: 'done', assetId: existing.id, libraryPath: rel, bytesTransferred: s.transferred }
}
