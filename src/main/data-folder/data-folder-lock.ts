/**
 * One Cradle per data folder. Two processes on one catalog interfere (each start-up's recovery
 * resets the other's `importing` rows and deletes the staging files it is writing), so every entry
 * point that opens a data folder takes this lock first and keeps it until it exits.
 *
 * Node has no flock(); SQLite has portable OS locks: POSIX fcntl() locks on Linux and macOS,
 * LockFileEx on Windows. A connection in `locking_mode = EXCLUSIVE` that has written once keeps its
 * EXCLUSIVE lock until it closes, and the OS drops every such lock when its process dies, however it
 * dies: a killed Cradle never leaves a stale lock behind. Within one process SQLite tracks the locks
 * of its connections itself, so a second lock from the same process is refused as well.
 *
 * fcntl() locks vanish when the process closes ANY descriptor of the file, so nothing may open
 * LOCK_FILE except through SQLite. Who holds the lock is written beside it (HOLDER_FILE), because
 * nobody else can read a database held EXCLUSIVE; that file is only a description, never the lock.
 */
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { CradleError } from '../../shared/errors.js'
import { ensurePrivateDir, ensurePrivateFile, writePrivateFileAtomic } from './private-files.js'

export const LOCK_FILE = 'cradle.lock.db'
export const HOLDER_FILE = 'cradle.lock.json'

/** The Cradle that holds a data folder: shown to a second one that is refused. */
export interface DataFolderHolder {
  pid: number
  /** How it was started, e.g. `cradle serve` or `Cradle (desktop app)`. */
  command: string
  /** When it took the lock (epoch ms). */
  since: number
}

export interface DataFolderLock {
  readonly dataDir: string
  readonly holder: DataFolderHolder
  /** Gives the folder up (idempotent). Exiting does the same. */
  release(): void
}

export type LockAttempt = { lock: DataFolderLock; heldBy?: undefined } | { lock?: undefined; heldBy: DataFolderHolder | null }

const isBusy = (error: unknown): boolean => {
  const code = (error as { code?: unknown })?.code
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
}

/** Takes the lock, or says who has it (null when that is unknown: it is just starting). */
export function tryLockDataFolder(dataDir: string, command: string, now: () => number = Date.now): LockAttempt {
  ensurePrivateDir(dataDir)
  ensurePrivateFile(path.join(dataDir, LOCK_FILE))
  // timeout 0: a held lock is an answer, not something to wait for.
  const db = new Database(path.join(dataDir, LOCK_FILE), { timeout: 0 })
  const holder: DataFolderHolder = { pid: process.pid, command, since: now() }
  try {
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('BEGIN EXCLUSIVE')
    db.exec('CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, command TEXT NOT NULL, since INTEGER NOT NULL)')
    // One write, so the EXCLUSIVE lock is held from here until the connection closes.
    db.prepare('INSERT OR REPLACE INTO holder (id, pid, command, since) VALUES (1, ?, ?, ?)').run(holder.pid, holder.command, holder.since)
    db.exec('COMMIT')
  } catch (error) {
    db.close()
    if (isBusy(error)) return { heldBy: readHolder(dataDir) }
    throw new CradleError('internal', `cannot lock the data folder ${dataDir}: ${(error as Error).message}`, { cause: error, context: { path: dataDir } })
  }
  writeHolder(dataDir, holder)
  let released = false
  return {
    lock: {
      dataDir,
      holder,
      release() {
        if (released) return
        released = true
        // Still holding the lock here, so the description removed can only be our own.
        fs.rmSync(path.join(dataDir, HOLDER_FILE), { force: true })
        db.close()
      },
    },
  }
}

/** Takes the lock or throws data-folder-in-use naming the Cradle that has it. */
export function lockDataFolder(dataDir: string, command: string, now: () => number = Date.now): DataFolderLock {
  const attempt = tryLockDataFolder(dataDir, command, now)
  if (attempt.lock) return attempt.lock
  throw dataFolderInUse(dataDir, attempt.heldBy)
}

export function dataFolderInUse(dataDir: string, holder: DataFolderHolder | null): CradleError {
  const who = holder ? `pid ${holder.pid}, ${holder.command}, since ${new Date(holder.since).toISOString()}` : 'starting up'
  return new CradleError('data-folder-in-use', `another Cradle (${who}) is using the data folder ${dataDir}`, {
    context: { path: dataDir, ...(holder ? { pid: holder.pid, command: holder.command, since: holder.since } : {}) },
  })
}

function writeHolder(dataDir: string, holder: DataFolderHolder): void {
  try {
    writePrivateFileAtomic(path.join(dataDir, HOLDER_FILE), `${JSON.stringify(holder)}\n`)
  } catch {
    // Only a description for the refusal message; the lock itself is held.
  }
}

/** The holder's description, if it is there and its process is alive (else it is a dead one's). */
export function readHolder(dataDir: string): DataFolderHolder | null {
  let holder: DataFolderHolder
  try {
    holder = JSON.parse(fs.readFileSync(path.join(dataDir, HOLDER_FILE), 'utf8')) as DataFolderHolder
  } catch {
    return null
  }
  if (typeof holder?.pid !== 'number' || typeof holder.command !== 'string' || typeof holder.since !== 'number') return null
  return processAlive(holder.pid) ? holder : null
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
