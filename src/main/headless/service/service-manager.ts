/**
 * Installs, removes and reports Cradle's systemd service. systemctl is reached through a small
 * port so a test can put a recording stand-in on the PATH-free seam (systemd itself cannot run
 * inside this project's test machine); the unit text is the real one.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { renderUnit, UNIT_NAME, type UnitFacts } from './systemd-unit.js'

/** A service step that failed, in words for the person at the terminal (the CLI prints the message). */
export class ServiceError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ServiceError'
  }
}

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

export interface Systemctl {
  run(args: readonly string[]): Promise<CommandResult>
}

/** Runs `systemctl` (or the program in CRADLE_SYSTEMCTL, for tests). */
export function processSystemctl(program = 'systemctl'): Systemctl {
  return {
    run: (args) =>
      new Promise((resolve) => {
        const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
        child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: 127, stdout, stderr: e.code === 'ENOENT' ? `${program} not found` : e.message }))
        child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }))
      }),
  }
}

/** Where the unit file goes: the user's systemd folder, or /etc/systemd/system (CRADLE_SYSTEMD_UNIT_DIR overrides, for tests). */
export function unitDir(user: boolean, env: NodeJS.ProcessEnv): string {
  if (env.CRADLE_SYSTEMD_UNIT_DIR) return env.CRADLE_SYSTEMD_UNIT_DIR
  if (!user) return '/etc/systemd/system'
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'systemd', 'user')
}

const scope = (user: boolean): string[] => (user ? ['--user'] : [])

async function must(systemctl: Systemctl, args: readonly string[]): Promise<void> {
  const r = await systemctl.run(args)
  if (r.code !== 0) {
    throw new ServiceError(`systemctl ${args.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim() || 'no message'}`)
  }
}

export interface InstallResult {
  unitPath: string
  replaced: boolean
}

/** Writes the unit (0644, atomically), reloads systemd and enables + starts the service. */
export async function installService(facts: UnitFacts, env: NodeJS.ProcessEnv, systemctl: Systemctl): Promise<InstallResult> {
  const dir = unitDir(facts.user, env)
  const unitPath = path.join(dir, UNIT_NAME)
  const text = renderUnit(facts)
  fs.mkdirSync(dir, { recursive: true })
  const replaced = fs.existsSync(unitPath)
  const temp = path.join(dir, `.${UNIT_NAME}.${process.pid}.tmp`)
  try {
    fs.writeFileSync(temp, text, { mode: 0o644, flag: 'wx' })
    fs.renameSync(temp, unitPath)
  } catch (error) {
    fs.rmSync(temp, { force: true })
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EPERM') {
      throw new ServiceError(`cannot write ${unitPath} (${code}): run it with sudo, or install a user service with --user`)
    }
    throw error
  }
  await must(systemctl, [...scope(facts.user), 'daemon-reload'])
  await must(systemctl, [...scope(facts.user), 'enable', '--now', UNIT_NAME])
  if (replaced) await must(systemctl, [...scope(facts.user), 'restart', UNIT_NAME])
  return { unitPath, replaced }
}

/** Stops and disables the service and removes its unit; false when none was installed. */
export async function uninstallService(user: boolean, env: NodeJS.ProcessEnv, systemctl: Systemctl): Promise<boolean> {
  const unitPath = path.join(unitDir(user, env), UNIT_NAME)
  if (!fs.existsSync(unitPath)) return false
  await must(systemctl, [...scope(user), 'disable', '--now', UNIT_NAME])
  fs.rmSync(unitPath)
  await must(systemctl, [...scope(user), 'daemon-reload'])
  return true
}

export interface ServiceStatus {
  installed: boolean
  unitPath: string
  /** systemctl is-enabled / is-active answers ("enabled", "active", "failed", …), null when not asked. */
  enabled: string | null
  active: string | null
}

export async function serviceStatus(user: boolean, env: NodeJS.ProcessEnv, systemctl: Systemctl): Promise<ServiceStatus> {
  const unitPath = path.join(unitDir(user, env), UNIT_NAME)
  if (!fs.existsSync(unitPath)) return { installed: false, unitPath, enabled: null, active: null }
  const answer = async (verb: string): Promise<string> => {
    const r = await systemctl.run([...scope(user), verb, UNIT_NAME])
    return r.stdout.trim().split('\n')[0] || r.stderr.trim() || `exit ${r.code}`
  }
  return { installed: true, unitPath, enabled: await answer('is-enabled'), active: await answer('is-active') }
}
