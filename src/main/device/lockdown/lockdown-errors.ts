/**
 * lockdownd `Error` strings → CradleError codes (protocol.md §2.4; libimobiledevice 1.3.0
 * lockdownd_strtoerr, pymobiledevice3 exceptions). The original string stays in
 * `context.lockdownError` for the log.
 */
import { CradleError, type ErrorCode } from '../../../shared/errors.js'

const CODES: Record<string, ErrorCode> = {
  PasswordProtected: 'device-locked',
  EscrowLocked: 'device-locked',
  PairingDialogResponsePending: 'pairing-pending',
  UserDeniedPairing: 'pairing-denied',
  InvalidHostID: 'pairing-invalid',
  InvalidPairRecord: 'pairing-invalid',
  MissingPairRecord: 'pairing-invalid',
  PairingProhibitedOverThisConnection: 'pairing-over-network',
}

/** GetValue problems: the key is simply unavailable (protocol.md §2.4). */
export const VALUE_UNAVAILABLE = new Set(['GetProhibited', 'MissingValue', 'MissingKey', 'ImmutableValue', 'MissingDomain', 'InvalidDomain'])

export function lockdownErrorCode(error: string): ErrorCode {
  return CODES[error] ?? 'device-protocol'
}

export function lockdownError(request: string, error: string): CradleError {
  const code = lockdownErrorCode(error)
  const hint = code === 'pairing-invalid' ? '; delete the pair record and pair again' : ''
  return new CradleError(code, `lockdownd ${request}: ${error}${hint}`, { context: { lockdownError: error } })
}

/** The lockdown error string carried by a CradleError made here, if any. */
export function lockdownErrorName(error: unknown): string | undefined {
  if (!(error instanceof CradleError)) return undefined
  const value = error.context.lockdownError
  return typeof value === 'string' ? value : undefined
}
