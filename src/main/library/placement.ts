/**
 * Where a staged file goes and how it gets there without ever replacing anything.
 *
 * Groups: the members of a Live Photo / edit set from one source folder share one row in
 * `groups` (library folder, stem, suffix). The first member imported creates it (in the same
 * transaction as its asset, so a crash leaves no empty group), dated by its capture date: the
 * still comes first in scan order and the engine's workers keep a set's other members back until
 * its first member is in (engine/family-queue.ts), so it is the original's date whenever the phone
 * gives the original. Later members follow the group, so the set never splits across folders or
 * suffixes.
 *
 * No-replace: link(2) fails with EEXIST instead of replacing, so it is the atomic "rename if
 * absent". File systems without hard links (exFAT, FAT32, some network shares) answer
 * EPERM/ENOTSUP/ENOSYS/EXDEV: then we check and rename, holding the library mutex, so no other
 * Cradle import can race us (only a foreign process writing the same new name in the same
 * millisecond could, and the catalog would still be right about our file).
 */
import fs from 'node:fs'
import path from 'node:path'
import { CradleError } from '../../shared/errors.js'
import { resolveBelow } from '../folders/inside.js'
import { stmt, type Db } from './catalog-db.js'
import { sha256File } from './file-hash.js'
import { errnoOf, type LibraryFs } from './library-fs.js'
import { familyFolders, familyMatcher, memberFileName, type ParsedName } from './naming.js'

export interface GroupRow {
  id: number
  library_folder: string
  stem: string
  suffix: number
  kind: 'single' | 'live' | 'edited'
}

/** The group another member of this (source, folder, stem) set already has, if any (its edits under Mutations included). */
export function findSiblingGroup(db: Db, udid: string, folder: string, baseStem: string, selfId: number): GroupRow | null {
  return (
    stmt<[string, string, string, string, number], GroupRow>(db,
        `SELECT g.id, g.library_folder, g.stem, g.suffix, g.kind FROM device_files d JOIN groups g ON g.id = d.group_id
         WHERE d.udid = ? AND d.folder IN (?, ?) AND d.base_stem = ? AND d.id != ? ORDER BY g.id DESC LIMIT 1`,
      )
      .get(udid, ...familyFolders(folder), baseStem, selfId) ?? null
  )
}

/** Names in a library folder (empty when it does not exist yet). */
function namesIn(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}

/** Where a new group goes; inserted by the caller in the same transaction as its first asset. */
export interface GroupSlot { library_folder: string; stem: string; suffix: number }

/**
 * Picks the smallest suffix such that no other group and no file in the folder uses any name of
 * the family (IMG_1234-n.*, IMG_E1234-n.*, IMG_O1234-n.*). One exception: if the only file of
 * the family is this very member with these very bytes (an import interrupted after its link and
 * before its catalog commit), that slot is ours to adopt.
 */
export async function chooseGroupSlot(db: Db, root: string, g: { libraryFolder: string; baseStem: string }, member: { parsed: ParsedName; size: number; sha256: string }): Promise<GroupSlot> {
  const names = namesIn(path.join(root, g.libraryFolder))
  const taken = stmt<[string, string, number], { id: number }>(db, 'SELECT id FROM groups WHERE library_folder = ? AND stem = ? AND suffix = ?')
  for (let suffix = 0; ; suffix++) {
    if (taken.get(g.libraryFolder, g.baseStem, suffix)) continue
    const inFamily = names.filter(familyMatcher(g.baseStem, suffix))
    const slot = { library_folder: g.libraryFolder, stem: g.baseStem, suffix }
    if (inFamily.length === 0) return slot
    const own = memberFileName(member.parsed, g.baseStem, suffix)
    if (inFamily.length === 1 && inFamily[0] === own && (await sameContent(path.join(root, g.libraryFolder, own), member.size, member.sha256))) return slot
  }
}

/** Inserts the group row for a slot chosen by chooseGroupSlot. */
export function insertGroup(db: Db, slot: GroupSlot, g: { udid: string; folder: string; baseStem: string; capturedAt: number | null; now: number }): number {
  const info = stmt(db, `INSERT INTO groups (source_udid, source_folder, source_stem, library_folder, stem, suffix, captured_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(g.udid, g.folder, g.baseStem, slot.library_folder, slot.stem, slot.suffix, g.capturedAt, g.now)
  return Number(info.lastInsertRowid)
}

/** The member's library-relative path in its group. */
export function memberPath(group: GroupSlot, parsed: ParsedName, extra = 0): string {
  const name = memberFileName(parsed, group.stem, group.suffix)
  const final = extra > 0 ? name.replace(/(\.[^.]*)?$/, (ext) => `_${extra}${ext}`) : name
  return `${group.library_folder}/${final}`
}

/** Joins a relative library path to the root and proves it stays inside. */
export function resolveInside(root: string, rel: string): string {
  const abs = resolveBelow(root, ...rel.split('/'))
  if (abs === null) throw new CradleError('internal', `refusing a library path outside the root: ${rel}`)
  return abs
}

const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK'])

export type PlaceResult = 'placed' | 'adopted' | 'taken'

/**
 * Moves the staged file to `dest` unless something is there. 'adopted': `dest` already holds
 * these exact bytes (an import interrupted between link and catalog commit); 'taken': other content.
 */
export async function placeNoReplace(fsOps: LibraryFs, staged: string, dest: string, size: number, sha256: string): Promise<PlaceResult> {
  let linked = false
  try {
    await fsOps.link(staged, dest)
    linked = true
  } catch (e) {
    const code = errnoOf(e)
    if (code === 'EEXIST') return (await sameContent(dest, size, sha256)) ? 'adopted' : 'taken'
    if (!code || !NO_LINKS.has(code)) throw e
  }
  if (linked) {
    await fsOps.unlink(staged)
    return 'placed'
  }
  if (fs.existsSync(dest)) return (await sameContent(dest, size, sha256)) ? 'adopted' : 'taken'
  await fsOps.rename(staged, dest)
  return 'placed'
}

async function sameContent(file: string, size: number, sha256: string): Promise<boolean> {
  try {
    const st = fs.statSync(file)
    return st.isFile() && st.size === size && (await sha256File(file)) === sha256
  } catch {
    return false
  }
}
