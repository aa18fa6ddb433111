/**
 * The shape of one `cradle <name>` subcommand. Each lives in its own file under commands/
 * and is listed in commands/index.ts; main.ts only parses the global options and dispatches.
 */
import type { Readable, Writable } from 'node:stream'

export interface CliIo {
  stdout: Writable & { isTTY?: boolean; columns?: number }
  stderr: Writable
  stdin: Readable
  env: NodeJS.ProcessEnv
}

export interface CliContext extends CliIo {
  /** --data: catalog, settings, secrets (default: the OS app-data folder). */
  dataDir: string
  /** --library: the photo library (default: ~/Pictures/Cradle); settings may override it. */
  libraryDir: string
  /** True when --library was given explicitly. */
  libraryDirExplicit: boolean
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal: AbortSignal
}

export interface CliCommand {
  name: string
  /** One line for `cradle --help`. */
  summary: string
  /** The full usage text for `cradle <name> --help`. */
  usage: string
  /** Returns the exit status: 0 done, 1 failed, 2 usage error. */
  run(args: string[], ctx: CliContext): Promise<number>
}

/** Thrown for bad arguments: printed with the command's usage, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}
