/**
 * electron-builder.yml, checked by electron-builder itself: loaded with its own config loader and
 * validated with its own schema (app-builder-lib/scheme.json through its validateConfiguration),
 * then a real `electron-builder --dir` run on a fresh build of the shell and the renderer, and the
 * files inside the resulting app.asar checked.
 *
 * Where Electron's binary was not downloaded (node_modules/electron/dist missing, as on the
 * machine these tests were written on), the run points `electronDist` at a stand-in directory:
 * electron-builder copies it as the app's executable and never runs it. The stand-in carries a
 * fuse wire laid out as in Electron's binary with Electron's default states, so the fuses
 * electron-builder flips are read back from the packaged executable either way. The native
 * rebuild for Electron's ABI is skipped (it needs Electron's headers from the network).
 */
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TRAY_ICON_STATES } from '../../../src/main/electron/tray/tray-model.js'

const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '../../..')
const require = createRequire(import.meta.url)

interface BuilderConfig {
  appId?: string
  productName?: string
  directories?: { output?: string; buildResources?: string }
  files?: string[]
  asarUnpack?: string[]
  npmRebuild?: boolean
  mac?: { target?: unknown; icon?: string }
  win?: { target?: unknown; icon?: string }
  linux?: { target?: unknown; icon?: string }
  deb?: { depends?: string[] }
  [key: string]: unknown
}
type ConfigModule = {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: unknown): Promise<BuilderConfig>
  validateConfiguration(config: unknown, debugLogger: { isEnabled: boolean; add(): void }): Promise<void>
}
const builderConfig = require('app-builder-lib/out/util/config/config.js') as ConfigModule
const asar = require('@electron/asar') as { listPackage(archive: string, options?: unknown): string[]; extractFile(archive: string, file: string): Buffer }
// The minimatch electron-builder itself matches `asarUnpack` with.
const { minimatch } = createRequire(require.resolve('app-builder-lib/out/fileMatcher.js'))('minimatch') as { minimatch(path: string, pattern: string, options?: unknown): boolean }
const noDebug = { isEnabled: false, add: () => undefined }
// The @electron/fuses electron-builder itself flips fuses with.
const fuses = createRequire(require.resolve('app-builder-lib/out/platformPackager.js'))('@electron/fuses') as {
  getCurrentFuseWire(binary: string): Promise<Record<number, number> & { version: string }>
  FuseV1Options: Record<string, number>
}
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX' // @electron/fuses' constants.SENTINEL, as in Electron's binary
const ENABLED = 0x31
const DISABLED = 0x30

/**
 * What the packaged binary must say: no ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect, the app
 * only from the asar, its integrity checked, cookies encrypted, no extra file:// rights.
 */
const WANTED_FUSES: Record<string, number> = {
  RunAsNode: DISABLED,
  EnableNodeOptionsEnvironmentVariable: DISABLED,
  EnableNodeCliInspectArguments: DISABLED,
  OnlyLoadAppFromAsar: ENABLED,
  EnableEmbeddedAsarIntegrityValidation: ENABLED,
  EnableCookieEncryption: ENABLED,
  GrantFileProtocolExtraPrivileges: DISABLED,
}

/**
 * A stand-in executable: a shell script that exits, followed by the fuse sentinel, wire version 1,
 * the wire's length and Electron's default states (RunAsNode on, cookie encryption off,
 * NODE_OPTIONS on, --inspect on, asar integrity off, only-from-asar off, browser V8 snapshot off,
 * file:// privileges on), so a packaging that flips nothing is caught.
 */
function standInElectron(): Buffer {
  const defaults = '10110001'
  return Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), Buffer.from(SENTINEL), Buffer.from([1, defaults.length]), Buffer.from(defaults), Buffer.from('\n')])
}

describe('electron-builder.yml', () => {
  let config: BuilderConfig
  beforeAll(async () => {
    config = await builderConfig.getConfig(ROOT, null, null)
  })

  it('passes electron-builder\'s own schema', async () => {
    await expect(builderConfig.validateConfiguration(config, noDebug)).resolves.toBeUndefined()
  })

  it('the check fails on a misspelt option (it is really checking)', async () => {
    await expect(builderConfig.validateConfiguration({ ...config, linux: { ...config.linux, tarrget: 'deb' } }, noDebug)).rejects.toThrow(/configuration\.linux/)
    await expect(builderConfig.validateConfiguration({ ...config, asarUnpak: [] }, noDebug)).rejects.toThrow(/asarUnpak/)
  })

  it('names the app, keeps its output out of dist/, and rebuilds native modules for Electron', () => {
    expect(config.appId).toBe('app.cradle.desktop')
    expect(config.productName).toBe('Cradle')
    expect(config.directories?.output).not.toMatch(/^dist\b/)
    expect(config.npmRebuild).toBe(true)
  })

  it('targets deb (depending on usbmuxd) and AppImage, dmg, nsis', () => {
    expect(config.linux?.target).toEqual(['deb', 'AppImage'])
    expect(config.deb?.depends).toContain('usbmuxd')
    expect(config.deb?.depends).toContain('libgtk-3-0') // electron-builder's defaults are kept, not replaced
    expect(config.mac?.target).toBe('dmg')
    expect(config.win?.target).toBe('nsis')
  })

  it('unpacks better-sqlite3\'s .node from the asar', () => {
    const node = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'
    expect(config.asarUnpack?.some((p) => minimatch(node, p, { dot: true }))).toBe(true)
  })

  it('flips the fuses that close other ways to run code as Cradle', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    })
  })

  it('points at icons that exist', () => {
    for (const icon of [config.mac?.icon, config.win?.icon, config.linux?.icon]) {
      expect(icon).toBeDefined()
      expect(existsSync(path.join(ROOT, icon!)), icon).toBe(true)
    }
  })
})

