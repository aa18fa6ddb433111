/**
 * A Transport for the renderer's unit tests: commands answer from a table (or throw a CommandError),
 * every call is recorded, and the test pushes snapshots. The real transports are tested against the
 * real server in test/integration/http.
 */
import type { CommandName, Input, Result, Transport } from '../../../src/shared/contract.js'
import type { ErrorCode } from '../../../src/shared/errors.js'
import { toWireError } from '../../../src/shared/error-text.js'
import type { AppState } from '../../../src/shared/state.js'
import { CommandError } from '../../../src/renderer/transport/command-error.js'

type Answer<K extends CommandName> = (input: Input<K>) => Result<K> | Promise<Result<K>>

export class TestTransport implements Transport {
  readonly calls: { name: CommandName; input: unknown }[] = []
  private readonly answers: Partial<{ [K in CommandName]: Answer<K> }> = {}
  private readonly stateListeners = new Set<(s: AppState) => void>()
  private readonly connectionListeners = new Set<(c: boolean) => void>()

  answer<K extends CommandName>(name: K, fn: Answer<K>): this {
    ;(this.answers as Record<string, unknown>)[name] = fn
    return this
  }

  refuse(name: CommandName, code: ErrorCode, context = {}): this {
    ;(this.answers as Record<string, unknown>)[name] = () => {
      throw new CommandError(toWireError(code, context))
    }
    return this
  }

  async invoke<K extends CommandName>(name: K, input: Input<K>): Promise<Result<K>> {
    this.calls.push({ name, input })
    const fn = this.answers[name] as Answer<K> | undefined
    if (!fn) return undefined as Result<K>
    return fn(input)
  }

  callsOf(name: CommandName): unknown[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.input)
  }

  onState(cb: (s: AppState) => void): () => void {
    this.stateListeners.add(cb)
    return () => this.stateListeners.delete(cb)
  }

  onConnection(cb: (c: boolean) => void): () => void {
    this.connectionListeners.add(cb)
    return () => this.connectionListeners.delete(cb)
  }

  push(state: AppState): void {
    for (const l of this.stateListeners) l(state)
  }

  setConnected(connected: boolean): void {
    for (const l of this.connectionListeners) l(connected)
  }
}
