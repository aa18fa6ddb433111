/**
 * A damaged catalog is never the end of the library: the files are the truth, the catalog only
 * remembers them. This moves a catalog that failed its integrity check aside (renamed, never
 * deleted, with its -wal so it can still be read by hand), then rebuilds the library's part of a
 * fresh one from the folder itself: every file re-hashed and adopted as an asset, Live Photo /
 * edit groups and capture dates derived again from names and contents as an import would. Library
 * files are only read. What only the catalog knew (which phone files were already copied, upload
 * progress) is recovered from the damaged copy where it can still be read, else found again: the
 * next backup re-reads each phone file and finds its bytes already stored ('duplicate').
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { createLogger } from '../logging/logger.js'
import { captureDateOf } from './read-capture-date.js'
import type { CaptureDate } from './capture-date.js'
import { hasTable, type Db } from './catalog-db.js'
import { ROOT_MARKER } from './library-root.js'
import { SHA1_UNKNOWN } from './sha1.js'
import { parseName, roleInGroup, ROLE_ORDER, type ParsedName } from './naming.js'
import { isSidecarName } from './sidecar-name.js'
import { splitExt } from './sanitize.js'

const log = createLogger('library/rebuild')

/** The `source_udid` of groups found in the library rather than imported: no phone folder maps to them. */
export const REBUILT_SOURCE = 'rebuilt'

export interface RebuildReport {
  /** Where the damaged catalog now is. */
  aside: string
  files: number
  assets: number
  /** Identical bytes under a second name (a sidecar shared by two photos). */
  copies: number
  groups: number
  /** Files that could not be read (permissions): left alone, listed for the log. */
  unreadable: string[]
  /** Destinations and finished uploads read back from the damaged copy. */
  destinations: number
  uploadsKept: number
  /** The damaged copy could not be read at all: destinations the user had are not known any more. */
  salvageFailed: boolean
}

/** Renames `file` and its -wal/-shm/-journal to `<file>.damaged-<time>…`; returns the new name. */
export function moveCatalogAside(file: string, now: number): string {
  const aside = `${file}.damaged-${new Date(now).toISOString().replace(/[:.]/g, '-')}`
  // The -wal keeps its pairing with the main file (SQLite finds `<name>-wal` beside `<name>`).
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, aside + suffix)
  }
  return aside
}

interface Member {
  rel: string
  abs: string
  name: string
  parsed: ParsedName
  size: number
  sha256: string
  sha1: string
  times: { birthtimeNs: bigint; mtimeNs: bigint }
}

/** A library name back to its group: 'IMG_E1234-2_1.HEIC' → group stem IMG_1234, suffix 2, device name IMG_E1234.HEIC. */
function splitLibraryName(name: string): { stem: string; suffix: number; deviceName: string } {
  const { stem, ext } = splitExt(name)
  const dcf = /^([A-Za-z][A-Za-z0-9]{2}_)([EeOo]?)(\d{4})(?:-(\d+))?(?:_(\d+))?$/.exec(stem)
  if (!dcf) return { stem: parseName(name).baseStem, suffix: 0, deviceName: name }
  return { stem: `${dcf[1]}${dcf[3]}`, suffix: dcf[4] ? Number(dcf[4]) : 0, deviceName: `${dcf[1]}${dcf[2]}${dcf[3]}${ext}` }
}

function listLibrary(root: string): { rel: string; abs: string }[] {
  const out: { rel: string; abs: string }[] = []
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name
      // Cradle's own top-level dot folders (staging, marker) are not photos.
      if (rel === '' && e.name.startsWith('.')) continue
      if (e.isDirectory()) walk(r)
      // XMP sidecars describe library files; they are written again from the phone, never assets.
      else if (e.isFile() && !isSidecarName(e.name)) out.push({ rel: r, abs: path.join(root, ...r.split('/')) })
    }
  }
  walk('')
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
}

/** SHA-256 only: SHA-1 is filled from the file when a destination first needs it (sha1.ts). */
async function digest(file: string): Promise<{ sha256: string; sha1: string }> {
  const a = crypto.createHash('sha256')
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) a.update(chunk as Buffer)
  return { sha256: a.digest('hex'), sha1: SHA1_UNKNOWN }
}

/**
 * Fills a freshly migrated catalog from the library folder at `root` and from whatever can still be
 * read of the damaged copy at `aside`. The caller has checked that `root` is the library.
 */
