/**
 * Path confinement, in one place: every check that a path built from outside input (a URL, a
 * library path from the catalog, a name from the phone) stays under its root. Comparing by
 * `path.relative` rather than a `root + sep` prefix also holds for a root of `/` or `C:\`.
 */
import path from 'node:path'

/** Whether `p` is `root` or below it (both absolute and resolved). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p)
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel))
}

/** `segments` resolved under `root`, or null when the result would be `root` itself or leave it. */
export function resolveBelow(root: string, ...segments: string[]): string | null {
  const base = path.resolve(root)
  const full = path.resolve(base, ...segments)
  return full !== base && isInside(base, full) ? full : null
}
