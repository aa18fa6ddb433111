/**
 * A second copy in another folder (another disk, a NAS mount), same layout as the library.
 * Each file is written to a temp file beside its target, fsynced, hashed while written, linked
 * into place with link(2) (which fails if the name exists: nothing is ever overwritten), then
 * read back and hashed again ("verified after copy").
 */
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { FolderConfig } from '../../../shared/destination-config.js'
import { CradleError } from '../../../shared/errors.js'
import type { SpaceReport } from '../../../shared/space-text.js'
import type { Destination, MetadataContext, RemoteCheck, UploadContext, UploadItem, UploadResult } from '../destination.js'
import { takenAt } from '../destination.js'
import { sha256File } from '../../library/file-hash.js'
import { resolveBelow } from '../../folders/inside.js'
import { replaceAtomically } from '../../folders/atomic-write.js'
import { mustReadBack, newProbe, type ProbeResult } from '../write-probe.js'

function fsError(error: unknown, what: string): CradleError {
  const code = (error as NodeJS.ErrnoException)?.code
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new CradleError('destination-forbidden', `${what}: ${code}`, { cause: error })
  if (code === 'ENOSPC' || code === 'EDQUOT') return new CradleError('destination-full', `${what}: no space left (${code})`, { cause: error })
  if (code === 'ENOENT' || code === 'ENOTCONN' || code === 'EIO' || code === 'ESTALE' || code === 'EHOSTDOWN') return new CradleError('destination-unreachable', `${what}: ${code}`, { cause: error })
  return new CradleError('internal', `${what}: ${(error as Error)?.message ?? String(error)}`, { cause: error })
}

/** fs write(2) may take fewer bytes than given (a full or network disk): write the rest. */
async function writeAll(fd: fs.promises.FileHandle, chunk: Buffer): Promise<void> {
  for (let done = 0; done < chunk.length; ) done += (await fd.write(chunk, done, chunk.length - done)).bytesWritten
}

export class FolderDestination implements Destination {
  readonly kind = 'folder' as const
  readonly concurrency: number
  readonly skipRoles = [] as const

  constructor(private readonly config: FolderConfig, options: { concurrency?: number } = {}) {
    this.concurrency = options.concurrency ?? 2
  }

  async check(): Promise<void> {
    let stat: fs.Stats
    try {
      stat = await fs.promises.stat(this.config.path)
    } catch (error) {
      const e = fsError(error, `folder ${this.config.path}`)
      // Missing: say so ("doesn't exist"), not "can't reach" — still retried, since an unplugged drive looks the same.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CradleError(e.code, e.message, { cause: error, context: { missingFolder: this.config.path } })
      throw e
    }
    if (!stat.isDirectory()) throw new CradleError('destination-config', `${this.config.path} is not a folder`)
    try {
      await fs.promises.access(this.config.path, fs.constants.W_OK)
    } catch (error) {
      throw fsError(error, `folder ${this.config.path}`)
    }
  }

  /** The folder's volume: free (what this user may still write) and total, from statfs. */
  async space(): Promise<SpaceReport> {
    try {
      const st = await fs.promises.statfs(this.config.path)
      return { measure: 'disk', freeBytes: st.bavail * st.bsize, totalBytes: st.blocks * st.bsize, usedBytes: (st.blocks - st.bfree) * st.bsize, note: null }
    } catch (error) {
      throw fsError(error, `folder ${this.config.path}`)
    }
  }

  /** A test file in the folder: written (wx, fsync), read back, removed; free space from statfs. */
  async probeWrite(signal: AbortSignal): Promise<ProbeResult> {
    const probe = newProbe()
    const file = path.join(this.config.path, probe.name)
    try {
      const fd = await fs.promises.open(file, 'wx')
      try {
        await fd.writeFile(probe.body)
        await fd.sync()
      } finally {
        await fd.close()
      }
      signal.throwIfAborted()
      mustReadBack(file, probe.body, await fs.promises.readFile(file, { signal }))
    } catch (error) {
      await fs.promises.rm(file, { force: true }).catch(() => undefined)
      if (error instanceof CradleError || signal.aborted) throw error
      throw fsError(error, `writing a test file in ${this.config.path}`)
    }
    try {
      await fs.promises.rm(file)
      const st = await fs.promises.statfs(this.config.path)
      return { freeBytes: st.bavail * st.bsize }
    } catch (error) {
      throw fsError(error, `removing the test file ${file}`)
    }
  }

  /** The target path; the library path is relative and was checked by the library, but check again. */
  private target(item: UploadItem): string {
    const target = resolveBelow(this.config.path, ...item.libraryPath.split('/'))
    if (target === null) throw new CradleError('destination-rejected', `path leaves the folder: ${item.libraryPath}`)
    return target
  }

