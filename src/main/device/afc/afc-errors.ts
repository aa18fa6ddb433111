/**
 * AFC status codes → CradleError codes (protocol.md §4.3, §5). The rule: a Status reply about one
 * file is that file's problem, never the run's; only the transport and framing end a run.
 *  - iCloud "Optimize iPhone Storage" is the likely reason when a listed file cannot be read with
 *    READ_ERROR, IO_ERROR or OBJECT_NOT_FOUND: 'file-not-on-device' (skip it, retry next time).
 *  - Any other status on one file ('file-unreadable'): skip it, count it as "couldn't read", retry
 *    on a later connection. A real afcd has answered FileRefOpen with UNKNOWN_ERROR ("additional
 *    hard links", ifuse #54). PERM_DENIED is one of these too: whether the phone is locked is asked
 *    of lockdown (PasswordProtected), not guessed from AFC.
 *  - OP_HEADER_INVALID and UNKNOWN_PACKET_TYPE say the phone could not parse our packet: framing,
 *    'device-protocol', which ends the run like any malformed reply.
 * The status name and number stay in the error's context and message (the log, the catalog's detail).
 */
import { CradleError, type ErrorCode } from '../../../shared/errors.js'
import { afcStatusName, AfcStatus } from './status.js'

/**
 * What the failed request was about: one file's contents or metadata ('file': open, read, seek,
 * tell, and the stat of a file about to be read or just listed), or a folder or the service
 * ('lookup': listings, device info, closing a handle).
 */
export type AfcAction = 'file' | 'lookup'

/** Statuses that mean "your packet made no sense": the connection's framing, not a file. */
const FRAMING = new Set<number>([AfcStatus.OP_HEADER_INVALID, AfcStatus.UNKNOWN_PACKET_TYPE])
/** Statuses iOS gives for a listed original that lives only in iCloud (protocol.md §5). */
const LIKELY_ICLOUD = new Set<number>([AfcStatus.OBJECT_NOT_FOUND, AfcStatus.READ_ERROR, AfcStatus.IO_ERROR])

export function afcErrorCode(status: number, action: AfcAction): ErrorCode {
  if (FRAMING.has(status)) return 'device-protocol'
  if (action === 'file') return LIKELY_ICLOUD.has(status) ? 'file-not-on-device' : 'file-unreadable'
  // pymobiledevice3 maps READ_ERROR from GetFileInfo to "not found", as real phones answer that.
  if (status === AfcStatus.OBJECT_NOT_FOUND || status === AfcStatus.READ_ERROR) return 'not-found'
  return 'file-unreadable'
}

export function afcError(status: number, op: string, action: AfcAction, path?: string): CradleError {
  const name = afcStatusName(status)
  return new CradleError(afcErrorCode(status, action), `AFC ${op}${path ? ` ${path}` : ''}: ${name} (status ${status})`, {
    context: { afcStatus: name, afcStatusCode: status, ...(path ? { path } : {}) },
  })
}
