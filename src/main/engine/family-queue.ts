/**
 * The order in which parallel import workers take files, so that a Live Photo / edit set is dated
 * by the right member.
 *
 * The first member of a set that reaches the catalog creates its group, and the group's capture
 * date decides the library folder of every member. The plan lists the still first, but with
 * several workers the members of one set would run side by side and the smallest would win: an
 * .AAE sidecar (dated only by its edit time, often weeks later) then filed the original and its
 * edit under the edit's month. So while a set has a member in flight and no group yet, its other
 * members wait; workers meanwhile take files of other sets. Once one member is safe (the group
 * exists) the rest of the set runs in parallel again. A member the phone could not give hands the
 * lead to the next one (an iCloud-only still: its rendered edit carries the original's date).
 */
export interface FamilyMember {
  family: string
}

export class FamilyQueue<T extends FamilyMember> {
  private readonly files: T[]
  /** Sets with a member in flight and no group yet. */
  private readonly leading = new Set<string>()
  /** Sets whose group exists (a member was imported in this run). */
  private readonly grouped = new Set<string>()
  private wake: (() => void) | null = null
  private changed: Promise<void> | null = null

  constructor(files: readonly T[]) {
    this.files = [...files]
  }

  get remaining(): number {
    return this.files.length
  }

  /**
   * The next file a worker may import; 'wait' when every remaining file belongs to a set whose
   * first member is still in flight (await `settled()` and ask again); null when none is left.
   */
  take(): T | 'wait' | null {
    if (this.files.length === 0) return null
    const i = this.files.findIndex((f) => this.grouped.has(f.family) || !this.leading.has(f.family))
    if (i < 0) return 'wait'
    const [file] = this.files.splice(i, 1) as [T]
    if (!this.grouped.has(file.family)) this.leading.add(file.family)
    return file
  }

  /** A taken file ended: `grouped` when it is now in the library (so its set's group exists). */
  finished(file: T, grouped: boolean): void {
    if (grouped) this.grouped.add(file.family)
    this.leading.delete(file.family)
    const wake = this.wake
    this.wake = null
    this.changed = null
    wake?.()
  }

  /** Resolves at the next `finished()`. */
  settled(): Promise<void> {
    this.changed ??= new Promise<void>((resolve) => {
      this.wake = resolve
    })
    return this.changed
  }
}
