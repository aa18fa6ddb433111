/**
 * Replacing a file all at once, so a reader (or a crash) sees the old content or the new, never
 * a part: a temp file opened exclusively (`wx`) beside the target, then a rename over it.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export interface AtomicWriteOptions {
  /**
   * fsync the temp file before the rename, so after a crash the target holds the new bytes or the
   * old ones. Off only for caches rebuilt from elsewhere, where one fsync per small file costs
   * more than losing it.
   */
  durable: boolean
  /** Called after the write and before the rename; it may still refuse (e.g. an abort), leaving nothing behind. */
  beforeRename?: () => void
}

export async function replaceAtomically(target: string, data: string | Uint8Array, opts: AtomicWriteOptions): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.cradle-${randomBytes(4).toString('hex')}.tmp`)
  try {
    const fd = await fs.promises.open(temp, 'wx')
    try {
      await fd.writeFile(data)
      if (opts.durable) await fd.sync()
    } finally {
      await fd.close()
    }
    opts.beforeRename?.()
    await fs.promises.rename(temp, target)
  } catch (error) {
    await fs.promises.rm(temp, { force: true })
    throw error
  }
  // No fsync of the directory: a rename lost in a crash leaves the previous file (or none); the
  // callers' files are written again from the catalog, and fsyncing the folder per file costs more
  // than the write.
}
