import { CradleError } from '../../shared/errors.js'

/** A reply that breaks the protocol (bad length, bad magic, unparsable plist, wrong packet number). */
export function protocolError(detail: string, cause?: unknown): CradleError {
  return new CradleError('device-protocol', detail, cause === undefined ? {} : { cause })
}
