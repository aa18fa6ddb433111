/**
 * Files that are listed with a plausible size but cannot be read, like originals that
 * "Optimize iPhone Storage" left only in iCloud (protocol.md §5: ifuse users see EIO on open or
 * read), or files a real afcd refuses for its own reasons (ifuse #54: FileRefOpen answered
 * UNKNOWN_ERROR, "additional hard links"). Chosen by exact virtual path and/or a deterministic
 * ratio of DCIM files; each file can fail at its own stage with its own AFC status.
 */
import { createHash } from 'node:crypto'
import { AfcStatus } from '../../main/device/afc/status.js'

/** Where a file's failure shows: GetFileInfo, FileRefOpen, the first FileRefRead, or FileRefSeek (a resume). */
export type UnreadableStage = 'stat' | 'open' | 'read' | 'seek'
export const UNREADABLE_STAGES: readonly UnreadableStage[] = ['stat', 'open', 'read', 'seek']

/** How one file fails. */
export interface UnreadableRule {
  failOn?: UnreadableStage
  /** Any AFC status (1 UNKNOWN_ERROR, 4 READ_ERROR, 8 OBJECT_NOT_FOUND, 10 PERM_DENIED, …). */
  status?: number
}

export interface UnreadableOptions {
  /** Virtual AFC paths (e.g. "/DCIM/100APPLE/IMG_0007.HEIC"), failing with the default stage and status. */
  paths?: string[]
  /** Virtual AFC paths, each with its own stage and/or status (missing fields take the defaults). */
  files?: Record<string, UnreadableRule>
  /** Fraction (0–1) of regular files under /DCIM, picked by a hash of path + seed. */
  ratio?: number
  seed?: number
  /** Default stage: the first FileRefRead (open succeeds, as on iOS). */
  failOn?: UnreadableStage
  /** Default AFC status: READ_ERROR, which ifuse maps to EIO. */
  status?: number
}

export interface UnreadableMatch {
  failOn: UnreadableStage
  status: number
}

export class UnreadablePolicy {
  private opts: UnreadableOptions = {}
  private rules = new Map<string, UnreadableRule>()
  failOn: UnreadableStage = 'read'
  status: number = AfcStatus.READ_ERROR

  constructor(opts: UnreadableOptions = {}) {
    this.update(opts)
  }

  /** Replaces the rule; open connections see the change on their next stat/open/read/seek. */
  update(opts: UnreadableOptions): void {
    this.opts = { ...opts, ...(opts.files ? { files: { ...opts.files } } : {}) }
    this.rules = new Map<string, UnreadableRule>((opts.paths ?? []).map((p) => [p, {}]))
    for (const [p, rule] of Object.entries(opts.files ?? {})) this.rules.set(p, { ...rule })
    this.failOn = opts.failOn ?? 'read'
    this.status = opts.status ?? AfcStatus.READ_ERROR
  }

  /** How `vpath` (normalised, "/DCIM/…") fails, or null when it reads fine. */
  match(vpath: string): UnreadableMatch | null {
    const rule = this.rules.get(vpath)
    if (rule) return { failOn: rule.failOn ?? this.failOn, status: rule.status ?? this.status }
    const ratio = this.opts.ratio ?? 0
    if (ratio <= 0 || !vpath.startsWith('/DCIM/')) return null
    const h = createHash('sha256').update(`${this.opts.seed ?? 0}:${vpath}`).digest()
    return h.readUInt32BE(0) / 0x1_0000_0000 < ratio ? { failOn: this.failOn, status: this.status } : null
  }

  matches(vpath: string): boolean {
    return this.match(vpath) !== null
  }

  get options(): UnreadableOptions {
    const files = Object.fromEntries([...this.rules].filter(([, r]) => r.failOn !== undefined || r.status !== undefined))
    const paths = [...this.rules].filter(([, r]) => r.failOn === undefined && r.status === undefined).map(([p]) => p)
    return { ...this.opts, paths, files }
  }
}
