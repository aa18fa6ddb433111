/**
 * Runs the Debian libimobiledevice-utils tools against the simulator: asynchronously (the
 * simulator runs in this process's event loop) and always under an outer timeout (inside TLS
 * libimobiledevice 1.3.0 blocks for ever if the other side goes quiet).
 */
import { spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import path from 'node:path'

export const TOOLS = ['idevice_id', 'ideviceinfo', 'idevicepair', 'idevicecrashreport', 'idevicediagnostics'] as const

/** Throws (never skips) when a tool is missing: CI installs them with scripts/install-system-deps.sh. */
export function requireTools(): void {
  const dirs = (process.env.PATH ?? '').split(path.delimiter)
  const missing = TOOLS.filter((t) => !dirs.some((d) => canRun(path.join(d, t))))
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: install libimobiledevice-utils (scripts/install-system-deps.sh)`)
}

function canRun(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export interface ToolResult {
  code: number | null
  stdout: string
  stderr: string
  timedOut: boolean
}

export function runTool(cmd: string, args: string[], muxAddress: string, timeoutMs = 30_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, USBMUXD_SOCKET_ADDRESS: muxAddress }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, timedOut })
    })
  })
}
