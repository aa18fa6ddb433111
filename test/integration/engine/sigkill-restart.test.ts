/**
 * `cradle backup --once` killed with SIGKILL at 20 seeded random moments (during start-up, the scan,
 * transfers, commits), restarted each time. A kill skips every cleanup, so this proves the import
 * pipeline's order (staging → fsync → link → catalog commit) and the start-up repair: after each
 * kill nothing partial sits under a final name and the catalog opens; at the end one undisturbed run
 * completes the library, byte-identical, with no asset twice and a consistent catalog.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { Simulator } from '../../../src/sim/index.js'
import { openLibrary, sleep, type TempDirs } from '../../helpers/engine.js'
import { seededRandom } from '../../helpers/seeded-random.js'
import { bundleCli, collect, spawnBundled, startPairedPhone } from '../../helpers/engine-cli.js'
import { PartialFileWatch, verifyLibrary, type ExpectedFile } from '../../helpers/engine-roll.js'

const KILLS = 20
const SEED = 7_351

let sim: Simulator
let dirs: TempDirs
let cli: string
let expected: ExpectedFile[]
let udid: string

beforeAll(async () => {
  // ~67 MB at 3 MB/s: a full backup takes over 20 s, so 20 kills land before it is complete.
  ;({ sim, dirs, udid, expected } = await startPairedPhone('cradle-kill-', {
    bandwidthMBps: 3,
    devices: [{ photos: { count: 40, seed: 9, photoBytes: 700_000, videoBytes: 6_000_000 }, battery: { level: 60, charging: true, externalPower: true } }],
  }))
  cli = await bundleCli(dirs.dir)
}, 120_000)

afterAll(async () => {
  await sim?.close()
  dirs?.cleanup()
})

const args = (): string[] => ['backup', '--once', '--json', '--no-upload', '--data', dirs.dataDir, '--library', dirs.libraryDir]

describe('cradle backup --once killed and restarted', () => {
  it(`leaves nothing half-written after ${KILLS} SIGKILLs and completes on the next run`, async () => {
    const rnd = seededRandom(SEED)
    const watch = new PartialFileWatch(dirs.libraryDir, expected)
    const moments: string[] = []
    let kills = 0
    for (let i = 0; kills < KILLS; i++) {
      expect(i).toBeLessThan(KILLS * 2) // runs that finish before their kill do not count; not too many of those
      let importing: () => void = () => undefined
      const started = new Promise<void>((resolve) => (importing = resolve))
      const child = spawnBundled(cli, args(), sim.address)
      const out = collect(child, (line) => {
        if (line.includes('"type":"progress"')) importing()
      })
      // A quarter of the kills at any moment from launch (start-up, recovery, scan); the rest once
      // transfers run, up to 1.5 s in (files finish, get committed, and the next ones start).
      const early = rnd() < 0.25
      const delay = Math.round(rnd() * (early ? 2_500 : 1_500))
      const alive = await Promise.race([
        (early ? Promise.resolve() : started).then(() => sleep(delay)).then(() => true),
        out.exit.then(() => false),
      ])
      if (!alive || !child.kill('SIGKILL')) {
        await out.exit
        continue
      }
      const { signal } = await out.exit
      if (signal !== 'SIGKILL') continue // it had just finished
      kills++
      moments.push(`${early ? 'launch' : 'import'}+${delay}ms`)
      expect(watch.check()).toEqual([])
    }
    expect(moments).toHaveLength(KILLS)
    expect(moments.filter((m) => m.startsWith('import')).length).toBeGreaterThan(KILLS / 2)

    // The catalog still opens (WAL replay), and the library holds no asset twice.
    const between = openLibrary(dirs)
    try {
      const dup = between.db.prepare('SELECT sha256, COUNT(*) AS n FROM assets GROUP BY sha256 HAVING n > 1').all()
      expect(dup).toEqual([])
    } finally {
      between.close()
    }

    const final = collect(spawnBundled(cli, args(), sim.address))
    const { code } = await final.exit
    expect(final.stderr()).not.toContain('cradle backup:')
    expect(code).toBe(0)
    const lines = final.stdout().trim().split('\n').map((l) => JSON.parse(l) as { type: string; imported?: number; alreadyHad?: number; failed?: number })
    const summary = lines.at(-1)!
    expect(summary.type).toBe('summary')
    expect(summary.failed).toBe(0)
    expect(summary.imported! + summary.alreadyHad!).toBe(expected.length)

    const lib = openLibrary(dirs)
    try {
      expect(verifyLibrary(lib, expected, { udid })).toEqual([])
      expect(fs.readdirSync(path.join(dirs.libraryDir, '.cradle-staging'))).toEqual([])
    } finally {
      lib.close()
    }
  }, 240_000)
})