  async upload(item: UploadItem, ctx: UploadContext): Promise<UploadResult> {
    await this.check()
    const target = this.target(item)
    const existing = await this.compareExisting(target, item, ctx.signal)
    if (existing) return existing
    const dir = path.dirname(target)
    const temp = path.join(dir, `.${path.basename(target)}.cradle-${randomBytes(4).toString('hex')}.part`)
    try {
      await fs.promises.mkdir(dir, { recursive: true })
      const hash = createHash('sha256')
      const fd = await fs.promises.open(temp, 'wx')
      try {
        // Each chunk hashed and written before the next is read: one pooled buffer for the whole file.
        for await (const chunk of ctx.read()) {
          hash.update(chunk)
          await writeAll(fd, chunk)
        }
        await fd.sync()
      } finally {
        await fd.close()
      }
      if (hash.digest('hex') !== item.sha256) throw new CradleError('library-missing', `library file ${item.libraryPath} no longer matches its hash`)
      const when = new Date(takenAt(item))
      await fs.promises.utimes(temp, when, when).catch(() => undefined)
      if (!(await this.linkIntoPlace(temp, target))) {
        // Someone wrote that name meanwhile (an earlier attempt of ours, or another writer).
        const now = await this.compareExisting(target, item, ctx.signal)
        if (now) return now
      }
    } catch (error) {
      if (error instanceof CradleError) throw error
      if (ctx.signal.aborted) throw error
      throw fsError(error, `writing ${item.libraryPath}`)
    } finally {
      await fs.promises.rm(temp, { force: true })
    }
    // Read back what the disk now holds (NAS mounts may have cached the write).
    const written = await sha256File(target, ctx.signal)
    if (written !== item.sha256) {
      await fs.promises.rm(target, { force: true })
      throw new CradleError('destination-unreachable', `copy of ${item.libraryPath} read back with a different hash`)
    }
    return { remoteRef: item.libraryPath, deduped: false, verified: true }
  }

  /**
   * The XMP sidecar travels with the file: `<copy>.xmp` beside it, replaced atomically (temp file
   * `wx`, fsync, rename) when the phone's metadata changes. The library's sidecar is the source,
   * so only Cradle's fields and what the library's sidecar says end up here.
   */
  async applyMetadata(item: UploadItem, remoteRef: string, _meta: unknown, ctx: MetadataContext): Promise<void> {
    if (item.role === 'sidecar') return
    const target = `${this.target({ ...item, libraryPath: remoteRef })}.xmp`
    const text = await ctx.sidecar()
    try {
      await replaceAtomically(target, text, { durable: true, beforeRename: () => ctx.signal.throwIfAborted() })
    } catch (error) {
      if (error instanceof CradleError || ctx.signal.aborted) throw error
      throw fsError(error, `writing the sidecar of ${remoteRef}`)
    }
  }

  /** The copy's bytes, re-read and hashed: the strongest check there is. */
  async verify(item: UploadItem, remoteRef: string, signal: AbortSignal): Promise<RemoteCheck> {
    const target = this.target({ ...item, libraryPath: remoteRef })
    let stat: fs.Stats
    try {
      stat = await fs.promises.stat(target)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing', means: 'checksum' }
      throw fsError(error, `checking ${remoteRef}`)
    }
    if (!stat.isFile() || stat.size !== item.size) return { state: 'corrupt', means: 'checksum', detail: `${stat.size} bytes, the library has ${item.size}` }
    return { state: (await sha256File(target, signal)) === item.sha256 ? 'ok' : 'corrupt', means: 'checksum' }
  }

  /** A damaged copy goes to `<folder>/.cradle-damaged/<time>/<path>`: kept, never overwritten. */
  async setAside(item: UploadItem, remoteRef: string): Promise<void> {
    const target = this.target({ ...item, libraryPath: remoteRef })
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const aside = this.target({ ...item, libraryPath: `.cradle-damaged/${stamp}/${remoteRef}` })
    await fs.promises.mkdir(path.dirname(aside), { recursive: true })
    await fs.promises.rename(target, aside)
  }

  /** Same content already there → done; different content → conflict (never overwrite). */
  private async compareExisting(target: string, item: UploadItem, signal: AbortSignal): Promise<UploadResult | null> {
    let stat: fs.Stats
    try {
      stat = await fs.promises.stat(target)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw fsError(error, `checking ${item.libraryPath}`)
    }
    if (stat.size === item.size && (await sha256File(target, signal)) === item.sha256) return { remoteRef: item.libraryPath, deduped: true, verified: true }
    throw new CradleError('destination-conflict', `${item.libraryPath} exists with different content`, { context: { path: item.libraryPath } })
  }

  /** link(2) refuses an existing name, so a racing writer is never overwritten. False = name taken. */
  private async linkIntoPlace(temp: string, target: string): Promise<boolean> {
    try {
      await fs.promises.link(temp, target)
      return true
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST') return false
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error
    }
    // Filesystems without hard links (FAT, some SMB): copy exclusively instead.
    try {
      await fs.promises.copyFile(temp, target, fs.constants.COPYFILE_EXCL)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw error
    }
  }
}
