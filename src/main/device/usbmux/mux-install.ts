/**
 * Why the mux socket could not be opened, in the user's terms: usbmuxd is not installed
 * ('usbmuxd-missing'), or installed but not running ('usbmuxd-not-running'). On Linux the
 * socket only exists while udev/systemd keeps usbmuxd running (usually: while an iPhone is
 * plugged in), so a missing socket with the daemon installed is "not running".
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { CradleError } from '../../../shared/errors.js'
import { formatMuxAddress, type MuxAddress } from './address.js'

const LINUX_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin']

/** Best guess whether the usbmuxd service is installed on this computer. */
export function isMuxInstalled(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, exists: (p: string) => boolean = existsSync): boolean {
  if (platform === 'darwin') return true // part of macOS
  if (platform === 'win32') {
    // Apple Mobile Device Support (iTunes / Apple Devices); the Store app keeps it elsewhere, so
    // an absent folder is only a hint.
    const roots = [env.CommonProgramFiles, env['CommonProgramFiles(x86)'], env.ProgramFiles && path.win32.join(env.ProgramFiles, 'Common Files')]
    return roots.some((root) => typeof root === 'string' && exists(path.win32.join(root, 'Apple', 'Mobile Device Support')))
  }
  const dirs = [...(env.PATH ?? '').split(':').filter(Boolean), ...LINUX_DIRS]
  return dirs.some((dir) => exists(path.posix.join(dir, 'usbmuxd')))
}

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTDIR', 'EACCES', 'EPERM', 'EADDRNOTAVAIL', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'])

/** Maps a failure to open the mux socket; anything unexpected stays 'usbmuxd-not-running' with its cause. */
export function muxOpenError(
  error: unknown,
  address: MuxAddress,
  opts: { fromEnv: boolean; platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv; exists?: (p: string) => boolean },
): CradleError {
  if (error instanceof CradleError) return error
  const code = (error as { code?: string } | null)?.code ?? ''
  const where = formatMuxAddress(address)
  const context = { address: where }
  if (UNREACHABLE.has(code) && !opts.fromEnv && !isMuxInstalled(opts.platform ?? process.platform, opts.env ?? process.env, opts.exists)) {
    return new CradleError('usbmuxd-missing', `usbmuxd is not installed (${code} on ${where})`, { cause: error, context })
  }
  return new CradleError('usbmuxd-not-running', `cannot reach usbmuxd at ${where}${code ? ` (${code})` : ''}`, { cause: error, context })
}
