/**
 * `cradle` as a child process for the engine's crash tests, plus pairing with the virtual iPhone
 * (`backup --once` never starts the Trust flow, as nobody may be at the phone).
 *
 * bundleCli(): the same source as test/helpers/cli.ts runs with tsx, compiled once into one ESM
 * file with esbuild. tsx transpiles the whole import graph at every start (~3–4 s here); a test
 * that starts the CLI 21 times would spend a minute on that alone. better-sqlite3 stays outside
 * the bundle (a native addon), imported from node_modules by absolute path.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { build } from 'esbuild'
import { connectDevice, MuxClient } from '../../src/main/device/index.js'
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/index.js'
import { REPO_ROOT } from './cli.js'
import { tempDirs, type TempDirs } from './engine.js'
import { expectedFromDcim, type ExpectedFile } from './engine-roll.js'

/** Builds src/main/headless/cli/bin.ts into `outDir/cradle.mjs` and returns its path. */
export async function bundleCli(outDir: string): Promise<string> {
  const outfile = path.join(outDir, 'cradle.mjs')
  await build({
    entryPoints: [path.join(REPO_ROOT, 'src/main/headless/cli/bin.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
    // CommonJS dependencies inside an ESM bundle still call require().
    banner: { js: "import { createRequire as __cradleRequire } from 'node:module'; const require = __cradleRequire(import.meta.url);" },
    plugins: [
      {
        name: 'native-addons',
        setup(b) {
          b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: path.join(REPO_ROOT, 'node_modules/better-sqlite3/lib/index.js'), external: true }))
        },
      },
    ],
  })
  return outfile
}

/** Starts a bundled CLI with the simulator's mux address. */
export function spawnBundled(cli: string, args: string[], muxAddress: string): ChildProcess {
  return spawn(process.execPath, [cli, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, USBMUXD_SOCKET_ADDRESS: muxAddress, CRADLE_LOG: process.env.CRADLE_LOG ?? 'silent' },
  })
}

/** Collects a child's output; `lines` gets each complete stdout line as it arrives. */
export function collect(child: ChildProcess, onLine?: (line: string) => void): { stdout: () => string; stderr: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  let stdout = ''
  let stderr = ''
  let partial = ''
  child.stdout?.on('data', (d: Buffer) => {
    const text = d.toString()
    stdout += text
    partial += text
    let nl: number
    while ((nl = partial.indexOf('\n')) >= 0) {
      onLine?.(partial.slice(0, nl))
      partial = partial.slice(nl + 1)
    }
  })
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
  return { stdout: () => stdout, stderr: () => stderr, exit }
}

/** Pairs with a virtual iPhone (trust 'auto') so the mux keeps a pair record for `backup --once`. */
export async function pairWithSim(muxAddress: string, udid: string): Promise<void> {
  const session = await connectDevice(new MuxClient({ address: muxAddress }), udid)
  await session.close()
}

/** A CLI engine test's phone: its virtual iPhone, paired, with temp folders and the files its roll must give. */
export interface PairedPhone {
  sim: Simulator
  dirs: TempDirs
  udid: string
  expected: ExpectedFile[]
}

/** Starts one virtual iPhone, pairs with it (so `backup --once` may use it) and works out its roll's expected files. */
export async function startPairedPhone(dirPrefix: string, options: SimulatorOptions): Promise<PairedPhone> {
  const dirs = tempDirs(dirPrefix)
  const sim = await startSimulator(options)
  const udid = sim.devices[0]!.udid
  const roll = sim.roll(udid)!
  await pairWithSim(sim.address, udid)
  return { sim, dirs, udid, expected: expectedFromDcim(roll.dir, [{ manifest: roll }]) }
}
