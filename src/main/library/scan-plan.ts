/**
 * Records a source's listing and says what to import.
 *
 * The fast no-op re-check. The engine lists every /DCIM subfolder (one ReadDir each, cheap) and
 * stats files only in folders whose signature changed; for the rest it passes no files and the
 * stored per-file stats stand. Why that is safe:
 *  - iOS never rewrites a DCIM original in place: an edit is a new IMG_E file plus an .AAE
 *    (protocol.md §5), so an existing name never changes size or birth time under us;
 *  - a new or removed file changes the sorted name list, hence the signature;
 *  - a name reused after deletion between two scans leaves the list equal, but the unlink and
 *    the create both update the folder's own mtime (POSIX/APFS directory semantics), which is
 *    part of the signature; and iOS does not reuse numbers in a folder anyway.
 * Cost of an unchanged folder: one row compare; no per-file work (test/unit/library/scan-plan).
 */
import crypto from 'node:crypto'
import { CradleError } from '../../shared/errors.js'
import { stmt, type Db } from './catalog-db.js'
import { familyFolder, MUTATIONS_ROOT, parseName, phoneFileName, ROLE_ORDER } from './naming.js'
import { sourceFolder, sourceName, type SourceFile } from './source.js'
import type { ImportState, PhotoCounts } from '../../shared/state.js'

/** Signature of a folder listing: sorted names plus the folder's own mtime (ns), hashed. */
export function folderSignature(names: readonly string[], folderMtimeNs?: bigint): string {
  const h = crypto.createHash('sha256')
  for (const n of [...names].sort()) h.update(n).update('\0')
  h.update(`\n${folderMtimeNs ?? ''}`)
  return h.digest('hex').slice(0, 32)
}

export interface FolderScan {
  folder: string
  signature: string
  /** The folder's files with stats; omit when checkFolders said the folder is unchanged. */
  files?: readonly SourceFile[]
  /**
   * Listed files whose stat the phone refused (an AFC status): their rows stay present as they
   * were (a refused stat is not a deletion); the caller stores a signature that makes the next
   * scan stat the folder again.
   */
  unstatted?: readonly string[]
}

export interface PlannedFile {
  id: number
  path: string
  size: number
  state: ImportState
  stagedBytes: number
  /** The Live Photo / edit set the file belongs to (source folder + base stem): one library group. */
  family: string
}

export interface ScanPlan {
  toImport: PlannedFile[]
  bytesToImport: number
  itemsOnPhone: number
  itemsSafe: number
  itemsNotOnPhone: number
  /** Files the phone refused with an AFC status ("couldn't read"), waiting for a later connection. */
  itemsUnreadable: number
  /**
   * Files of assets in the phone's Recently Deleted (its Photos library says trashed) that are not in
   * the library: not counted in itemsOnPhone, and not imported unless the setting asks.
   */
  itemsInRecentlyDeleted: number
  /** Assets the phone's Photos library says have no original on the phone (only in iCloud). */
  itemsInICloudOnly: number
  /** The same, counted as the Photos app counts: photos and videos, not files. */
  photos: PhotoCounts
  newFiles: number
  /** Unstatted files the catalog has no row for yet (counted by the run, not by the catalog). */
  unrecorded: string[]
}

const key = (path: string, size: number, mtime: string, birth: string): string => `${path}\0${size}\0${mtime}\0${birth}`

interface StoredRow { id: number; path: string; size: number; mtime_ns: string; birthtime_ns: string; present: number }

/** Folders whose stored signature differs from the given one (or that are new). */
export function changedFolders(db: Db, udid: string, folders: readonly { folder: string; signature: string }[]): string[] {
  const stored = new Map(
    stmt<[string], { folder: string; signature: string }>(db, 'SELECT folder, signature FROM folder_listings WHERE udid = ?').all(udid).map((r) => [r.folder, r.signature]),
  )
  return folders.filter((f) => stored.get(f.folder) !== f.signature).map((f) => f.folder)
}

/** The stored stats of a folder's present files (what the last full listing said). */
export function storedFiles(db: Db, udid: string, folder: string): SourceFile[] {
  return stmt<[string, string], StoredRow>(db, 'SELECT id, path, size, mtime_ns, birthtime_ns, present FROM device_files WHERE udid = ? AND folder = ? AND present = 1')
    .all(udid, folder)
    .map((r) => ({ path: r.path, size: r.size, mtimeNs: BigInt(r.mtime_ns), birthtimeNs: BigInt(r.birthtime_ns) }))
}

