/**
 * A destination that is full, as `cradle backup --once` meets it from cron: real Apache mod_dav
 * whose folder is a small tmpfs (it answers 507 Insufficient Storage when the disk is full), and a
 * folder destination on another small tmpfs (ENOSPC). Each must be reported as full, by name, on
 * stderr and in the JSON summary, without eight retries per file first, and the run must exit 1:
 * before, 507 counted as "unreachable" (retried for minutes, then exit 0) and ENOSPC as "not set
 * up correctly". After space is freed, the next run uploads everything.
 */
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import '../../fakes/quiet-logs.js'
import { startSimulator, type Simulator } from '../../../src/sim/index.js'
import { runCliProcess } from '../../helpers/cli.js'
import { tempDirs, type TempDirs } from '../../helpers/engine.js'
import { pairWithSim } from '../../helpers/engine-cli.js'
import { itAsRoot, mountTmpfs, type Tmpfs } from '../../helpers/tmpfs.js'
import { startApacheDav } from '../destinations/servers.js'

let sim: Simulator
let dirs: TempDirs
let apache: Awaited<ReturnType<typeof startApacheDav>> | undefined
const volumes: Tmpfs[] = []
const binds: string[] = []

beforeAll(async () => {
  dirs = tempDirs('cradle-full-')
  // About 3 MB of photos: neither 1 MiB volume can hold them.
  sim = await startSimulator({ devices: [{ photos: { count: 12, seed: 9, photoBytes: 250_000 }, battery: { level: 80, charging: true, externalPower: true } }] })
  await pairWithSim(sim.address, sim.devices[0]!.udid)
}, 120_000)

afterAll(async () => {
  for (const b of binds) execFileSync('umount', [b])
  await apache?.close()
  for (const v of volumes) v.unmount()
  await sim?.close()
  dirs?.cleanup()
})

interface Line { type: string; [k: string]: unknown }

function cradle(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string; lines: Line[] }> {
  return runCliProcess(['--data', dirs.dataDir, '--library', dirs.libraryDir, ...args], {
    env: { ...process.env, USBMUXD_SOCKET_ADDRESS: sim.address, CRADLE_LOG: 'silent', ...env },
    timeoutMs: 180_000,
  }).then((r) => ({ ...r, lines: r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line) }))
}

describe('a full destination', () => {
  itAsRoot('is reported as full by name and the run exits 1; after space is freed the next run uploads it all', async () => {
    apache = await startApacheDav()
    const dav = mountTmpfs(1024, 'cradle-dav-')
    volumes.push(dav)
    // Apache's DAV folder becomes the small volume (its workers run as www-data).
    execFileSync('mount', ['--bind', dav.dir, apache.root])
    binds.push(apache.root)
    execFileSync('chown', ['www-data:www-data', apache.root])
    const shelf = mountTmpfs(1024, 'cradle-shelf-')
    volumes.push(shelf)

    expect((await cradle(['destination', 'add', 'webdav', '--name', 'NAS', '--url', apache.url, '--username', 'u', '--secret-env', 'DAV_PASS'], { DAV_PASS: 'p' })).code).toBe(0)
    expect((await cradle(['destination', 'add', 'folder', '--name', 'Shelf', '--path', shelf.dir])).code).toBe(0)

    const full = await cradle(['backup', '--once', '--json'])
    expect(full.code).toBe(1)
    expect(full.stderr).toMatch(/^cradle backup: (NAS: NAS|Shelf: Shelf) is full\. Free space there/)
    const summary = full.lines.at(-1)!
    expect(summary.type).toBe('summary')
    const uploads = summary.uploads as { destination: string; done: number; pending: number; failed: number; problem: string | null }[]
    for (const name of ['NAS', 'Shelf']) {
      const u = uploads.find((x) => x.destination === name)!
      expect(u.problem).toMatch(new RegExp(`^${name} is full`))
      // Full is not a per-file failure: nothing was given up on, every file still waits.
      expect(u.failed).toBe(0)
      expect(u.pending).toBeGreaterThan(0)
    }
    expect(summary.errors).toEqual(expect.arrayContaining([expect.stringMatching(/^NAS: NAS is full/), expect.stringMatching(/^Shelf: Shelf is full/)]))

    // Space comes back: both volumes grow; the next run re-checks and uploads everything.
    dav.resize(16 * 1024)
    shelf.resize(16 * 1024)
    const after = await cradle(['backup', '--once', '--json'])
    expect(after.stderr).toBe('')
    expect(after.code).toBe(0)
    const done = (after.lines.at(-1)!.uploads as { destination: string; pending: number; failed: number; problem: string | null }[])
    expect(done.map((u) => [u.destination, u.pending, u.failed, u.problem])).toEqual([['NAS', 0, 0, null], ['Shelf', 0, 0, null]])
  }, 400_000)
})
