/**
 * AFC status codes → CradleError codes (protocol.md §4.3, §5). A file the phone lists but
 * cannot read (iCloud "Optimize iPhone Storage": open/read fails with READ_ERROR or IO_ERROR,
 * or OBJECT_NOT_FOUND on a just-listed file) is 'file-not-on-device': skip it, retry next time.
 */
import { CradleError, type ErrorCode } from '../../../shared/errors.js'
import { afcStatusName, AfcStatus } from './status.js'

/** What the failed request was doing: reading file contents, or looking at names and metadata. */
export type AfcAction = 'read' | 'lookup'

export function afcErrorCode(status: number, action: AfcAction): ErrorCode {
  switch (status) {
    case AfcStatus.OBJECT_NOT_FOUND:
    case AfcStatus.READ_ERROR: // pymobiledevice3 maps READ_ERROR from GetFileInfo to "not found"
    case AfcStatus.IO_ERROR:
      return action === 'read' ? 'file-not-on-device' : status === AfcStatus.IO_ERROR ? 'device-protocol' : 'not-found'
    case AfcStatus.PERM_DENIED:
      // Data protection before the first unlock (protocol.md §6, uncertain): wait for unlock.
      return 'device-locked'
    default:
      return 'device-protocol'
  }
}

export function afcError(status: number, op: string, action: AfcAction, path?: string): CradleError {
  const name = afcStatusName(status)
  return new CradleError(afcErrorCode(status, action), `AFC ${op}${path ? ` ${path}` : ''}: ${name}`, {
    context: { afcStatus: name, ...(path ? { path } : {}) },
  })
}
