/** A tiny async mutex: placement (pick a name → link → commit) runs one at a time per library. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve()

  /** Runs `fn` after every earlier holder finished; errors pass through to the caller only. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn)
    this.tail = result.then(() => undefined, () => undefined)
    return result
  }
}