export async function rebuildCatalog(db: Db, root: string, aside: string, now: number): Promise<RebuildReport> {
  const report: RebuildReport = { aside, files: 0, assets: 0, copies: 0, groups: 0, unreadable: [], destinations: 0, uploadsKept: 0, salvageFailed: false }
  const groups = new Map<string, { folder: string; stem: string; suffix: number; members: Member[] }>()
  for (const f of listLibrary(root)) {
    const name = path.posix.basename(f.rel)
    const folder = path.posix.dirname(f.rel) === '.' ? '' : path.posix.dirname(f.rel)
    if (folder === '' && name === ROOT_MARKER) continue
    let st: fs.BigIntStats
    let digests: { sha256: string; sha1: string }
    try {
      st = fs.statSync(f.abs, { bigint: true })
      digests = await digest(f.abs)
    } catch (error) {
      report.unreadable.push(f.rel)
      log.warn('library file not readable; left out of the rebuilt catalog', { path: f.rel, error })
      continue
    }
    report.files++
    const split = splitLibraryName(name)
    const key = `${folder}\0${split.stem}\0${split.suffix}`
    let group = groups.get(key)
    if (!group) groups.set(key, (group = { folder, stem: split.stem, suffix: split.suffix, members: [] }))
    group.members.push({
      ...f, name, parsed: parseName(split.deviceName), size: Number(st.size), ...digests,
      times: { birthtimeNs: st.birthtimeNs, mtimeNs: st.mtimeNs },
    })
  }

  const insertGroup = db.prepare(`INSERT INTO groups (source_udid, source_folder, source_stem, library_folder, stem, suffix, kind, captured_at, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const insertAsset = db.prepare(`INSERT INTO assets (sha256, sha1, size, library_path, file_name, mime, captured_at, capture_offset_minutes, capture_source, group_id, role, imported_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const insertCopy = db.prepare('INSERT INTO asset_copies (asset_id, library_path, group_id, created_at) VALUES (?, ?, ?, ?)')
  const bySha = new Map<string, number>()
  for (const g of groups.values()) {
    g.members.sort((a, b) => ROLE_ORDER[a.parsed.role] - ROLE_ORDER[b.parsed.role] || (a.rel < b.rel ? -1 : 1))
    const hasStill = g.members.some((m) => m.parsed.role === 'original')
    const roles = g.members.map((m) => roleInGroup(m.parsed, hasStill))
    const kind = roles.some((r) => r === 'edited' || r === 'edited-motion' || r === 'sidecar') ? 'edited' : roles.includes('motion') ? 'live' : 'single'
    const dates: CaptureDate[] = []
    for (const m of g.members) dates.push(await captureDateOf(m.abs, m.parsed.ext, m.times, now))
    // The still dates the group, as on import (members are sorted still first).
    db.transaction(() => {
      const groupId = Number(insertGroup.run(REBUILT_SOURCE, g.folder, g.stem, g.folder, g.stem, g.suffix, kind, dates[0]!.epochMs, now).lastInsertRowid)
      report.groups++
      g.members.forEach((m, i) => {
        const existing = bySha.get(m.sha256)
        if (existing !== undefined) {
          insertCopy.run(existing, m.rel, groupId, now)
          report.copies++
          return
        }
        const d = dates[i]!
        const id = Number(insertAsset.run(m.sha256, m.sha1, m.size, m.rel, m.name, m.parsed.mime, d.epochMs, d.offsetMinutes, d.source, groupId, roles[i]!, now).lastInsertRowid)
        bySha.set(m.sha256, id)
        report.assets++
      })
    })()
  }
  // Every file was just read whole: that is a check, as an import is (the scrub's schedule).
  db.prepare('UPDATE assets SET verified_at = ?, checked_at = ?').run(now, now)
  if (fs.existsSync(path.join(root, ROOT_MARKER))) db.prepare('INSERT OR IGNORE INTO library_roots (path, created_at) VALUES (?, ?)').run(root, now)
  salvage(db, aside, bySha, report)
  return report
}

/** Reads what it can of the damaged copy: the destinations the user added and the uploads that finished. */
function salvage(db: Db, aside: string, bySha: ReadonlyMap<string, number>, report: RebuildReport): void {
  let old: Database.Database
  try {
    old = new Database(aside, { readonly: true, fileMustExist: true })
  } catch (error) {
    log.warn('damaged catalog cannot be opened; destinations must be added again', { error })
    report.salvageFailed = true
    return
  }
  try {
    if (!hasTable(db, 'upload_destinations')) return
    try {
      const rows = old.prepare<[], { id: string; name: string; kind: string; config_json: string; skip_roles: string; created_at: number }>(
        'SELECT id, name, kind, config_json, skip_roles, created_at FROM upload_destinations',
      ).all()
      const insert = db.prepare('INSERT OR IGNORE INTO upload_destinations (id, name, kind, config_json, skip_roles, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      for (const r of rows) report.destinations += insert.run(r.id, r.name, r.kind, r.config_json, r.skip_roles, r.created_at).changes
    } catch (error) {
      log.warn('destinations could not be read from the damaged catalog', { error })
      report.salvageFailed = true
      return
    }
    try {
      const done = old.prepare<[], { destination_id: string; sha256: string; remote_ref: string | null; deduped: number; bytes_sent: number; updated_at: number }>(
        "SELECT u.destination_id, a.sha256, u.remote_ref, u.deduped, u.bytes_sent, u.updated_at FROM uploads u JOIN assets a ON a.id = u.asset_id WHERE u.state = 'done'",
      ).all()
      const insert = db.prepare(`INSERT OR IGNORE INTO uploads (destination_id, asset_id, state, remote_ref, deduped, bytes_sent, updated_at, done_at)
        SELECT ?, ?, 'done', ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM upload_destinations WHERE id = ?)`)
      db.transaction(() => {
        for (const r of done) {
          const assetId = bySha.get(r.sha256)
          if (assetId !== undefined) report.uploadsKept += insert.run(r.destination_id, assetId, r.remote_ref, r.deduped, r.bytes_sent, r.updated_at, r.updated_at, r.destination_id).changes
        }
      })()
    } catch (error) {
      log.warn('finished uploads could not be read from the damaged catalog; destinations dedupe them', { error })
    }
  } finally {
    old.close()
  }
}
