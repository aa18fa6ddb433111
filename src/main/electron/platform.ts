/**
 * Small facts about the process the shell runs in, as pure functions of their inputs so they are
 * tested under plain Node: which OS family, and the command-line switches the shell understands.
 */
import type { Platform } from '../../shared/error-text.js'

/** Maps Node's platform name to the few the words and login-item rules distinguish. */
export function toPlatform(platform: NodeJS.Platform | string): Platform {
  return platform === 'linux' || platform === 'darwin' || platform === 'win32' ? platform : 'other'
}

/** The switch the login item passes so the app starts hidden in the tray. */
export const HIDDEN_SWITCH = '--hidden'

export interface ShellArgs {
  /** Started by the login item: stay in the tray, no window. */
  hidden: boolean
  /** Same meaning as the CLI's global options. */
  dataDir?: string
  libraryDir?: string
}

/**
 * Reads the shell's own switches from argv and ignores everything else (Chromium adds its own
 * switches, and in development argv also holds the app folder).
 */
export function parseShellArgs(argv: readonly string[]): ShellArgs {
  const out: ShellArgs = { hidden: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === HIDDEN_SWITCH) out.hidden = true
    for (const [flag, key] of [['--data', 'dataDir'], ['--library', 'libraryDir']] as const) {
      if (arg.startsWith(`${flag}=`) && arg.length > flag.length + 1) out[key] = arg.slice(flag.length + 1)
      else if (arg === flag && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) out[key] = argv[++i]
    }
  }
  return out
}

/**
 * Start hidden when the login item launched us: the `--hidden` switch on Windows and Linux,
 * `wasOpenedAtLogin` on macOS (login items there take no arguments).
 */
export function shouldStartHidden(args: ShellArgs, platform: Platform, wasOpenedAtLogin: boolean): boolean {
  return args.hidden || (platform === 'darwin' && wasOpenedAtLogin)
}