describe('the packaged app', () => {
  let work: string
  let asarPath: string
  let executable: string
  let files: Set<string>

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'cradle-package-'))
    const project = path.join(work, 'project')
    mkdirSync(project)
    // A copy of what electron-builder reads, so nothing is written into the repository.
    for (const f of ['package.json', 'package-lock.json', 'electron-builder.yml']) cpSync(path.join(ROOT, f), path.join(project, f))
    cpSync(path.join(ROOT, 'assets'), path.join(project, 'assets'), { recursive: true })
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir')
    // Fresh builds: the shell (tsc + esbuild) and the renderer (vite), into the copy's dist/.
    await run(process.execPath, [path.join(ROOT, 'scripts/build-electron.mjs'), '--out', path.join(project, 'dist')], { cwd: ROOT })
    await run(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', path.join(project, 'dist/renderer'), '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT })
    // Electron's own distribution where it was downloaded, else a stand-in (see the top of this file).
    const realDist = path.join(ROOT, 'node_modules/electron/dist')
    let electronDist = realDist
    if (!existsSync(path.join(realDist, 'electron'))) {
      electronDist = path.join(work, 'electron-dist')
      mkdirSync(path.join(electronDist, 'resources'), { recursive: true })
      writeFileSync(path.join(electronDist, 'electron'), standInElectron(), { mode: 0o755 })
    }
    const out = path.join(work, 'out')
    await run(process.execPath, [
      path.join(ROOT, 'node_modules/electron-builder/cli.js'), '--linux', 'dir', '--x64', '--projectDir', project,
      `-c.electronDist=${electronDist}`, '-c.npmRebuild=false', `-c.directories.output=${out}`,
    ], { cwd: project, env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' }, maxBuffer: 64 * 1024 * 1024 })
    asarPath = path.join(out, 'linux-unpacked', 'resources', 'app.asar')
    executable = path.join(out, 'linux-unpacked', 'cradle')
    files = new Set(asar.listPackage(asarPath, { isPack: false }).map((f) => f.replace(/\\/g, '/')))
  }, 600_000)

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('contains the built main, preload and renderer entry files', () => {
    for (const f of ['/package.json', '/dist/main/electron/main.js', '/dist/preload/index.cjs', '/dist/renderer/index.html']) expect(files.has(f), f).toBe(true)
  })

  it('starts at the main entry package.json names', () => {
    const pkg = JSON.parse(asar.extractFile(asarPath, 'package.json').toString('utf8')) as { main: string; type: string }
    expect(files.has(`/${pkg.main}`)).toBe(true)
    expect(pkg.type).toBe('module')
  })

  it('holds every module main.js imports, transitively', () => {
    const seen = new Set<string>()
    const visit = (file: string): void => {
      if (seen.has(file)) return
      seen.add(file)
      expect(files.has(file), `${file} (imported)`).toBe(true)
      const code = asar.extractFile(asarPath, file.slice(1)).toString('utf8')
      for (const m of code.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) visit(path.posix.join(path.posix.dirname(file), m[1]!))
    }
    visit('/dist/main/electron/main.js')
    expect(seen.size).toBeGreaterThan(20)
  })

  it('holds the renderer\'s assets and the icons the tray and window load', () => {
    const html = asar.extractFile(asarPath, 'dist/renderer/index.html').toString('utf8')
    for (const m of html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)) expect(files.has(`/dist/renderer/${m[1]}`), m[1]).toBe(true)
    for (const state of TRAY_ICON_STATES) {
      expect(files.has(`/assets/tray/linux/tray-${state}-white.png`)).toBe(true)
      expect(files.has(`/assets/tray/tray-${state}Template@2x.png`)).toBe(true)
    }
    expect(files.has('/assets/app/icon-512.png')).toBe(true)
  })

  it('leaves out sources, tests, configs, source maps and packager-only icons', () => {
    const stray = [...files].filter((f) => !f.startsWith('/node_modules/') && (
      /^\/(src|test|bench|scripts|release)\//.test(f) || /\.(ts|map)$/.test(f) || /tsconfig|electron-builder|vite\.config/.test(f) || f.startsWith('/assets/build') || f.startsWith('/assets/src')
    ))
    expect(stray).toEqual([])
    expect([...files].some((f) => f.startsWith('/node_modules/vitest/') || f.startsWith('/node_modules/electron/'))).toBe(false) // dev dependencies stay out
  })

  it('has its fuses flipped in the packaged executable', async () => {
    const wire = await fuses.getCurrentFuseWire(executable)
    expect(wire.version).toBe('1')
    const got = Object.fromEntries(Object.keys(WANTED_FUSES).map((name) => [name, wire[fuses.FuseV1Options[name]!]]))
    expect(got).toEqual(WANTED_FUSES)
  })

  it('keeps better-sqlite3\'s native addon outside the archive', () => {
    const unpacked = path.join(path.dirname(asarPath), 'app.asar.unpacked', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')
    expect(readFileSync(unpacked).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46])) // ELF
    expect([...files].some((f) => f.includes('better-sqlite3/deps/'))).toBe(false)
  })
})
