/**
 * `cradle verify` in-process (runCli with captured stdio) on a real catalog: the progress bar goes
 * to stderr only when stderr is a terminal, and the exit status and words when there is nothing to
 * check or the library drive is gone.
 */
import fs from 'node:fs'
import path from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../../../src/main/headless/cli/main.js'
import { ROOT_MARKER } from '../../../src/main/library/library-root.js'
import { UploadManager } from '../../../src/main/destinations/upload-manager.js'
import { uploadsSchema } from '../../../src/main/destinations/queue/uploads-schema.js'
import { memorySecretStore } from '../../../src/main/headless/memory-secret-store.js'
import { ABORT, fixture, listing, memorySource, sourceFile, tempLibrary, type TempLibrary } from './helpers.js'

let t: TempLibrary
afterEach(() => t?.cleanup())

async function verify(args: string[], dataDir: string, libraryDir: string, tty: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = Object.assign(new PassThrough(), tty ? { isTTY: true, columns: 120 } : {})
  let out = ''
  let err = ''
  stdout.on('data', (d: Buffer) => (out += d.toString()))
  stderr.on('data', (d: Buffer) => (err += d.toString()))
  const code = await runCli(['--data', dataDir, '--library', libraryDir, 'verify', ...args], { stdout, stderr, stdin: Readable.from([]), env: {} }, new AbortController().signal)
  return { code, stdout: out, stderr: err }
}

async function libraryWithTwoPhotos(): Promise<void> {
  t = tempLibrary({ extraModules: [uploadsSchema] })
  t.lib.beginConnection({ udid: 'A', name: 'A' })
  const files = { '/DCIM/100APPLE/IMG_0001.JPG': fixture('photo.jpg'), '/DCIM/100APPLE/IMG_0002.JPG': fixture('nooffset.jpg') }
  const plan = t.lib.planScan('A', listing(Object.entries(files).map(([p, b]) => sourceFile(p, b.length))), 1)
  for (const f of plan.toImport) await t.lib.importFile(f.id, memorySource(files[f.path as keyof typeof files]), { signal: ABORT })
}

describe('cradle verify', () => {
  it('draws a progress bar on stderr when it is a terminal, and nothing there when it is not', async () => {
    await libraryWithTwoPhotos()
    const onTty = await verify([], t.dataDir, t.root, true)
    expect(onTty.code).toBe(0)
    expect(onTty.stderr).toMatch(/\r\x1b\[2KVerifying \[█+\] 2\/2 · /)
    expect(onTty.stdout).toBe('Checked 2 files: 2 match, 0 corrupt, 0 missing.\n')

    const piped = await verify([], t.dataDir, t.root, false)
    expect(piped.code).toBe(0)
    expect(piped.stderr).toBe('')
    const json = await verify(['--json'], t.dataDir, t.root, false)
    expect(JSON.parse(json.stdout)).toMatchObject({ type: 'summary', checked: 2, ok: 2, corrupt: 0, missing: 0 })
  })

  it('--destinations: a copy missing from a folder destination is reported (exit 1) and queued again', async () => {
    await libraryWithTwoPhotos()
    const nas = path.join(t.dir, 'nas')
    fs.mkdirSync(nas)
    const manager = new UploadManager({ db: t.lib.db, libraryRoot: t.root, secrets: memorySecretStore(), settings: { uploadOnlyOnAcPower: false, uploadLimitMBps: null } })
    manager.start()
    await manager.add({ kind: 'folder', name: 'NAS', config: { path: nas } })
    manager.enqueue()
    await manager.drain()
    await manager.stop()
    const gone = t.lib.db.prepare<[], { library_path: string }>('SELECT library_path FROM assets ORDER BY id LIMIT 1').get()!.library_path
    fs.rmSync(path.join(nas, gone))

    const r = await verify(['--json', '--destinations'], t.dataDir, t.root, false)
    expect(r.code).toBe(1)
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines[0]).toEqual({ type: 'destination-file', destination: 'NAS', path: gone, problem: 'missing', detail: null, requeued: true })
    expect(lines.at(-1)).toMatchObject({ type: 'summary', checked: 2, ok: 2, destinations: [{ name: 'NAS', kind: 'folder', checkable: true, checked: 2, ok: 1, missing: 1, corrupt: 0, requeued: 1, error: null }] })
    expect(t.lib.db.prepare("SELECT state, error_code FROM uploads WHERE state != 'done'").all()).toEqual([{ state: 'pending', error_code: 'destination-copy-bad' }])
    // Without --destinations the library alone is checked, and it is fine.
    expect((await verify([], t.dataDir, t.root, false)).code).toBe(0)
  })

  it('an unplugged library drive: exit 1 and says so; nothing is marked missing', async () => {
    await libraryWithTwoPhotos()
    fs.rmSync(path.join(t.root, ROOT_MARKER))
    const r = await verify(['--json'], t.dataDir, t.root, false)
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ checked: 0, missing: 0, error: expect.stringContaining('library') })
    expect(r.stderr).toMatch(/^cradle verify: /)
    expect(t.lib.db.prepare('SELECT COUNT(*) AS n FROM assets WHERE damage IS NOT NULL').get()).toEqual({ n: 0 })
  })

  it('a data folder with no catalog yet: exit 1 with the reason, and no catalog is created', async () => {
    t = tempLibrary()
    const empty = path.join(t.dir, 'empty-data')
    const r = await verify([], empty, t.root, false)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('nothing has been backed up with this data folder yet')
    expect(fs.existsSync(empty)).toBe(false)
  })
})
