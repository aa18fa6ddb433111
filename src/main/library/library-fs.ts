/**
 * The file-system calls the import pipeline makes, behind one small object so tests can inject
 * faults a root-run CI cannot produce for real (EACCES is ignored for root), and the mapping of
 * OS errors to Cradle's codes (disk-full, library-permission, library-missing).
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { CradleError } from '../../shared/errors.js'

export interface LibraryFs {
  open(file: string, flags: string): Promise<fsp.FileHandle>
  mkdir(dir: string): Promise<void>
  link(from: string, to: string): Promise<void>
  rename(from: string, to: string): Promise<void>
  unlink(file: string): Promise<void>
  /** fsync a directory so a rename/link in it survives power loss (no-op where unsupported). */
  syncDir(dir: string): Promise<void>
}

/**
 * mkdir -p that reports the real errno: Node's `recursive: true` says ENOENT on a read-only
 * volume (it hides EROFS), which would read as "library missing" instead of "cannot write".
 */
async function mkdirp(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir)
  } catch (e) {
    const code = errnoOf(e)
    if (code === 'EEXIST') return
    const parent = path.dirname(dir)
    if (code !== 'ENOENT' || parent === dir) throw e
    await mkdirp(parent)
    await fsp.mkdir(dir).catch((e2: unknown) => {
      if (errnoOf(e2) !== 'EEXIST') throw e2
    })
  }
}

export const realLibraryFs: LibraryFs = {
  // The library is the user's own photo folder, meant to be browsed and backed up by other
  // programs: its files keep ordinary modes (unlike the data folder, data-folder/private-files.ts).
  open: (file, flags) => fsp.open(file, flags, 0o644),
  mkdir: mkdirp,
  link: (from, to) => fsp.link(from, to),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (file) => fsp.unlink(file),
  syncDir: async (dir) => {
    // Windows cannot open a directory for fsync; NTFS journals the rename itself.
    if (process.platform === 'win32') return
    const fh = await fsp.open(dir, 'r')
    try {
      await fh.sync()
    } finally {
      await fh.close()
    }
  },
}

export const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG'])
export const PERMISSION = new Set(['EACCES', 'EPERM', 'EROFS'])

export function errnoOf(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'code' in error && typeof error.code === 'string' ? error.code : undefined
}

/** Free and total bytes of the volume holding `dir` (undefined if it cannot be asked). */
export async function volumeSpace(dir: string): Promise<{ freeBytes: number; totalBytes: number } | undefined> {
  try {
    const s = await fsp.statfs(dir)
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize }
  } catch {
    return undefined
  }
}

/** True when the library root is a directory we can see (an unplugged drive makes it vanish). */
export function rootPresent(root: string): boolean {
  try {
    return fs.statSync(root).isDirectory()
  } catch {
    return false
  }
}

/**
 * Maps an OS error during an import to a CradleError. A missing root wins over everything:
 * an unplugged drive shows up as EIO/ENOENT/EACCES depending on the OS and the moment.
 */
export async function mapFsError(error: unknown, root: string, where: string): Promise<CradleError> {
  if (error instanceof CradleError) return error
  const code = errnoOf(error)
  const message = error instanceof Error ? error.message : String(error)
  if (!rootPresent(root)) {
    return new CradleError('library-missing', `library folder gone during ${where}: ${message}`, { cause: error, context: { path: root } })
  }
  if (code && DISK_FULL.has(code)) {
    const space = await volumeSpace(root)
    return new CradleError('disk-full', `${code} during ${where}`, { cause: error, context: { path: root, ...space } })
  }
  if (code && PERMISSION.has(code)) {
    return new CradleError('library-permission', `${code} during ${where}: ${message}`, { cause: error, context: { path: root } })
  }
  return new CradleError('internal', `${where}: ${message}`, { cause: error, context: { path: root } })
}
