/**
 * Files that are listed with a plausible size but cannot be read, like originals that
 * "Optimize iPhone Storage" left only in iCloud (protocol.md §5: ifuse users see EIO on open or
 * read). Chosen by exact virtual path and/or a deterministic ratio of DCIM files.
 */
import { createHash } from 'node:crypto'
import { AfcStatus } from '../../main/device/afc/status.js'

export interface UnreadableOptions {
  /** Virtual AFC paths (e.g. "/DCIM/100APPLE/IMG_0007.HEIC"). */
  paths?: string[]
  /** Fraction (0–1) of regular files under /DCIM, picked by a hash of path + seed. */
  ratio?: number
  seed?: number
  /** Where the failure shows: FileRefOpen, or the first FileRefRead (default; open succeeds as on iOS). */
  failOn?: 'open' | 'read'
  /** The AFC status returned (default READ_ERROR, which ifuse maps to EIO). */
  status?: number
}

export class UnreadablePolicy {
  private opts: UnreadableOptions = {}
  private paths = new Set<string>()
  failOn: 'open' | 'read' = 'read'
  status: number = AfcStatus.READ_ERROR

  constructor(opts: UnreadableOptions = {}) {
    this.update(opts)
  }

  /** Replaces the rule; open connections see the change on their next open/read. */
  update(opts: UnreadableOptions): void {
    this.opts = { ...opts }
    this.paths = new Set(opts.paths ?? [])
    this.failOn = opts.failOn ?? 'read'
    this.status = opts.status ?? AfcStatus.READ_ERROR
  }

  /** `vpath` is normalised ("/DCIM/…"). */
  matches(vpath: string): boolean {
    if (this.paths.has(vpath)) return true
    const ratio = this.opts.ratio ?? 0
    if (ratio <= 0 || !vpath.startsWith('/DCIM/')) return false
    const h = createHash('sha256').update(`${this.opts.seed ?? 0}:${vpath}`).digest()
    return h.readUInt32BE(0) / 0x1_0000_0000 < ratio
  }

  get options(): UnreadableOptions {
    return { ...this.opts, paths: [...this.paths] }
  }
}
