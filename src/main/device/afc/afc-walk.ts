/**
 * Listing and stat-ing a camera roll with pipelining: up to `window` ReadDir/GetFileInfo
 * requests in flight on one AFC connection instead of one round trip per file (50,000 files at
 * 0.5 ms per reply: about 25–50 s lock-step). Dot names (/DCIM/.MISC) are skipped (protocol.md
 * §5); a folder or file that vanishes while we walk is left out, not an error.
 */
import { CradleError } from '../../../shared/errors.js'
import type { AfcClient, AfcStat } from './afc-client.js'

export interface AfcEntry {
  path: string
  stat: AfcStat
}

export interface WalkOptions {
  signal?: AbortSignal
  /** Requests in flight (default 64; 1 = lock-step). */
  window?: number
  /** Include names starting with "." (default false). */
  includeHidden?: boolean
  /** Called for every regular file as it is found. */
  onFile?: (entry: AfcEntry) => void
}

export interface WalkResult {
  /** Regular files, sorted by path. */
  files: AfcEntry[]
  /** Directories below the root, sorted by path, with their listings' names. */
  dirs: (AfcEntry & { names: string[] })[]
}

export const DEFAULT_WALK_WINDOW = 64

export function joinAfcPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`
}

/** Runs tasks from a growing queue with at most `window` running; rejects on the first failure. */
function pool<T>(initial: T[], window: number, signal: AbortSignal | undefined, run: (task: T, push: (t: T) => void) => Promise<void>): Promise<void> {
  // An index into a growing array: Array.shift() is O(n) and 50,000 stat tasks made it quadratic.
  const queue = [...initial]
  let head = 0
  let active = 0
  let failed = false
  return new Promise<void>((resolve, reject) => {
    const fail = (error: unknown): void => {
      if (failed) return
      failed = true
      reject(error)
    }
    const push = (task: T): void => {
      queue.push(task)
    }
    const pump = (): void => {
      if (failed) return
      if (signal?.aborted) return fail(new CradleError('aborted', 'walk aborted'))
      while (active < window && head < queue.length) {
        const task = queue[head]!
        queue[head++] = undefined as T // let finished tasks be collected
        active++
        run(task, push).then(() => {
          active--
          if (!failed && active === 0 && head === queue.length) resolve()
          else pump()
        }, fail)
      }
      if (active === 0 && head === queue.length) resolve()
    }
    pump()
  })
}

function notFound(error: unknown): boolean {
  return error instanceof CradleError && error.code === 'not-found'
}

export async function walkTree(afc: AfcClient, root: string, opts: WalkOptions = {}): Promise<WalkResult> {
  const { signal } = opts
  const window = Math.max(1, opts.window ?? DEFAULT_WALK_WINDOW)
  const files: AfcEntry[] = []
  const dirs: (AfcEntry & { names: string[] })[] = []
  type Task = { kind: 'list'; path: string; entry?: AfcEntry } | { kind: 'stat'; path: string }
  await pool<Task>([{ kind: 'list', path: root }], window, signal, async (task, push) => {
    if (task.kind === 'list') {
      let names: string[]
      try {
        names = await afc.listDir(task.path, signal)
      } catch (error) {
        if (notFound(error)) return // the folder went away (or the phone has no DCIM yet)
        throw error
      }
      const visible = opts.includeHidden ? names : names.filter((n) => !n.startsWith('.'))
      if (task.entry) dirs.push({ ...task.entry, names: visible })
      for (const name of visible) push({ kind: 'stat', path: joinAfcPath(task.path, name) })
      return
    }
    const stat = await afc.statOrNull(task.path, signal)
    if (!stat) return
    if (stat.type === 'dir') push({ kind: 'list', path: task.path, entry: { path: task.path, stat } })
    else if (stat.type === 'file') {
      const entry = { path: task.path, stat }
      files.push(entry)
      opts.onFile?.(entry)
    }
  })
  const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  return { files: files.sort(byPath), dirs: dirs.sort(byPath) }
}

/** Stats every path with pipelining; null for paths that no longer exist. Order is kept. */
export async function statPaths(afc: AfcClient, paths: readonly string[], opts: { signal?: AbortSignal; window?: number } = {}): Promise<(AfcStat | null)[]> {
  const out: (AfcStat | null)[] = new Array<AfcStat | null>(paths.length).fill(null)
  const indexes = paths.map((_, i) => i)
  await pool(indexes, Math.max(1, opts.window ?? DEFAULT_WALK_WINDOW), opts.signal, async (i) => {
    out[i] = await afc.statOrNull(paths[i]!, opts.signal)
  })
  return out
}

/** statPaths, keeping a per-file refusal ('file-unreadable', with its AFC status) in its slot. */
export async function statPathsEach(afc: AfcClient, paths: readonly string[], opts: { signal?: AbortSignal; window?: number } = {}): Promise<(AfcStat | CradleError | null)[]> {
  const out: (AfcStat | CradleError | null)[] = new Array<AfcStat | CradleError | null>(paths.length).fill(null)
  const indexes = paths.map((_, i) => i)
  await pool(indexes, Math.max(1, opts.window ?? DEFAULT_WALK_WINDOW), opts.signal, async (i) => {
    try {
      out[i] = await afc.statOrNull(paths[i]!, opts.signal)
    } catch (error) {
      if (!(error instanceof CradleError) || error.code !== 'file-unreadable') throw error
      out[i] = error
    }
  })
  return out
}
