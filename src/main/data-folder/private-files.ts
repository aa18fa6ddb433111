/**
 * The data folder and what Cradle keeps in it are private to the user running Cradle: the folder
 * 0700, the catalog (it holds endpoints, user names, key ids, UDIDs, file names), its -wal/-shm,
 * the lock file, the logs and the secrets 0600. Modes are given on creation (umask can only take
 * bits away) and folders and files made earlier with looser modes are tightened, with a log line.
 *
 * The photo library is not handled here on purpose: it is the user's own folder of photos, meant
 * to be browsed, shared and backed up by other programs, and keeps the modes the user's umask gives.
 *
 * Windows has no POSIX modes (the profile folders' ACLs keep AppData private), so nothing is
 * changed there.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { createLogger } from '../logging/logger.js'

export const PRIVATE_DIR_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600

const log = createLogger('data-folder/private')
const posix = process.platform !== 'win32'

/** Creates `dir` (and missing parents) as 0700, or tightens an existing one that others may enter. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  tighten(dir, PRIVATE_DIR_MODE)
}

/**
 * Makes sure `file` exists and is 0600 before anything else opens it: SQLite creates a database
 * file 0644 and gives its -wal, -shm and -journal files the database file's own mode, so creating
 * it 0600 first keeps all of them private. An existing file is never truncated.
 */
export function ensurePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_RDWR, PRIVATE_FILE_MODE))
  tighten(file, PRIVATE_FILE_MODE)
}

/** Tightens `file` to 0600 if it exists and others may read it (a log, a leftover -wal). */
export function tightenIfPresent(file: string): void {
  try {
    tighten(file, PRIVATE_FILE_MODE)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

/**
 * A temporary name beside `file` that nobody can have prepared: unique per process and call, and
 * opened with 'wx' (O_EXCL) by the caller, so an existing file or link there is never written through.
 */
export function tempPathFor(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`
}

/** Writes `text` to `file` atomically: a new 0600 temp file (exclusive), fsynced, renamed over it. */
export function writePrivateFileAtomic(file: string, text: string): void {
  const tmp = tempPathFor(file)
  const fd = fs.openSync(tmp, 'wx', PRIVATE_FILE_MODE)
  try {
    try {
      fs.writeSync(fd, text)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(tmp, file)
  } catch (error) {
    fs.rmSync(tmp, { force: true })
    throw error
  }
}

function tighten(p: string, mode: number): void {
  if (!posix) return
  const st = fs.statSync(p)
  if ((st.mode & 0o777 & ~mode) === 0) return
  // Never a folder shared on purpose (--data /tmp: sticky) or someone else's: say so instead.
  if ((st.mode & 0o1000) !== 0 || st.uid !== process.getuid?.()) {
    log.warn('others may read this and Cradle leaves its permissions alone (shared or not ours); use a private --data folder', { path: p, mode: (st.mode & 0o7777).toString(8) })
    return
  }
  fs.chmodSync(p, mode)
  log.warn('permissions tightened: only the user running Cradle may read this', { path: p, was: (st.mode & 0o777).toString(8), now: mode.toString(8) })
}
