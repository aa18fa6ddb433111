/**
 * `cradle backup --once` killed with SIGKILL at 20 seeded moments (during start-up and the scan,
 * transfers, commits), restarted each time. A kill skips every cleanup, so this proves the import
 * pipeline's order (staging → fsync → link → catalog commit) and the start-up repair: after each
 * kill nothing partial sits under a final name and the catalog opens; at the end one undisturbed run
 * completes the library, byte-identical, with no asset twice and a consistent catalog.
 *
 * The kill moments are byte counts, not times: each run is killed once the virtual iPhone (in this
 * process) has sent it a seeded number of bytes, so the same seed kills at the same points of the
 * transfer whatever the machine's speed. Between kills the catalog is read (read-only) and the
 * staging folder listed: most kills must leave `importing` rows and staged files behind, the proof
 * that they landed mid-import, which the next run then has to repair.
 */
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { CATALOG_FILE } from '../../../src/main/library/library.js'
import type { Simulator } from '../../../src/sim/index.js'
import { openLibrary, type TempDirs } from '../../helpers/engine.js'
import { seededRandom } from '../../helpers/seeded-random.js'
import { bundleCli, collect, spawnBundled, startPairedPhone } from '../../helpers/engine-cli.js'
import { PartialFileWatch, verifyLibrary, type ExpectedFile } from '../../helpers/engine-roll.js'

const KILLS = 20
const SEED = Number(process.env.CRADLE_TEST_SEED ?? 7_351)

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

/** What a kill left behind: rows the catalog still has as mid-import, and files in staging. */
function leftBehind(): { importing: number; staged: number } {
  const db = new Database(path.join(dirs.dataDir, CATALOG_FILE), { readonly: true, fileMustExist: true })
  try {
    const { n } = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM device_files WHERE state = 'importing'").get()!
    const stagingDir = path.join(dirs.libraryDir, '.cradle-staging')
    const staged = fs.existsSync(stagingDir) ? fs.readdirSync(stagingDir).length : 0
    return { importing: n, staged }
  } finally {
    db.close()
  }
}

/** Resolves once the phone has sent `bytes` more than it had when called (checked every millisecond). */
function afterPhoneSent(bytes: number): { reached: Promise<void>; cancel: () => void } {
  const link = sim.devices[0]!.link
  const from = link.bytesSent
  let cancel: () => void = () => undefined
  const reached = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (link.bytesSent - from < bytes) return
      clearInterval(timer)
      resolve()
    }, 1)
    cancel = () => clearInterval(timer)
  })
  return { reached, cancel }
}

const args = (): string[] => ['backup', '--once', '--json', '--no-upload', '--data', dirs.dataDir, '--library', dirs.libraryDir]

describe('cradle backup --once killed and restarted', () => {
  it(`leaves nothing half-written after ${KILLS} SIGKILLs and completes on the next run`, async () => {
    const rnd = seededRandom(SEED)
    const watch = new PartialFileWatch(dirs.libraryDir, expected)
    const moments: { at: string; importing: number; staged: number }[] = []
    let kills = 0
    for (let i = 0; kills < KILLS; i++) {
      expect(i, `seed ${SEED}`).toBeLessThan(KILLS * 2) // runs that finish before their kill do not count; not too many of those
      // A quarter of the kills within the first 32 KiB the phone sends (the handshake, the scan);
      // the rest up to 4 MB into the transfer (files finish, get committed, and the next ones start).
      const early = rnd() < 0.25
      const bytes = early ? 1 + Math.floor(rnd() * 32_768) : 32_768 + Math.floor(rnd() * 4_000_000)
      const trigger = afterPhoneSent(bytes)
      const child = spawnBundled(cli, args(), sim.address)
      const out = collect(child)
      const alive = await Promise.race([trigger.reached.then(() => true), out.exit.then(() => false)])
      trigger.cancel()
      if (!alive || !child.kill('SIGKILL')) {
        await out.exit
        continue
      }
      const { signal } = await out.exit
      if (signal !== 'SIGKILL') continue // it had just finished
      kills++
      expect(watch.check(), `seed ${SEED}, kill ${kills} at ${bytes} bytes`).toEqual([])
      moments.push({ at: `${early ? 'early' : 'import'}+${bytes}B`, ...leftBehind() })
    }
    console.log(`SIGKILL moments (seed ${SEED}; CRADLE_TEST_SEED=<n> to change): ${moments.map((m) => `${m.at} importing ${m.importing} staged ${m.staged}`).join('; ')}`)
    expect(moments).toHaveLength(KILLS)
    expect(moments.filter((m) => m.at.startsWith('import')).length, `seed ${SEED}`).toBeGreaterThan(KILLS / 2)
    // The kills really landed mid-import: most left rows marked importing and bytes in staging for
    // the next run's start-up repair to deal with (a kill between two files leaves neither).
    const midImport = moments.filter((m) => m.importing > 0 && m.staged > 0)
    expect(midImport.length, `seed ${SEED}: ${JSON.stringify(moments)}`).toBeGreaterThan(KILLS / 2)

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
