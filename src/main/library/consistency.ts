/**
 * Checks that the catalog and the library folder agree. Used by the engine's crash and unplug
 * tests and by a future "verify library" command. Read-only: it reports, it never repairs.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Db } from './catalog-db.js'
import { sha256FileSync } from './file-hash.js'
import { STAGING_DIR, stagingFileId } from './staging.js'
import { ROOT_MARKER } from './library-root.js'
import { photoPathOfSidecar } from './sidecar-name.js'

export type ConsistencyProblem =
  | { kind: 'missing-file'; assetId: number; libraryPath: string }
  | { kind: 'size-mismatch'; assetId: number; libraryPath: string; expected: number; actual: number }
  | { kind: 'hash-mismatch'; assetId: number; libraryPath: string }
  | { kind: 'untracked-file'; libraryPath: string }
  | { kind: 'stale-staging'; file: string }
  | { kind: 'duplicate-content'; libraryPath: string; sameAs: string }
  | { kind: 'dangling-file-row'; deviceFileId: number }

export interface ConsistencyOptions {
  /** Re-hash every file (slow: reads the whole library). */
  deep?: boolean
  /** Relative folders to skip (e.g. an inbox inside the library). */
  ignore?: readonly string[]
}

function walk(root: string, rel: string, skip: Set<string>, out: string[]): void {
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true })
  } catch {
    return
  }
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name
    if (skip.has(r) || (rel === '' && e.name.startsWith('.'))) continue
    if (e.isDirectory()) walk(root, r, skip, out)
    else out.push(r)
  }
}

/** Lists every disagreement between catalog and library folder. */
export function checkLibraryConsistency(db: Db, root: string, opts: ConsistencyOptions = {}): ConsistencyProblem[] {
  const problems: ConsistencyProblem[] = []
  // Sidecar copies (asset_copies) are checked like the asset they copy.
  const assets = db.prepare<[], { id: number; library_path: string; size: number; sha256: string }>(
    'SELECT id, library_path, size, sha256 FROM assets UNION ALL SELECT a.id, c.library_path, a.size, a.sha256 FROM asset_copies c JOIN assets a ON a.id = c.asset_id',
  ).all()
  const byPath = new Map(assets.map((a) => [a.library_path, a]))
  // The first path of a hash is the asset itself (the UNION lists assets before copies).
  const byHash = new Map<string, string>()
  for (const a of assets) if (!byHash.has(a.sha256)) byHash.set(a.sha256, a.library_path)
  for (const a of assets) {
    const abs = path.join(root, ...a.library_path.split('/'))
    let st: fs.Stats
    try {
      st = fs.statSync(abs)
    } catch {
      problems.push({ kind: 'missing-file', assetId: a.id, libraryPath: a.library_path })
      continue
    }
    if (st.size !== a.size) problems.push({ kind: 'size-mismatch', assetId: a.id, libraryPath: a.library_path, expected: a.size, actual: st.size })
    else if (opts.deep && sha256FileSync(abs) !== a.sha256) problems.push({ kind: 'hash-mismatch', assetId: a.id, libraryPath: a.library_path })
  }

  const files: string[] = []
  walk(root, '', new Set(opts.ignore ?? []), files)
  for (const rel of files) {
    if (rel === ROOT_MARKER || byPath.has(rel)) continue
    // An XMP sidecar of a library file is Cradle's own (photos/sidecar-writer.ts); one whose photo
    // the catalog does not know is as stray as any other file.
    const photo = photoPathOfSidecar(rel)
    if (photo !== null && byPath.has(photo)) continue
    problems.push({ kind: 'untracked-file', libraryPath: rel })
    if (opts.deep) {
      const same = byHash.get(sha256FileSync(path.join(root, ...rel.split('/'))))
      if (same) problems.push({ kind: 'duplicate-content', libraryPath: rel, sameAs: same })
    }
  }

  // A staging file is kept only while its device file can still resume from it.
  const resumable = new Set(
    db.prepare<[], { id: number }>("SELECT id FROM device_files WHERE staged_bytes > 0 AND state IN ('pending','importing')").all().map((r) => r.id),
  )
  let staging: string[] = []
  try {
    staging = fs.readdirSync(path.join(root, STAGING_DIR))
  } catch {
    staging = []
  }
  for (const name of staging) {
    const id = stagingFileId(name)
    if (id === null || !resumable.has(id)) problems.push({ kind: 'stale-staging', file: `${STAGING_DIR}/${name}` })
  }

  for (const r of db.prepare<[], { id: number }>("SELECT id FROM device_files WHERE state IN ('done','duplicate') AND asset_id IS NULL").all()) {
    problems.push({ kind: 'dangling-file-row', deviceFileId: r.id })
  }
  return problems
}
