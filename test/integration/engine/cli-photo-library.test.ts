/**
 * `cradle backup --once --json` and `cradle status --json` with a phone whose Photos library Cradle
 * reads (virtual iPhone over a real socket, the CLI as a child process): iCloud-only and Recently
 * Deleted are counted from the database in the summary, and status lists the completeness counts
 * and the DCIM files the database does not know, from the catalog.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { runCliProcess } from '../../helpers/cli.js'
import { startPairedPhone, type PairedPhone } from '../../helpers/engine-cli.js'
import { ON_CHARGER } from '../../helpers/engine.js'
import type { SimPhotoAsset } from '../../../src/sim/photos/photo-library.js'

let p: PairedPhone

beforeAll(async () => {
  p = await startPairedPhone('cradle-cli-photos-', { devices: [{ photos: { count: 16, seed: 29 }, photoLibrary: { schema: 'ios17' }, battery: ON_CHARGER }] })
}, 120_000)

afterAll(async () => {
  await p?.sim.close()
  p?.dirs.cleanup()
})

interface Line { type: string; [k: string]: unknown }

async function cradle(args: string[]): Promise<{ code: number | null; stdout: string; lines: Line[] }> {
  const r = await runCliProcess([...args, '--data', p.dirs.dataDir, '--library', p.dirs.libraryDir], {
    env: { ...process.env, USBMUXD_SOCKET_ADDRESS: p.sim.address, CRADLE_LOG: 'silent' },
    timeoutMs: 90_000,
  })
  return { ...r, lines: r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line) }
}

/** Edits kept under /PhotoData/Mutations (render and Adjustments.plist): files DCIM does not show. */
const mutationFiles = (assets: SimPhotoAsset[]): string[] => assets.flatMap((a) => (a.mutation ? [a.mutation.render, a.mutation.plist].filter((f): f is string => f !== null) : []))

describe('the CLI with a phone whose Photos library is read', () => {
  it('backup --once --json counts iCloud-only and Recently Deleted from the database', async () => {
    const assets = p.sim.photoLibrary(p.udid)!.assets
    const trashedFiles = assets.filter((a) => a.trashed).flatMap((a) => a.files)
    const r = await cradle(['backup', '--once', '--json'])
    expect(r.code).toBe(0)
    expect(r.lines.find((l) => l.type === 'phone')).toMatchObject({
      imported: p.expected.length - trashedFiles.length + 1 + mutationFiles(assets).length, inICloudOnly: 1, inRecentlyDeleted: trashedFiles.length, unavailable: 0,
      photoLibrary: { available: true, note: null, inICloudOnly: 1, inRecentlyDeletedNotCopied: 1 },
    })
    expect(r.lines.at(-1)).toMatchObject({ type: 'summary', inICloudOnly: 1, inRecentlyDeleted: trashedFiles.length, unavailable: 0, failed: 0 })
  }, 120_000)

  it('status --json lists completeness and the DCIM files the database does not know', async () => {
    const assets = p.sim.photoLibrary(p.udid)!.assets
    const unknown = p.expected.filter((f) => !assets.some((a) => a.files.includes(f.devicePath))).map((f) => f.devicePath).sort()
    expect(unknown.length).toBeGreaterThan(0)
    const r = await cradle(['status', '--json'])
    expect(r.code).toBe(0)
    const s = JSON.parse(r.stdout) as { phones: { itemsInICloudOnly: number; photoLibrary: { unknownFiles: string[]; unknownFileCount: number; inICloudOnly: number } }[] }
    expect(s.phones[0]!.itemsInICloudOnly).toBe(1)
    expect(s.phones[0]!.photoLibrary).toMatchObject({ inICloudOnly: 1, unknownFileCount: unknown.length })
    expect([...s.phones[0]!.photoLibrary.unknownFiles].sort()).toEqual(unknown)
  }, 120_000)
})
