/**
 * Opening a file in the inbox without following links out of it. Anyone who can write to the
 * inbox (a shared folder, a Samba share, another user) could otherwise drop a symbolic link to a
 * file only the Cradle user may read (~/.ssh/id_ed25519) and have it imported and uploaded.
 *
 * The checks are made on the opened descriptor, never before the open, so a link swapped in
 * between the watcher's scan and the open is caught too:
 * - O_NOFOLLOW refuses a link as the last path component (where the OS has it; not on Windows);
 * - the descriptor must be a regular file (a FIFO would block, a device would never end;
 *   O_NONBLOCK keeps the open itself from blocking on a FIFO);
 * - the path, resolved now, must lie inside the inbox's real path (a linked or swapped folder
 *   on the way resolves outside), and must name the very file that was opened (same device and
 *   inode): a folder swapped for a link before the open and back after it still fails here.
 * A hard link is the file itself, not a pointer, and is not refused: making one to a file of
 * another user needs that user's rights on Linux (fs.protected_hardlinks, Debian's default).
 */
import fs from 'node:fs'
import fsp, { type FileHandle } from 'node:fs/promises'
import { isInside } from '../folders/inside.js'

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0)

export type InboxRefusal = 'link' | 'outside' | 'not-a-file'

/** Why a path in the inbox was not imported, in the user's words. */
export const INBOX_REFUSAL_REASON: Record<InboxRefusal, string> = {
  link: 'it is a symbolic link; Cradle imports only files really in the inbox, never what a link points to',
  outside: 'its real location is outside the inbox (a linked folder on the way); Cradle imports only files really in the inbox',
  'not-a-file': 'it is not a regular file',
}

export type InboxOpen =
  | { ok: true; handle: FileHandle; stat: fs.BigIntStats }
  | { ok: false; refusal: InboxRefusal }

/**
 * Opens `abs` (a path the watcher reported under the inbox) for reading, or says why not.
 * `realRoot` is the inbox's own real path (the inbox folder itself may be a link the user made).
 * Other errors (ENOENT: gone meanwhile, EACCES) are thrown as they are.
 */
export async function openInboxFile(realRoot: string, abs: string): Promise<InboxOpen> {
  let handle: FileHandle
  try {
    handle = await fsp.open(abs, OPEN_FLAGS)
  } catch (error) {
    // ELOOP: Linux and macOS refusing O_NOFOLLOW on a link (FreeBSD says EMLINK).
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP' || code === 'EMLINK') return { ok: false, refusal: 'link' }
    throw error
  }
  try {
    const stat = await handle.stat({ bigint: true })
    if (!stat.isFile()) return close(handle, 'not-a-file')
    // Windows has no O_NOFOLLOW: a link there is seen by lstat instead (its own inode differs).
    const own = await fsp.lstat(abs, { bigint: true })
    if (own.isSymbolicLink()) return close(handle, 'link')
    const real = await fsp.realpath(abs)
    if (!isInside(realRoot, real)) return close(handle, 'outside')
    const now = await fsp.stat(real, { bigint: true })
    if (now.dev !== stat.dev || now.ino !== stat.ino || own.ino !== stat.ino) return close(handle, 'outside')
    return { ok: true, handle, stat }
  } catch (error) {
    await handle.close().catch(() => undefined)
    throw error
  }
}

async function close(handle: FileHandle, refusal: InboxRefusal): Promise<InboxOpen> {
  await handle.close().catch(() => undefined)
  return { ok: false, refusal }
}
