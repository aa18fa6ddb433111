/**
 * SHA-1 only where it is used. SHA-256 is the library's identity; SHA-1 is what Immich keys assets
 * on (bulk-upload-check, x-immich-checksum, its stored checksum) and what Nextcloud reports in
 * oc:checksums. Hashing both costs twice the CPU of one, so an import computes SHA-1 only while a
 * destination of those kinds is configured, and records SHA1_UNKNOWN otherwise. A destination
 * added later gets it computed from the library file before its first use of an item (fillSha1),
 * after the same read proved the file still has the catalog's SHA-256: a checksum sent is never
 * one of other bytes, and never missing.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { CradleError } from '../../shared/errors.js'
import type { DestinationKind } from '../../shared/state.js'
import { hasTable, stmt, type Db } from './catalog-db.js'

/** assets.sha1 of a file imported while no destination needed SHA-1. */
export const SHA1_UNKNOWN = ''

/** Destination kinds that compare SHA-1: Immich (its key), WebDAV (Nextcloud's oc:checksums). */
const SHA1_KINDS: readonly DestinationKind[] = ['immich', 'webdav']

export function kindNeedsSha1(kind: DestinationKind): boolean {
  return SHA1_KINDS.includes(kind)
}

/** Whether a destination configured in this catalog needs SHA-1 (false for a catalog without uploads). */
export function catalogNeedsSha1(db: Db): boolean {
  if (!hasTable(db, 'upload_destinations')) return false
  return stmt(db, `SELECT 1 FROM upload_destinations WHERE kind IN (${SHA1_KINDS.map(() => '?').join(', ')}) LIMIT 1`).get(...SHA1_KINDS) !== undefined
}

/** The library file no longer has the catalog's bytes: nothing is sent or compared for it. */
export class LibraryFileChangedError extends CradleError {
  constructor(libraryPath: string) {
    super('internal', `library file ${libraryPath} no longer matches its catalog checksum; it waits to be imported again`, { context: { path: libraryPath } })
  }
}

export interface Sha1Item { assetId: number; sha256: string; sha1: string; libraryPath: string }

/**
 * Makes `item.sha1` known: returns at once when it is; otherwise hashes the library file (SHA-256
 * and SHA-1 in one read), records the SHA-1 in the catalog and sets it on the item. A file whose
 * SHA-256 differs is marked damaged (as the scrub would; an import from a phone heals it) and
 * LibraryFileChangedError is thrown. `now`: the time before the read.
 */
export async function fillSha1(db: Db, root: string, item: Sha1Item, now: number, signal?: AbortSignal): Promise<void> {
  if (item.sha1 !== SHA1_UNKNOWN) return
  const known = stmt<[number], { sha1: string }>(db, 'SELECT sha1 FROM assets WHERE id = ?').get(item.assetId)
  if (known && known.sha1 !== SHA1_UNKNOWN) {
    item.sha1 = known.sha1
    return
  }
  const a = createHash('sha256')
  const b = createHash('sha1')
  const file = path.join(root, ...item.libraryPath.split('/'))
  try {
    await pipeline(fs.createReadStream(file, { highWaterMark: 1024 * 1024 }), async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        a.update(chunk)
        b.update(chunk)
      }
      yield* []
    }, signal ? { signal } : {})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CradleError('library-missing', `library file missing: ${item.libraryPath}`, { cause: error, context: { path: item.libraryPath } })
    throw error
  }
  if (a.digest('hex') !== item.sha256) {
    // Unless an import healed it while we read (commit sets verified_at).
    stmt(db, `UPDATE assets SET checked_at = @now, damage = 'corrupt', damage_found_at = COALESCE(damage_found_at, @now)
      WHERE id = @id AND (verified_at IS NULL OR verified_at <= @now)`).run({ now, id: item.assetId })
    throw new LibraryFileChangedError(item.libraryPath)
  }
  const sha1 = b.digest('hex')
  stmt(db, 'UPDATE assets SET sha1 = ? WHERE id = ? AND sha1 = ?').run(sha1, item.assetId, SHA1_UNKNOWN)
  item.sha1 = sha1
}
