/**
 * What the library needs from a source of files (a phone, the inbox folder), defined here so the
 * library never imports the device layer: the engine maps AFC entries and AFC reads onto these.
 */
import type { Writable } from 'node:stream'

/** One file as the source lists it. Times are nanoseconds since 1970 (AFC st_mtime/st_birthtime). */
export interface SourceFile {
  /** Absolute path on the source, '/' separators: '/DCIM/100APPLE/IMG_0001.HEIC'. */
  path: string
  size: number
  mtimeNs: bigint
  birthtimeNs: bigint
  /**
   * The name to file it under when the path's own name is not the photo's (an original downloaded
   * from iCloud is <UUID>.JPG on the phone; Photos knows it as IMG_7421.JPG). Default: the path's name.
   */
  name?: string
}

export interface CopyOptions {
  /** Start reading here (resume); bytes before it are already staged. */
  offset: number
  signal: AbortSignal
  /** Bytes delivered so far, counting from 0 (not from `offset`). */
  onProgress?: (bytesSoFar: number) => void
}

/**
 * The bytes of one file. `copyTo` writes from `offset` to the end into `sink` (respecting
 * backpressure) and resolves when the source has no more; it must not end `sink`.
 * A file the phone lists but cannot read (iCloud "Optimize Storage") rejects with
 * CradleError('file-not-on-device'). Ending early (unplug) may resolve or reject; the
 * library compares the bytes it got with the listed size either way.
 */
export interface ImportSource {
  copyTo(sink: Writable, opts: CopyOptions): Promise<void>
}

/** The folder part of a source path: '/DCIM/100APPLE/IMG_0001.HEIC' → '/DCIM/100APPLE'. */
export function sourceFolder(p: string): string {
  const i = p.lastIndexOf('/')
  return i <= 0 ? '/' : p.slice(0, i)
}

/** The name part of a source path. */
export function sourceName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1)
}
