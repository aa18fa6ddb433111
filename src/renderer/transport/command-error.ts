/** A command the engine refused or could not run, with the words to show (from describeError). */
import { toWireError } from '../../shared/error-text.js'
import type { WireError } from '../../shared/errors.js'

export class CommandError extends Error {
  readonly wire: WireError

  constructor(wire: WireError) {
    super(wire.action ? `${wire.message}. ${wire.action}` : wire.message)
    this.name = 'CommandError'
    this.wire = wire
  }

  get code(): WireError['code'] {
    return this.wire.code
  }
}

/** The WireError inside anything a transport threw (a network failure becomes "internal"). */
export function wireErrorOf(error: unknown): WireError {
  if (error instanceof CommandError) return error.wire
  return toWireError('internal')
}

/** Unwraps a Wire reply, throwing its error as a CommandError; a reply that is no Wire is "internal". */
export function unwrapWire<T>(wire: unknown): T {
  if (typeof wire === 'object' && wire !== null && 'ok' in wire) {
    const w = wire as { ok: boolean; value?: T; error?: WireError }
    if (w.ok === true) return w.value as T
    if (w.ok === false && w.error && typeof w.error.code === 'string') throw new CommandError(w.error)
  }
  throw new CommandError(toWireError('internal'))
}
