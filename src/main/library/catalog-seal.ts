/**
 * The catalog's seal: what lets a start skip the full PRAGMA quick_check (≈ 0.15–0.6 s on a
 * 50,000-photo catalog) when nothing can have changed the file since one passed.
 *
 * When Cradle closes the catalog cleanly (WAL checkpointed and removed by SQLite), it writes
 * `<catalog>.seal`: the file's identity then (device, inode, size, mtime and ctime in nanoseconds)
 * and when the last full check passed. The next open removes the seal before SQLite touches the
 * file, so a crash, a kill or a power cut leaves none, and runs the full check unless all of
 * these hold: the seal matches the file exactly, no WAL with content is waiting, and the last full
 * check is younger than FULL_CHECK_EVERY_MS. ctime cannot be set back by any tool, so any write to
 * the file since (a truncation, garbled pages, another program) breaks the match. What the seal
 * cannot see is damage below the file system (a disk that rots a page in place): SQLite reports
 * such a page as SQLITE_CORRUPT when it reads it (catalog-corrupt, as at the check), and the full
 * check runs again within FULL_CHECK_EVERY_MS. A sealed open still reads the header: SQLite's
 * magic, a valid page size and the page count matching the file's size.
 */
import fs from 'node:fs'
import { writePrivateFileAtomic } from '../data-folder/private-files.js'

export const SEAL_SUFFIX = '.seal'
/** A full quick_check at least this often, however cleanly the catalog was closed. */
export const FULL_CHECK_EVERY_MS = 24 * 3600_000

interface Seal {
  dev: string
  ino: string
  size: string
  mtimeNs: string
  ctimeNs: string
  /** When the last full quick_check of this file passed (ms since the epoch). */
  checkedAt: number
}

function identity(file: string): Omit<Seal, 'checkedAt'> | null {
  try {
    const s = fs.statSync(file, { bigint: true })
    return { dev: String(s.dev), ino: String(s.ino), size: String(s.size), mtimeNs: String(s.mtimeNs), ctimeNs: String(s.ctimeNs) }
  } catch {
    return null
  }
}

/**
 * Takes the seal off `file` (it is about to be opened for writing) and says when the last full
 * check passed if the seal still vouches for the file, else null (a full check is due).
 */
export function breakSeal(file: string, now: number): number | null {
  let seal: Seal | null = null
  try {
    seal = JSON.parse(fs.readFileSync(file + SEAL_SUFFIX, 'utf8')) as Seal
  } catch {
    return null // none (first open, or the last run did not close cleanly), or unreadable
  } finally {
    fs.rmSync(file + SEAL_SUFFIX, { force: true })
  }
  const current = identity(file)
  if (!current || typeof seal?.checkedAt !== 'number') return null
  const same = current.dev === seal.dev && current.ino === seal.ino && current.size === seal.size && current.mtimeNs === seal.mtimeNs && current.ctimeNs === seal.ctimeNs
  if (!same || !(now - seal.checkedAt < FULL_CHECK_EVERY_MS) || seal.checkedAt > now) return null
  try {
    if (fs.statSync(file + '-wal').size > 0) return null
  } catch {
    // no WAL: what a clean close leaves
  }
  return seal.checkedAt
}

/** After a clean close: the file as it is now, vouched for by the full check at `checkedAt`. */
export function writeSeal(file: string, checkedAt: number): void {
  const id = identity(file)
  if (!id) return
  try {
    if (fs.statSync(file + '-wal').size > 0) return // not checkpointed: the next open checks in full
  } catch {
    // no WAL, as expected
  }
  writePrivateFileAtomic(file + SEAL_SUFFIX, JSON.stringify({ ...id, checkedAt } satisfies Seal))
}

/** What a sealed open still checks: SQLite's header, and its page count against the file's size. */
export function headerProblem(file: string): string | null {
  const fd = fs.openSync(file, 'r')
  try {
    const head = Buffer.alloc(100)
    const n = fs.readSync(fd, head, 0, 100, 0)
    const size = fs.fstatSync(fd).size
    if (n < 100 || head.toString('latin1', 0, 16) !== 'SQLite format 3\0') return 'not an SQLite database'
    const raw = head.readUInt16BE(16)
    const pageSize = raw === 1 ? 65536 : raw
    if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return `bad page size ${raw}`
    // The in-header page count is valid when the change counter matches version-valid-for.
    if (head.readUInt32BE(24) === head.readUInt32BE(92) && head.readUInt32BE(28) * pageSize !== size) return `the header says ${head.readUInt32BE(28)} pages of ${pageSize} bytes, the file has ${size} bytes`
    return null
  } finally {
    fs.closeSync(fd)
  }
}