/** Records the listing of one source in one transaction and returns the plan. */
export function planScan(
  db: Db, udid: string, folders: readonly FolderScan[], connection: number, now: number, opts: PendingOptions = {},
  counts: (udid: string) => DeviceCounts = (u) => summarize(db, u),
): ScanPlan {
  const stored = new Map(stmt<[string], { folder: string; signature: string }>(db, 'SELECT folder, signature FROM folder_listings WHERE udid = ?').all(udid).map((r) => [r.folder, r.signature]))
  const rowsOf = stmt<[string, string], StoredRow>(db, 'SELECT id, path, size, mtime_ns, birthtime_ns, present FROM device_files WHERE udid = ? AND folder = ?')
  const setPresent = stmt(db, 'UPDATE device_files SET present = ?, last_seen = CASE WHEN ? = 1 THEN ? ELSE last_seen END WHERE id = ?')
  const insert = stmt(db, `INSERT INTO device_files (udid, path, folder, file_name, base_stem, size, mtime_ns, birthtime_ns, first_seen, last_seen)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const upsertListing = stmt(db, `INSERT INTO folder_listings (udid, folder, signature, entry_count, checked_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT(udid, folder) DO UPDATE SET signature = excluded.signature, entry_count = excluded.entry_count, checked_at = excluded.checked_at`)
  let newFiles = 0
  const unrecorded: string[] = []

  db.transaction(() => {
    const given = new Set<string>()
    for (const f of folders) {
      given.add(f.folder)
      if (!f.files) {
        if (stored.get(f.folder) !== f.signature) {
          throw new CradleError('invalid-input', `folder ${f.folder} changed; list its files`, { context: { path: f.folder } })
        }
        stmt(db, 'UPDATE folder_listings SET checked_at = ? WHERE udid = ? AND folder = ?').run(now, udid, f.folder)
        continue
      }
      const existing = new Map(rowsOf.all(udid, f.folder).map((r) => [key(r.path, r.size, r.mtime_ns, r.birthtime_ns), r]))
      const listed = new Set<number>()
      for (const file of f.files) {
        // A file filed under another name may sit deeper (an edit under Mutations: <folder>/IMG_0001/Adjustments/…).
        if (sourceFolder(file.path) !== f.folder && !(file.name !== undefined && file.path.startsWith(`${f.folder}/`))) {
          throw new CradleError('invalid-input', `${file.path} is not in ${f.folder}`, { context: { path: file.path } })
        }
        const row = existing.get(key(file.path, file.size, file.mtimeNs.toString(), file.birthtimeNs.toString()))
        if (row) {
          listed.add(row.id)
          setPresent.run(1, 1, now, row.id)
          continue
        }
        // Only the edits Cradle names under Mutations may read as edits of another photo (naming.ts phoneFileName).
        const name = f.folder.startsWith(`${MUTATIONS_ROOT}/`) && file.name !== undefined ? file.name : phoneFileName(file.name ?? sourceName(file.path))
        const info = insert.run(udid, file.path, f.folder, name, parseName(name).baseStem, file.size, file.mtimeNs.toString(), file.birthtimeNs.toString(), now, now)
        listed.add(Number(info.lastInsertRowid))
        newFiles++
      }
      for (const p of f.unstatted ?? []) {
        // The newest row of that path stands for it until a stat succeeds again.
        let kept: StoredRow | undefined
        for (const row of existing.values()) if (row.path === p && row.present && (!kept || row.id > kept.id)) kept = row
        if (kept) listed.add(kept.id)
        else unrecorded.push(p)
      }
      for (const row of existing.values()) if (!listed.has(row.id) && row.present) setPresent.run(0, 0, now, row.id)
      upsertListing.run(udid, f.folder, f.signature, f.files.length + (f.unstatted?.length ?? 0), now)
    }
    // A folder no longer listed at all: its files left the phone.
    for (const folder of stored.keys()) {
      if (given.has(folder)) continue
      stmt(db, 'UPDATE device_files SET present = 0 WHERE udid = ? AND folder = ? AND present = 1').run(udid, folder)
      stmt(db, 'DELETE FROM folder_listings WHERE udid = ? AND folder = ?').run(udid, folder)
    }
  })()

  return { ...counts(udid), ...pending(db, udid, connection, opts), newFiles, unrecorded }
}

export type DeviceCounts = Pick<ScanPlan, 'itemsOnPhone' | 'itemsSafe' | 'itemsNotOnPhone' | 'itemsUnreadable' | 'itemsInRecentlyDeleted' | 'itemsInICloudOnly' | 'photos'>

export interface PendingOptions {
  /** Import files of assets the phone's Photos library has in Recently Deleted (settings.importRecentlyDeleted). */
  includeTrashed?: boolean
}

/**
 * True for a device_files row whose asset the phone's Photos library, at its last read, had in
 * Recently Deleted (photo_files ties the path to the asset; schema v4). A library that could not be
 * read leaves no asset present, so nothing counts as trashed and DCIM is backed up as before.
 */
export const trashedFile = (row: string): string => `EXISTS (SELECT 1 FROM photo_files pf JOIN photo_assets pa ON pa.udid = pf.udid AND pa.uuid = pf.uuid
  WHERE pf.udid = ${row}.udid AND pf.path = ${row}.path AND pa.trashed = 1 AND pa.present = 1)`
const TRASHED = trashedFile('device_files')

/** Whether a scrub found any library file damaged (one probe of a partial index: the common case costs nothing). */
function anyDamaged(db: Db): boolean {
  return stmt(db, 'SELECT 1 FROM assets WHERE damage IS NOT NULL LIMIT 1').get() !== undefined
}

/** Items on the source, how many are safe, how many the phone could not give us (iCloud-only, or refused). */
export function summarize(db: Db, udid: string): DeviceCounts {
  // Safe files need no more than a count, which the (udid, present, state) index answers alone;
  // only the others are read for why (refused, in Recently Deleted). On a no-op re-check of a big
  // phone that is every row counted from the index and none read.
  const safe = stmt<[string], { n: number }>(db, `SELECT COUNT(*) AS n FROM device_files WHERE udid = ? AND present = 1 AND state IN ('done','duplicate')`)
    .get(udid)!.n
  const rows = stmt<[string], { state: ImportState; refused: number; trashed: number; n: number }>(db,
      `SELECT state, error_code = 'file-unreadable' AS refused, ${TRASHED} AS trashed, COUNT(*) AS n FROM device_files
       WHERE udid = ? AND present = 1 AND state IN ('pending','importing','not-on-phone','failed') GROUP BY state, refused, trashed`,
    )
    .all(udid)
  let itemsOnPhone = safe
  let itemsSafe = safe
  let itemsNotOnPhone = 0
  let itemsUnreadable = 0
  let itemsInRecentlyDeleted = 0
  for (const r of rows) {
    // What the user threw away and the library does not have is not "on the phone" to back up.
    if (r.trashed) {
      itemsInRecentlyDeleted += r.n
      continue
    }
    itemsOnPhone += r.n
    if (r.state === 'not-on-phone') itemsNotOnPhone += r.n
    if (r.state === 'failed' && r.refused) itemsUnreadable += r.n
  }
  // A file whose library copy is damaged is not safe, whatever its import state says.
  if (anyDamaged(db)) {
    itemsSafe -= stmt<[string], { n: number }>(db, `SELECT COUNT(*) AS n FROM device_files WHERE udid = ? AND present = 1 AND state IN ('done','duplicate')
      AND asset_id IN (SELECT id FROM assets WHERE damage IS NOT NULL)`).get(udid)!.n
  }
  const itemsInICloudOnly = stmt<[string], { n: number }>(db, 'SELECT COUNT(*) AS n FROM photo_assets WHERE udid = ? AND present = 1 AND icloud_only = 1 AND trashed = 0').get(udid)!.n
  return { itemsOnPhone, itemsSafe, itemsNotOnPhone, itemsUnreadable, itemsInRecentlyDeleted, itemsInICloudOnly, photos: photoCounts(db, udid) }
}

/**
 * What the Photos app would say: one photo or video per family of files (source folder + base stem,
 * as the library groups them): a Live Photo's still and video, an edit's render and its .AAE are
 * one. A family is safe when every file of it is in the library, undamaged; only in iCloud when the
 * phone could not give one of its files for that reason; couldn't read when it refused one.
 */
export function photoCounts(db: Db, udid: string): PhotoCounts {
  // Every snapshot asks, so on a big phone it must not read every file: the families are counted
  // from the (udid, present, family_id) index alone, and only those with a file not safe (not in
  // the library, or its copy damaged) are read for why. A family with no such file is safe, and
  // neither only in iCloud, nor refused, nor thrown away (that needs a file not in the library).
  const families = stmt<[string], { n: number }>(db, 'SELECT COUNT(DISTINCT family_id) AS n FROM device_files INDEXED BY device_files_present_family WHERE udid = ? AND present = 1')
    .get(udid)!.n
  const notSafe = stmt<[{ udid: string }], { n: number; icloud: number; refused: number; thrown: number }>(db, `
    SELECT COUNT(*) AS n, COALESCE(SUM(icloud AND NOT thrown), 0) AS icloud, COALESCE(SUM(refused AND NOT thrown), 0) AS refused,
      COALESCE(SUM(thrown), 0) AS thrown
    FROM (
      SELECT MAX(d.state = 'not-on-phone') AS icloud, MAX(d.state = 'failed' AND d.error_code = 'file-unreadable') AS refused,
        -- What the user threw away and the library does not have is not "on the phone" to back up.
        MIN(d.state NOT IN ('done','duplicate') AND ${trashedFile('d')}) AS thrown
      FROM (
        SELECT DISTINCT family_id FROM device_files INDEXED BY device_files_state
        WHERE udid = @udid AND present = 1 AND state IN ('pending','importing','not-on-phone','failed')
        ${anyDamaged(db) ? `UNION SELECT d.family_id FROM assets a INDEXED BY assets_damaged CROSS JOIN device_files d ON d.asset_id = a.id
          WHERE a.damage IS NOT NULL AND d.udid = @udid AND d.present = 1` : ''}
      ) f
      -- CROSS JOIN keeps this order: the few families first, then their files by family_id.
      CROSS JOIN device_files d ON d.family_id = f.family_id AND d.udid = @udid AND d.present = 1
      GROUP BY f.family_id
    )`).get({ udid })!
  return { onPhone: families - notSafe.thrown, safe: families - notSafe.n, inICloudOnly: notSafe.icloud, unreadable: notSafe.refused, inRecentlyDeleted: notSafe.thrown }
}

/**
 * What to import now: new and unfinished files; files the phone could not give ("not on this
 * iPhone", or refused with an AFC status, "couldn't read") on an earlier connection — retrying them
 * on the same one is pointless: not_on_phone_connection holds that connection for both, and a file
 * that failed for another reason has none and is retried on every run —; and files whose library
 * copy a scrub found damaged (the import heals it). Ordered folder by folder, group by group, the
 * still first (it dates the group).
 */
export function pending(db: Db, udid: string, connection: number, opts: PendingOptions = {}): Pick<ScanPlan, 'toImport' | 'bytesToImport'> {
  const rows = stmt<[string, number], { id: number; path: string; folder: string; base_stem: string; file_name: string; size: number; state: ImportState; staged_bytes: number }>(db,
      `SELECT id, path, folder, base_stem, file_name, size, state, staged_bytes FROM device_files
       WHERE udid = ? AND present = 1 AND (state IN ('pending','importing')
         OR (state IN ('not-on-phone','failed') AND COALESCE(not_on_phone_connection, 0) < ?)
         ${anyDamaged(db) ? "OR (state IN ('done','duplicate') AND asset_id IN (SELECT id FROM assets WHERE damage IS NOT NULL))" : ''})
         ${opts.includeTrashed ? '' : `AND NOT (state NOT IN ('done','duplicate') AND ${TRASHED})`}`,
    )
    .all(udid, connection)
  const order = new Map(rows.map((r) => [r.id, ROLE_ORDER[parseName(r.file_name).role]]))
  // By family folder, so an edit kept under Mutations follows its original (the still dates the group).
  const folderOf = new Map(rows.map((r) => [r.id, familyFolder(r.folder)]))
  rows.sort((a, b) => {
    const fa = folderOf.get(a.id)!
    const fb = folderOf.get(b.id)!
    return fa < fb ? -1 : fa > fb ? 1 : a.base_stem < b.base_stem ? -1 : a.base_stem > b.base_stem ? 1 : order.get(a.id)! - order.get(b.id)! || a.id - b.id
  })
  const toImport = rows.map((r) => ({ id: r.id, path: r.path, size: r.size, state: r.state, stagedBytes: r.staged_bytes, family: `${folderOf.get(r.id)!}/${r.base_stem}` }))
  return { toImport, bytesToImport: toImport.reduce((s, f) => s + f.size - f.stagedBytes, 0) }
}

/**
 * Records one file outside a full listing (the inbox sees files one by one) and returns its row id.
 * An identical row (same path, size and times) is reused, so a restart does not re-import.
 */
export function recordFile(db: Db, udid: string, file: SourceFile, now: number): number {
  const name = phoneFileName(sourceName(file.path))
  const args = [udid, file.path, file.size, file.mtimeNs.toString(), file.birthtimeNs.toString()] as const
  // An older version of the same path is no longer there.
  stmt(db, 'UPDATE device_files SET present = 0 WHERE udid = ? AND path = ? AND NOT (size = ? AND mtime_ns = ? AND birthtime_ns = ?)').run(...args)
  stmt(db, `INSERT INTO device_files (udid, path, folder, file_name, base_stem, size, mtime_ns, birthtime_ns, first_seen, last_seen)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET present = 1, last_seen = excluded.last_seen`)
    .run(udid, file.path, sourceFolder(file.path), name, parseName(name).baseStem, file.size, args[3], args[4], now, now)
  return stmt<[string, string, number, string, string], { id: number }>(db, 'SELECT id FROM device_files WHERE udid = ? AND path = ? AND size = ? AND mtime_ns = ? AND birthtime_ns = ?').get(...args)!.id
}

/** Marks every row of a path as gone from its source (the inbox saw the file removed). */
export function markGone(db: Db, udid: string, filePath: string): void {
  stmt(db, 'UPDATE device_files SET present = 0 WHERE udid = ? AND path = ?').run(udid, filePath)
}
