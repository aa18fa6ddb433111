/**
 * The library root folder: created the first time Cradle uses it, never again. If a root Cradle
 * has used before is missing (an unplugged external drive) recreating it would silently fill
 * the computer's own disk under the mount point, so that is library-missing instead. A marker
 * file tells an empty mount-point folder from the real library.
 */
import fs from 'node:fs'
import path from 'node:path'
import { CradleError } from '../../shared/errors.js'
import { stmt, type Db } from './catalog-db.js'
import { errnoOf, PERMISSION } from './library-fs.js'

export const ROOT_MARKER = '.cradle-library'

function missing(root: string, why: string): CradleError {
  return new CradleError('library-missing', `${root}: ${why}`, { context: { path: root } })
}

function known(db: Db, root: string): boolean {
  return stmt(db, 'SELECT 1 FROM library_roots WHERE path = ?').get(root) !== undefined
}

/** Throws library-missing if a root used before is gone or is not our library any more. */
export function checkRoot(db: Db, root: string): void {
  let st: fs.Stats
  try {
    st = fs.statSync(root)
  } catch (e) {
    if (PERMISSION.has(errnoOf(e) ?? '')) throw new CradleError('library-permission', `${root}: ${(e as Error).message}`, { cause: e, context: { path: root } })
    throw missing(root, 'not found')
  }
  if (!st.isDirectory()) throw missing(root, 'not a folder')
  if (known(db, root) && !fs.existsSync(path.join(root, ROOT_MARKER))) throw missing(root, `${ROOT_MARKER} is gone (another disk mounted here?)`)
}

/** Makes sure the root exists: creates it (and its marker) only if Cradle never used it. */
export function prepareRoot(db: Db, root: string, now: number): void {
  if (known(db, root)) return checkRoot(db, root)
  try {
    fs.mkdirSync(root, { recursive: true })
    const marker = path.join(root, ROOT_MARKER)
    // 'wx': a marker already there (or a link at its name) is kept as it is, never written through.
    writeIfAbsent(marker, `${JSON.stringify({ createdAt: new Date(now).toISOString() })}\n`)
  } catch (e) {
    const code = errnoOf(e) ?? ''
    if (PERMISSION.has(code)) throw new CradleError('library-permission', `${root}: ${(e as Error).message}`, { cause: e, context: { path: root } })
    if (code === 'ENOSPC') throw new CradleError('disk-full', `${root}: ${(e as Error).message}`, { cause: e, context: { path: root } })
    throw missing(root, (e as Error).message)
  }
  stmt(db, 'INSERT OR IGNORE INTO library_roots (path, created_at) VALUES (?, ?)').run(root, now)
}

function writeIfAbsent(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text, { flag: 'wx' })
  } catch (e) {
    if (errnoOf(e) !== 'EEXIST') throw e
  }
}
