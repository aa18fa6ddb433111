/**
 * The file system an AFC service sees: a virtual root with host folders mounted into it
 * (com.apple.afc: the media root with /DCIM; crashreportcopymobile: the crash-log folder at /).
 * Every path is normalised here and confined: ".." cannot climb above the root, and a symlink
 * that leads outside its mount is refused, so nothing outside the served folders is reachable.
 */
import { promises as fs, realpathSync } from 'node:fs'
import path from 'node:path'

export interface AfcMount {
  /** Virtual absolute path: "/" or "/DCIM". */
  at: string
  /** Host folder served there. */
  dir: string
  /** Writes, removals, renames and creation refused (DCIM: a backup tool must never write there). */
  readOnly: boolean
}

export type Resolved =
  | { kind: 'virtual'; vpath: string; children: string[] }
  | { kind: 'real'; vpath: string; real: string; mount: AfcMount }
  | { kind: 'missing'; vpath: string }

export class PathEscapeError extends Error {
  constructor(readonly requested: string) {
    super(`path escapes the served root: ${requested}`)
  }
}

export class AfcTree {
  private readonly mounts: AfcMount[]
  private readonly virtualDirs = new Map<string, Set<string>>()
  private readonly mountRoots = new Map<AfcMount, Promise<string>>()
  private readonly realCache = new Map<string, { real: string; at: number }>()

  /** `emptyDirs`: extra virtual folders that list as empty (e.g. "/Downloads"). */
  constructor(mounts: AfcMount[], emptyDirs: string[] = []) {
    // Longest mount point first, so /DCIM wins over /.
    this.mounts = mounts.map((m) => ({ ...m, at: normalise(m.at) })).sort((a, b) => b.at.length - a.at.length)
    for (const vp of [...this.mounts.map((m) => m.at), ...emptyDirs.map(normalise)]) {
      this.virtualDirs.set(vp, this.virtualDirs.get(vp) ?? new Set())
      let child = vp
      while (child !== '/') {
        const parent = path.posix.dirname(child)
        if (!this.virtualDirs.has(parent)) this.virtualDirs.set(parent, new Set())
        this.virtualDirs.get(parent)!.add(path.posix.basename(child))
        child = parent
      }
    }
  }

  /** Normalises an AFC path (relative or absolute) to "/a/b"; throws PathEscapeError on "..". */
  normalise(requested: string): string {
    return normalise(requested)
  }

  /** Maps a virtual path to a host path (or a virtual folder); refuses escapes. */
  async resolve(requested: string): Promise<Resolved> {
    const vpath = normalise(requested)
    const mount = this.mounts.find((m) => vpath === m.at || vpath.startsWith(m.at === '/' ? '/' : `${m.at}/`))
    if (!mount) {
      const children = this.virtualDirs.get(vpath)
      return children ? { kind: 'virtual', vpath, children: [...children].sort() } : { kind: 'missing', vpath }
    }
    const rel = vpath.slice(mount.at.length).replace(/^\//, '')
    const real = rel === '' ? mount.dir : path.join(mount.dir, ...rel.split('/'))
    return { kind: 'real', vpath, real, mount }
  }

  /** The mount's real root (symlinks in the configured folder itself are fine). */
  private root(mount: AfcMount): Promise<string> {
    let p = this.mountRoots.get(mount)
    if (!p) this.mountRoots.set(mount, (p = fs.realpath(mount.dir)))
    return p
  }

  /**
   * Follows symlinks and checks the target stays inside the mount. Returns the real path, or
   * undefined if it does not exist; throws PathEscapeError when it leads outside.
   */
  async confine(r: Extract<Resolved, { kind: 'real' }>): Promise<string | undefined> {
    let target: string
    try {
      target = await fs.realpath(r.real)
    } catch {
      return undefined
    }
    if (!within(await this.root(r.mount), target)) throw new PathEscapeError(r.vpath)
    return target
  }

  /** Checks the parent folder of a path is inside the mount (for lstat, create, remove). */
  async confineParent(r: Extract<Resolved, { kind: 'real' }>): Promise<string | undefined> {
    const root = await this.root(r.mount)
    if (r.real === r.mount.dir) return root
    let parent: string
    try {
      parent = this.parentRealpath(r.mount, path.dirname(r.real))
    } catch {
      return undefined
    }
    if (!within(root, parent)) throw new PathEscapeError(r.vpath)
    return path.join(parent, path.basename(r.real))
  }
  /**
   * realpath of a folder. Sync on purpose: a walk stats every file of a folder, and a thread-pool
   * round trip per realpath made the simulator, not the client, the bottleneck
   * (bench/device.bench.ts). For read-only mounts (DCIM) the answer is kept for a second, so a
   * folder of 1,000 files costs one realpath instead of 1,000.
   */
  private parentRealpath(mount: AfcMount, dir: string): string {
    if (!mount.readOnly) return realpathSync.native(dir)
    const now = Date.now()
    const hit = this.realCache.get(dir)
    if (hit && now - hit.at < 1000) return hit.real
    const real = realpathSync.native(dir)
    if (this.realCache.size > 10_000) this.realCache.clear()
    this.realCache.set(dir, { real, at: now })
    return real
  }

  /**
   * For creating a path whose parents may not exist yet (MakeDir is mkdir -p): confines the
   * nearest existing ancestor and returns the host path to create.
   */
  async confineCreate(r: Extract<Resolved, { kind: 'real' }>): Promise<string> {
    const root = await this.root(r.mount)
    const rest: string[] = []
    let probe = r.real
    for (;;) {
      try {
        const real = await fs.realpath(probe)
        if (!within(root, real)) throw new PathEscapeError(r.vpath)
        return path.join(real, ...rest.reverse())
      } catch (error) {
        if (error instanceof PathEscapeError || probe === r.mount.dir) throw error
        rest.push(path.basename(probe))
        probe = path.dirname(probe)
      }
    }
  }
}

function within(root: string, target: string): boolean {
  return target === root || target.startsWith(root.endsWith(path.sep) ? root : root + path.sep)
}

function normalise(requested: string): string {
  const out: string[] = []
  for (const seg of requested.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') {
      if (out.length === 0) throw new PathEscapeError(requested)
      out.pop()
      continue
    }
    out.push(seg)
  }
  return `/${out.join('/')}`
}
