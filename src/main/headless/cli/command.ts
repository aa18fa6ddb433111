/**
 * The shape of one `cradle <name>` subcommand. Each lives in its own file under commands/
 * and is listed in commands/index.ts; main.ts only parses the global options and dispatches.
 */
import type { Readable, Writable } from 'node:stream'
import type { DataFolderLock } from '../../data-folder/data-folder-lock.js'

export interface CliIo {
  stdout: Writable & { isTTY?: boolean; columns?: number }
  stderr: Writable
  stdin: Readable
  env: NodeJS.ProcessEnv
}

export interface CliContext extends CliIo {
  /** --data: catalog, settings, secrets (default: the OS app-data folder). */
  dataDir: string
  /** True when --data was given explicitly. */
  dataDirExplicit: boolean
  /** --library: the photo library (default: ~/Pictures/Cradle); settings may override it. */
  libraryDir: string
  /** True when --library was given explicitly. */
  libraryDirExplicit: boolean
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal: AbortSignal
  /** Held for the whole run by commands with `dataFolder: 'exclusive'` (taken before run()). */
  dataFolderLock?: DataFolderLock
}

/**
 * What `cradle --help` and the dispatcher know of a command before loading it: its module (and
 * whatever that imports: SQLite, the AWS SDK, the web server, the simulator) is imported only when
 * that command runs, so `cradle --help` or `cradle status` do not pay for all of them.
 */
export interface CliCommandEntry {
  name: string
  /** One line for `cradle --help`. */
  summary: string
  load(): Promise<CliCommand>
}

export interface CliCommand {
  name: string
  /** The full usage text for `cradle <name> --help`. */
  usage: string
  /**
   * 'exclusive': the command opens --data and may write to it, so main takes the data-folder
   * lock before run() and a second Cradle on the same folder is refused (exit 1). Commands that
   * use no data folder, or arrange their own (status reads beside a running Cradle; demo uses a
   * folder of its own), leave it out. 'exclusive-if-exists': the same, but a folder that is not
   * there is not created for it (verify only reads what exists).
   */
  dataFolder?: 'exclusive' | 'exclusive-if-exists'
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
