/**
 * The headless folder picker's one rule: it shows only folders the user may use — their home
 * folder, the folder that holds the library, and /media and /mnt where they exist. Anyone holding
 * the access link could otherwise read the computer's whole tree of folder names. A path with
 * "..", a path outside those roots, or a link that leads out of them is refused with
 * folder-not-allowed; the check is made on the path as written and on the path with every link
 * resolved, so a link inside the home folder to /etc shows nothing of /etc.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import type { FolderEntry, FolderListing } from '../../shared/contract.js'
import { CradleError } from '../../shared/errors.js'
import { errnoOf } from '../library/library-fs.js'
import { isInside } from './inside.js'

/** More than this many subfolders and the picker shows the first ones by name. */
export const MAX_FOLDERS = 500

export interface RootsInput {
  home: string
  libraryRoot: string
  /** Other places to offer when they exist (default /media and /mnt on Linux, /Volumes on macOS). */
  mounts?: readonly string[]
}

export function defaultMounts(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'darwin') return ['/Volumes']
  if (platform === 'win32') return []
  return ['/media', '/mnt']
}

/** The roots that exist, as absolute paths, without duplicates or a root inside another. */
export async function allowedRoots(input: RootsInput): Promise<string[]> {
  const wanted = [input.home, path.dirname(path.resolve(input.libraryRoot)), ...(input.mounts ?? defaultMounts())].map((p) => path.resolve(p))
  const present: string[] = []
  for (const root of wanted) {
    const st = await fs.stat(root).catch(() => null)
    if (st?.isDirectory() && !present.includes(root)) present.push(root)
  }
  return present.filter((root) => !present.some((other) => other !== root && isInside(other, root)))
}

function refused(requested: string, why: string): CradleError {
  return new CradleError('folder-not-allowed', `${requested}: ${why}`, { context: { path: requested } })
}

/**
 * `requested` as an allowed folder (absolute, normalised), or folder-not-allowed. It must be
 * absolute, free of "..", inside a root as written, and inside a root once links are resolved.
 */
export async function checkAllowedFolder(requested: string, roots: readonly string[]): Promise<string> {
  if (!path.isAbsolute(requested)) throw refused(requested, 'not an absolute path')
  if (requested.split(/[\\/]/).includes('..')) throw refused(requested, 'contains ..')
  const folder = path.resolve(requested)
  if (!roots.some((root) => isInside(root, folder))) throw refused(requested, 'outside the roots')
  let real: string
  try {
    real = await fs.realpath(folder)
  } catch (error) {
    const code = errnoOf(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new CradleError('not-found', `${requested}: ${code}`, { context: { path: requested } })
    throw error
  }
  const realRoots = await Promise.all(roots.map((root) => fs.realpath(root).catch(() => root)))
  if (!realRoots.some((root) => isInside(root, real))) throw refused(requested, `a link leads out of the roots (${real})`)
  const st = await fs.stat(real)
  if (!st.isDirectory()) throw new CradleError('not-found', `${requested}: not a folder`, { context: { path: requested } })
  return folder
}

/**
 * The listing for `requested` (undefined: the roots). Subfolders that are links are shown only
 * when they stay inside the roots; unreadable ones and hidden ones (".name") are left out.
 */
export async function listAllowedFolder(requested: string | undefined, roots: readonly string[]): Promise<FolderListing> {
  if (requested === undefined) {
    return { path: null, parent: null, folders: roots.map((root) => ({ name: root, path: root })), truncated: false }
  }
  const folder = await checkAllowedFolder(requested, roots)
  const entries = await fs.readdir(folder, { withFileTypes: true })
  const names = entries
    .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || e.isSymbolicLink()))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b))
  const folders: FolderEntry[] = []
  let truncated = false
  for (const name of names) {
    const child = path.join(folder, name)
    const allowed = await checkAllowedFolder(child, roots).then(() => true, () => false)
    if (!allowed) continue
    if (folders.length === MAX_FOLDERS) {
      truncated = true
      break
    }
    folders.push({ name, path: child })
  }
  const isRoot = roots.includes(folder)
  return { path: folder, parent: isRoot ? null : path.dirname(folder), folders, truncated }
}
