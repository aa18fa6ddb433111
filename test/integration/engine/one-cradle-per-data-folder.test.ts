/**
 * Two Cradles on one data folder, as a user would start them: `cradle serve` imports from the
 * virtual iPhone while `cradle backup --once` is started on the same --data. Before the lock, the
 * second process's start-up recovery reset the first's `importing` rows and deleted the staging
 * files it was writing, and file after file failed. Now the second exits 1 at once naming the
 * first, `status` reads beside it, and the running import finishes byte-identically with nothing
 * partial left behind.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { AppState } from '../../../src/shared/state.js'
import type { Simulator } from '../../../src/sim/index.js'
import { openLibrary, type TempDirs } from '../../helpers/engine.js'
import { bundleCli, collect, spawnBundled, startPairedPhone } from '../../helpers/engine-cli.js'
import { PartialFileWatch, verifyLibrary, type ExpectedFile } from '../../helpers/engine-roll.js'
import { openEvents } from '../http/http-helpers.js'

let sim: Simulator
let dirs: TempDirs
let cli: string
let expected: ExpectedFile[]
let udid: string

beforeAll(async () => {
  // ~45 MB at 4 MB/s: serve is still importing for seconds after the first file lands.
  ;({ sim, dirs, udid, expected } = await startPairedPhone('cradle-two-', {
    bandwidthMBps: 4,
    devices: [{ photos: { count: 30, seed: 23, photoBytes: 700_000, videoBytes: 5_000_000 }, battery: { level: 80, charging: true, externalPower: true } }],
  }))
  cli = await bundleCli(dirs.dir)
}, 120_000)

afterAll(async () => {
  await sim?.close()
  dirs?.cleanup()
})

const data = (): string[] => ['--data', dirs.dataDir, '--library', dirs.libraryDir]

/** Resolves with the first state (from the SSE stream) that passes `check`. */
function stateWhere(events: ReturnType<typeof openEvents>, check: (s: AppState) => boolean): Promise<AppState> {
  return new Promise((resolve) => {
    const look = (): void => {
      const hit = events.states.find(check)
      if (hit) return resolve(hit)
      void events.until(events.states.length + 1).then(look, look)
    }
    look()
  })
}

const device = (s: AppState) => s.devices.find((d) => d.udid === udid && d.connected)

describe('one Cradle per data folder', () => {
  it('refuses backup --once while serve imports; serve finishes byte-identically, nothing partial', async () => {
    const serve = spawnBundled(cli, ['serve', '--port', '0', ...data()], sim.address)
    let readyLine: (line: string) => void = () => undefined
    const ready = new Promise<string>((resolve) => (readyLine = resolve))
    const serveOut = collect(serve, (line) => {
      if (line.includes('"event":"ready"')) readyLine(line)
    })
    try {
      const { url, accessUrl } = JSON.parse(await Promise.race([ready, serveOut.exit.then(() => { throw new Error(`serve exited: ${serveOut.stderr()}`) })])) as { url: string; accessUrl: string }
      const token = decodeURIComponent(new URL(accessUrl).hash.slice('#token='.length))
      const events = openEvents(Number(new URL(url).port), { Authorization: `Bearer ${token}` })
      try {
        // Mid-import: at least one file is safe and more are still to come.
        await stateWhere(events, (s) => {
          const p = device(s)?.progress
          return device(s)?.phase === 'importing' && p !== null && p !== undefined && p.itemsDone >= 1 && p.itemsDone < p.itemsTotal
        })

        const backup = collect(spawnBundled(cli, ['backup', '--once', '--json', '--no-upload', ...data()], sim.address))
        const ended = await backup.exit
        // Refused while serve still imports (not after waiting for it to finish).
        const last = events.states.at(-1)!
        expect(device(last)?.phase).toBe('importing')
        expect(ended.code).toBe(1)
        expect(backup.stderr()).toContain(`cradle backup: Another Cradle (pid ${serve.pid}, cradle serve, since `)
        expect(backup.stderr()).toContain('is using this data folder')
        expect(backup.stdout()).toBe('') // it did not start: no progress, no summary

        // status reads beside the running one and says so.
        const status = collect(spawnBundled(cli, ['status', '--json', ...data()], sim.address))
        expect((await status.exit).code).toBe(0)
        const report = JSON.parse(status.stdout()) as { runningCradle: { pid: number; command: string } | null; library: { items: number } }
        expect(report.runningCradle).toMatchObject({ pid: serve.pid, command: 'cradle serve' })

        const done = await stateWhere(events, (s) => device(s)?.phase === 'done' || device(s)?.phase === 'error')
        expect(device(done)?.problem ?? null).toBeNull()
        expect(device(done)?.phase).toBe('done')
      } finally {
        events.close()
      }
    } finally {
      serve.kill('SIGTERM')
      await serveOut.exit
    }
    expect(serveOut.stderr()).not.toMatch(/error/i)

    expect(new PartialFileWatch(dirs.libraryDir, expected).check()).toEqual([])
    const lib = openLibrary(dirs)
    try {
      expect(verifyLibrary(lib, expected, { udid })).toEqual([])
      expect(lib.db.prepare("SELECT COUNT(*) AS n FROM device_files WHERE state != 'done'").get()).toEqual({ n: 0 })
      expect(fs.readdirSync(path.join(dirs.libraryDir, '.cradle-staging'))).toEqual([])
    } finally {
      lib.close()
    }
  }, 180_000)
})
