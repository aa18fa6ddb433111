/**
 * Low-level socket failures → CradleError codes. A tunnel to the phone that ends (EOF) or is
 * reset means the phone went away: usbmuxd closes every tunnel of a device that is unplugged
 * (protocol.md §1.6, §6).
 */
import { CradleError } from '../../../shared/errors.js'

const DISCONNECT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED', 'ERR_SOCKET_CLOSED', 'ENOTCONN'])

export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** True for the errors a socket reports when the far end vanished. */
export function isDisconnect(error: unknown): boolean {
  const code = errnoCode(error)
  return code !== undefined && DISCONNECT_CODES.has(code)
}

/** The phone's tunnel ended while a request was outstanding. */
export function unpluggedError(what: string, cause?: unknown): CradleError {
  return new CradleError('device-unplugged', `${what}: the connection to the device ended`, cause === undefined ? {} : { cause })
}

/** Maps an error from a device tunnel: CradleErrors pass, disconnects become device-unplugged. */
export function tunnelError(what: string, error: unknown): CradleError {
  if (error instanceof CradleError) return error
  if (error === undefined || isDisconnect(error)) return unpluggedError(what, error)
  return new CradleError('device-protocol', `${what}: ${(error as Error)?.message ?? String(error)}`, { cause: error })
}
