/**
 * One `ipcMain.handle` per command of the contract. Each call is checked (sender, then input with
 * the shared validator) before it reaches the engine, and every outcome crosses as Wire data:
 * only the message of a thrown error would survive `invoke`. Takes an ipcMain-like registry, so
 * the routing is tested under plain Node.
 */
import {
  COMMAND_NAMES, IPC, type CommandHandler, type CommandName, type Input, type Result, type Wire,
} from '../../../shared/contract.js'
import { toWireError, type Platform } from '../../../shared/error-text.js'
import { toCradleError } from '../../../shared/errors.js'
import { validateCommandInput } from '../../../shared/validate.js'
import { createLogger } from '../../logging/logger.js'
import type { SenderInfo } from './trusted-sender.js'

const log = createLogger('electron/ipc')

/** The part of ipcMain the router uses. */
export interface IpcRegistry {
  handle(channel: string, listener: (event: SenderInfo, ...args: unknown[]) => unknown): void
  removeHandler(channel: string): void
}

/** Validates and runs one command; never throws. */
export async function routeCommand<K extends CommandName>(handler: CommandHandler, name: K, args: readonly unknown[], platform: Platform): Promise<Wire<Result<K>>> {
  if (args.length > 1) return { ok: false, error: toWireError('invalid-input', { key: '(input)' }, platform) }
  const checked = validateCommandInput(name, args[0])
  if (!checked.ok) {
    return { ok: false, error: { ...toWireError('invalid-input', { key: checked.key }, platform), action: `${checked.key} ${checked.message}.` } }
  }
  try {
    const value = await handler.handle(name, checked.value as Input<K>)
    return { ok: true, value }
  } catch (thrown) {
    const error = toCradleError(thrown)
    log[error.code === 'internal' ? 'error' : 'warn']('command failed', { command: name, code: error.code, error })
    return { ok: false, error: toWireError(error.code, error.context, platform) }
  }
}

export interface RouterOptions {
  registry: IpcRegistry
  handler: CommandHandler
  /** Sender check (trusted-sender.ts bound to the current window). */
  isTrusted(event: SenderInfo): boolean
  platform: Platform
  /** Sees every successful result (the shell remembers signIn URLs it may open). */
  onResult?(name: CommandName, value: unknown): void
}

/** Registers a handler per command name; returns a function that removes them all. */
export function registerCommandHandlers(options: RouterOptions): () => void {
  const { registry, handler, isTrusted, platform, onResult } = options
  for (const name of COMMAND_NAMES) {
    registry.handle(IPC.command(name), async (event, ...args) => {
      if (!isTrusted(event)) {
        log.warn('ipc from an untrusted sender dropped', { command: name, url: event.senderFrame?.url })
        // A rejection, not Wire data: nothing about the engine is told to a stranger.
        throw new Error('not allowed')
      }
      const result = await routeCommand(handler, name, args, platform)
      if (result.ok) onResult?.(name, result.value)
      return result
    })
  }
  return () => {
    for (const name of COMMAND_NAMES) registry.removeHandler(IPC.command(name))
  }
}
