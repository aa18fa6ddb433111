/**
 * Opt-in smoke test: the CLI inside a real Electron binary (ELECTRON_RUN_AS_NODE=1), so the device
 * layer runs on Electron's Node build and its BoringSSL — the TLS library of the tray app's main
 * process — against the virtual iPhone: pair, then back up a few files into a temp library.
 * Runs where an Electron binary is present (CRADLE_ELECTRON_BINARY, or node_modules/electron after
 * its download); without one the suite fails with the reason, unless CRADLE_SKIP_ELECTRON_SMOKE=1
 * says to skip it (then it prints NOT RUN).
 * Run: npm run build && npm run test:device
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator, type Simulator } from '../../src/sim/index.js'
import { assertPrerequisite } from './prerequisite.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const CLI = path.join(ROOT, 'bin/cradle.js')

function findElectron(): { binary?: string; reason: string } {
  const fromEnv = process.env.CRADLE_ELECTRON_BINARY
  if (fromEnv) return existsSync(fromEnv) ? { binary: fromEnv, reason: fromEnv } : { reason: `CRADLE_ELECTRON_BINARY=${fromEnv} does not exist` }
  const pkg = path.join(ROOT, 'node_modules/electron')
  const pathTxt = path.join(pkg, 'path.txt')
  if (!existsSync(pathTxt)) return { reason: 'no Electron binary: node_modules/electron has no path.txt/dist (its download did not run); set CRADLE_ELECTRON_BINARY' }
  const binary = path.join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim())
  return existsSync(binary) ? { binary, reason: binary } : { reason: `node_modules/electron/path.txt names ${binary}, which is missing` }
}

interface Run { code: number | null; stdout: string; stderr: string }

function electron(binary: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(binary, args, { cwd: ROOT, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', CRADLE_LOG: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

const found = findElectron()
const built = existsSync(path.join(ROOT, 'dist/main/headless/cli/bin.js'))
const reason = !found.binary ? found.reason : !built ? 'dist/ is not built (run npm run build first)' : ''

describe(`Electron smoke (${found.reason})`, () => {
  // First: without its prerequisite every test here fails with the reason (never a silent pass).
  beforeAll(() => assertPrerequisite('electron smoke', reason, 'CRADLE_SKIP_ELECTRON_SMOKE'))
  const binary = found.binary!
  let sim: Simulator
  let tmp: string
  let sqliteProblem = ''

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cradle-electron-'))
    sim = await startSimulator({ devices: [{ photos: { count: 5, seed: 17 }, battery: { level: 90, charging: true, externalPower: true } }] })
    // The catalog's native module must be built for Electron's ABI (electron-builder does that for
    // packages); a checkout built for Node cannot run the backup step inside Electron.
    const probe = await electron(binary, ['-e', "new (require('better-sqlite3'))(':memory:').close()"])
    if (probe.code !== 0) sqliteProblem = `better-sqlite3 is not built for this Electron (${probe.stderr.split('\n').find((l) => /NODE_MODULE_VERSION|Error/.test(l)) ?? 'load failed'}); run npx electron-builder install-app-deps`
  }, 120_000)

  afterAll(async () => {
    await sim?.close()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  })

  const cli = (args: string[]): Promise<Run> => electron(binary, [CLI, ...args, '--data', path.join(tmp, 'data'), '--library', path.join(tmp, 'Library')], { USBMUXD_SOCKET_ADDRESS: sim.address })

  it('runs Electron\'s Node with its own TLS library', async () => {
    const r = await electron(binary, ['-p', 'JSON.stringify({ electron: process.versions.electron, openssl: process.versions.openssl ?? null })'])
    expect(r.code).toBe(0)
    const versions = JSON.parse(r.stdout) as { electron?: string; openssl: string | null }
    expect(versions.electron).toMatch(/^\d+\./)
    console.warn(`[electron smoke] Electron ${versions.electron}, process.versions.openssl ${versions.openssl ?? '(absent: BoringSSL)'}`)
  })

  it('pairs with the virtual iPhone', async () => {
    const r = await cli(['pair'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Paired with iPhone')
    expect(sim.pairRecords.has(sim.devices[0]!.udid)).toBe(true)
  }, 120_000)

  it('backs up a few files into a temp library', async () => {
    if (sqliteProblem) throw new Error(`the backup step cannot run: ${sqliteProblem}. Rebuild better-sqlite3 for Electron, or set CRADLE_SKIP_ELECTRON_SMOKE=1.`)
    const r = await cli(['backup', '--once', '--no-upload'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Done: [1-9]\d* new/)
    const files: string[] = []
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        if (name.startsWith('.')) continue
        const full = path.join(dir, name)
        if (statSync(full).isDirectory()) walk(full)
        else files.push(full)
      }
    }
    walk(path.join(tmp, 'Library'))
    expect(files.length).toBeGreaterThan(0)
  }, 180_000)
})
