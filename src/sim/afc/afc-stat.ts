/** Host file facts in AFC terms: open modes, GetFileInfo keys, errno → AFC status (protocol.md §4.3–4.4). */
import type { Stats } from 'node:fs'
import { AfcOpenMode } from '../../main/device/afc/opcodes.js'
import { AfcStatus } from '../../main/device/afc/status.js'

/** POSIX equivalents of the AFC open modes (protocol.md §4.4). */
export const OPEN_FLAGS: Record<number, string> = {
  [AfcOpenMode.RDONLY]: 'r',
  [AfcOpenMode.RW]: 'r+',
  [AfcOpenMode.WRONLY]: 'w',
  [AfcOpenMode.WR]: 'w+',
  [AfcOpenMode.APPEND]: 'a',
  [AfcOpenMode.RDAPPEND]: 'a+',
}

function ifmt(st: Stats): string {
  if (st.isFile()) return 'S_IFREG'
  if (st.isDirectory()) return 'S_IFDIR'
  if (st.isSymbolicLink()) return 'S_IFLNK'
  if (st.isCharacterDevice()) return 'S_IFCHR'
  if (st.isBlockDevice()) return 'S_IFBLK'
  if (st.isFIFO()) return 'S_IFIFO'
  return 'S_IFSOCK'
}

/** Times in nanoseconds. Linux cannot set a birth time, so a birth time after mtime (a file
 * written now with its capture date as mtime) is reported as the mtime, as a phone would have it. */
export function statInfo(st: Stats): Record<string, string | number | bigint> {
  const mtimeNs = BigInt(Math.round(st.mtimeMs * 1e6))
  const birthNs = st.birthtimeMs > 0 ? BigInt(Math.round(st.birthtimeMs * 1e6)) : mtimeNs
  return {
    st_size: st.size,
    st_blocks: st.blocks,
    st_nlink: st.nlink,
    st_ifmt: ifmt(st),
    st_mtime: mtimeNs,
    st_birthtime: birthNs < mtimeNs ? birthNs : mtimeNs,
  }
}

export function dirInfo(): Record<string, string | number> {
  return { st_size: 128, st_blocks: 0, st_nlink: 4, st_ifmt: 'S_IFDIR', st_mtime: '1700000000000000000', st_birthtime: '1700000000000000000' }
}

export function errnoStatus(code: string | undefined): number {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return AfcStatus.OBJECT_NOT_FOUND
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return AfcStatus.PERM_DENIED
    case 'EISDIR':
      return AfcStatus.OBJECT_IS_DIR
    case 'EEXIST':
      return AfcStatus.OBJECT_EXISTS
    case 'ENOSPC':
      return AfcStatus.NO_SPACE_LEFT
    case 'ENOTEMPTY':
      return AfcStatus.DIR_NOT_EMPTY
    case 'EMFILE':
    case 'ENFILE':
      return AfcStatus.NO_RESOURCES
    case 'EIO':
      return AfcStatus.IO_ERROR
    default:
      return AfcStatus.UNKNOWN_ERROR
  }
}
