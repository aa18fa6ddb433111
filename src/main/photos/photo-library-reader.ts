/**
 * Reads the phone's Photos library safely: Photos.sqlite is copied together with its -wal and
 * -shm over AFC (a copy without the WAL misses the newest rows) into a private temp folder (0700,
 * removed afterwards), the copy is checked (quick_check) and mapped (photos-schema.ts). Photos may
 * write while we copy: if a file's size or mtime changed between the stat before and the stat
 * after the copy, or the copy fails its check, it is copied again, a few times. Nothing is ever
 * written to the phone; the copy is ours, so SQLite may rebuild its WAL index there.
 *
 * Anything that keeps Cradle from using the library — no database, refused, damaged, always
 * changing, a shape it does not know — is an "unavailable" result with the user's words, never an
 * error: the backup then goes on from DCIM alone. Only the connection's own failures (unplugged,
 * timed out, aborted) are thrown, as for any file.
 */
import { createWriteStream, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { finished } from 'node:stream/promises'
import Database from 'better-sqlite3'
import { CradleError, toCradleError } from '../../shared/errors.js'
import type { PhoneFiles, PhoneFileStat } from '../engine/phone-port.js'
import type { PhotoLibraryRead } from './library-model.js'
import { describeLibrary, readLibrary } from './photos-schema.js'

export const PHOTOS_DB = '/PhotoData/Photos.sqlite'
const SUFFIXES = ['', '-wal', '-shm'] as const
/** The three files, in that order. */
export const PHOTOS_DB_FILES: readonly string[] = SUFFIXES.map((s) => `${PHOTOS_DB}${s}`)
/** Copies tried before a library that keeps changing (or copies torn) is given up for this run. */
export const COPY_ATTEMPTS = 4
/** Failures that belong to the connection, not to the library: they end the run as usual. */
const CONNECTION_ERRORS = new Set(['device-unplugged', 'device-timeout', 'device-protocol', 'aborted', 'pairing-invalid'])

export interface ReadOptions {
  signal: AbortSignal
  /** Where the private copy goes (default: the OS temp folder). */
  tmpRoot?: string
  attempts?: number
}

type Stat = PhoneFileStat | null

const sameStats = (a: readonly Stat[], b: readonly Stat[]): boolean =>
  a.every((s, i) => {
    const t = b[i]
    return s === null ? t === null : t !== null && t !== undefined && s.size === t.size && s.mtimeNs === t.mtimeNs
  })

export async function readPhotoLibrary(files: PhoneFiles, opts: ReadOptions): Promise<PhotoLibraryRead> {
  const { signal } = opts
  const paths = SUFFIXES.map((s) => `${PHOTOS_DB}${s}`)
  let dir: string | null = null
  try {
    dir = await fs.mkdtemp(path.join(opts.tmpRoot ?? os.tmpdir(), 'cradle-photos-'))
    await fs.chmod(dir, 0o700)
    let lastProblem: PhotoLibraryRead & { available: false } = { available: false, code: 'changing', reason: 'its Photos library kept changing while Cradle copied it' }
    for (let attempt = 0; attempt < (opts.attempts ?? COPY_ATTEMPTS); attempt++) {
      const before = await statAll(files, paths, signal)
      if (!Array.isArray(before)) return before
      if (before[0] === null) return { available: false, code: 'missing', reason: 'the iPhone does not share its Photos library database' }
      for (const [i, p] of paths.entries()) {
        const local = path.join(dir, `Photos.sqlite${SUFFIXES[i]}`)
        await fs.rm(local, { force: true })
        if (before[i] === null) continue
        const copied = await copy(files, p, local, before[i]!.size, signal)
        if (copied !== true) return copied
      }
      const after = await statAll(files, paths, signal)
      if (!Array.isArray(after)) return after
      if (!sameStats(before, after)) continue
      const opened = openChecked(path.join(dir, 'Photos.sqlite'))
      if (opened.available) return opened
      lastProblem = opened
      if (opened.code === 'unknown-shape') return opened
    }
    return lastProblem
  } catch (error) {
    const e = toCradleError(error)
    if (CONNECTION_ERRORS.has(e.code) || signal.aborted) throw e
    return { available: false, code: 'unreadable', reason: `Cradle could not read its Photos library (${e.message})` }
  } finally {
    if (dir) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined)
  }
}

async function statAll(files: PhoneFiles, paths: readonly string[], signal: AbortSignal): Promise<Stat[] | PhotoLibraryRead & { available: false }> {
  const stats = await files.statMany(paths, signal)
  const refused = stats.find((s): s is CradleError => s instanceof CradleError)
  if (refused) return { available: false, code: 'unreadable', reason: refusedReason(refused) }
  return stats.map((s) => (s instanceof CradleError || s === null || s.type !== 'file' ? null : s))
}

function refusedReason(e: CradleError): string {
  const status = e.context.afcStatus
  return `the iPhone refused to share its Photos library${status !== undefined ? ` (${String(status)})` : ''}`
}

/** Copies one phone file; true, or the unavailable result when the phone refused it. */
async function copy(files: PhoneFiles, from: string, to: string, size: number, signal: AbortSignal): Promise<true | PhotoLibraryRead & { available: false }> {
  const sink = createWriteStream(to, { mode: 0o600, flags: 'wx' })
  try {
    await files.download(from, sink, { offset: 0, signal, size })
  } catch (error) {
    sink.destroy()
    const e = toCradleError(error)
    if (e.code === 'file-unreadable' || e.code === 'file-not-on-device' || e.code === 'not-found') return { available: false, code: 'unreadable', reason: refusedReason(e) }
    throw e
  }
  sink.end()
  await finished(sink)
  return true
}

/** Opens our private copy, checks it and maps it. */
function openChecked(file: string): PhotoLibraryRead {
  let db: Database.Database | null = null
  try {
    db = new Database(file, { fileMustExist: true })
    const check = db.pragma('quick_check', { simple: true })
    if (check !== 'ok') return { available: false, code: 'damaged', reason: 'its Photos library database did not pass a check' }
    const map = describeLibrary(db)
    if ('unknown' in map) return { available: false, code: 'unknown-shape', reason: `its Photos library has a shape Cradle does not know (${map.unknown})` }
    return { available: true, model: readLibrary(db, map) }
  } catch (error) {
    const code = (error as { code?: string }).code ?? ''
    if (code.startsWith('SQLITE_')) return { available: false, code: 'damaged', reason: `its Photos library database could not be opened (${code})` }
    throw error
  } finally {
    db?.close()
  }
}
