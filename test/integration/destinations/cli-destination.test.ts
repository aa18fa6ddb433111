/**
 * `cradle destination …` in-process (runCli with captured stdio) against real servers, plus one
 * real child process for --secret-stdin. Secrets never reach argv, output or the catalog.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import '../../fakes/quiet-logs.js'
import Database from 'better-sqlite3'
import { CATALOG_FILE } from '../../../src/main/library/library.js'
import { runCliInProcess, runCliProcess } from '../../helpers/cli.js'
import { startS3rver } from './servers.js'

function cli(args: string[], dataDir: string, opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(['--data', dataDir, '--library', path.join(dataDir, 'lib'), ...args], opts)
}

describe('cradle destination', () => {
  let s3: Awaited<ReturnType<typeof startS3rver>>
  let data: string
  beforeAll(async () => {
    s3 = await startS3rver()
  })
  afterAll(async () => {
    await s3.close()
  })
  beforeEach(() => {
    data = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-cli-dest-'))
  })

  it('adds, lists, tests and removes a folder destination', async () => {
    const target = path.join(data, 'copy')
    fs.mkdirSync(target)
    const added = await cli(['destination', 'add', 'folder', '--name', 'Second disk', '--path', target], data)
    expect(added).toMatchObject({ code: 0, stdout: expect.stringContaining(`Added Second disk (folder) → ${target}`) })
    const list = await cli(['destination', 'list', '--json'], data)
    const lines = list.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines[0]).toMatchObject({ name: 'Second disk', kind: 'folder', target, status: 'ready' })
    expect(lines.at(-1)).toEqual({ summary: { destinations: 1, problems: 0 } })
    expect(await cli(['destination', 'test', 'second disk'], data)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Second disk is reachable; a test file was written, read back and removed · .+ free\.\n$/) })
    fs.rmSync(target, { recursive: true })
    expect(await cli(['destination', 'test', 'Second disk'], data)).toMatchObject({ code: 1, stderr: expect.stringContaining(`The folder ${target} doesn't exist`) })
    expect((await cli(['destination', 'remove', 'Second disk'], data)).code).toBe(0)
    expect((await cli(['destination', 'list'], data)).stdout).toContain('No destinations.')
  })

  it('edits a destination: only the settings given change, and saving tries its failed files again', async () => {
    const first = path.join(data, 'first')
    const second = path.join(data, 'second')
    fs.mkdirSync(first)
    fs.mkdirSync(second)
    expect((await cli(['destination', 'add', 'folder', '--name', 'Shelf', '--path', first], data)).code).toBe(0)
    // One photo in the catalog whose upload to Shelf failed (as a folder that went away leaves it).
    const db = new Database(path.join(data, CATALOG_FILE))
    try {
      const group = db.prepare("INSERT INTO groups (source_udid, source_folder, source_stem, library_folder, stem, created_at) VALUES ('U', '/DCIM/100APPLE', 'IMG_1', '2026/2026-11', 'IMG_1', 0)").run().lastInsertRowid
      const asset = db.prepare("INSERT INTO assets (sha256, sha1, size, library_path, file_name, mime, group_id, role, imported_at) VALUES ('a', 'b', 3, '2026/2026-11/IMG_1.JPG', 'IMG_1.JPG', 'image/jpeg', ?, 'original', 0)").run(group).lastInsertRowid
      db.prepare("INSERT INTO uploads (destination_id, asset_id, state, attempts, error_code, error_detail, updated_at) SELECT id, ?, 'failed', 8, 'destination-unreachable', 'gone', 0 FROM upload_destinations").run(asset)
    } finally {
      db.close()
    }
    const edited = await cli(['destination', 'edit', 'shelf', '--path', second, '--name', 'Second shelf'], data)
    expect(edited).toMatchObject({ code: 0, stderr: '', stdout: `Saved Second shelf (folder) → ${second}. 1 photo or video waits to go there.\n` })
    const [view] = (await cli(['destination', 'list', '--json'], data)).stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(view).toMatchObject({ name: 'Second shelf', kind: 'folder', target: second, counts: { failed: 0, pending: 1 } })
    // A new name alone keeps the path.
    expect((await cli(['destination', 'edit', 'Second shelf', '--name', 'Shelf'], data)).code).toBe(0)
    expect(JSON.parse((await cli(['destination', 'list', '--json'], data)).stdout.split('\n')[0]!)).toMatchObject({ name: 'Shelf', target: second })
  })

  it('edit says clearly what is wrong: an unknown name, a setting of another kind, an invalid value, a failed test', async () => {
    const target = path.join(data, 'copy')
    fs.mkdirSync(target)
    expect((await cli(['destination', 'add', 'folder', '--name', 'Shelf', '--path', target], data)).code).toBe(0)
    expect((await cli(['destination', 'add', 'folder', '--name', 'Other', '--path', target], data)).code).toBe(0)
    expect(await cli(['destination', 'edit', 'Nope', '--path', target], data)).toEqual({ code: 1, stdout: '', stderr: 'cradle destination: no destination named "Nope" ("cradle destination list" shows them)\n' })
    const wrongKind = await cli(['destination', 'edit', 'Shelf', '--bucket', 'b'], data)
    expect(wrongKind.code).toBe(2)
    expect(wrongKind.stderr).toContain('--bucket is not a setting of a folder destination; it takes --path')
    expect((await cli(['destination', 'edit', 'Shelf'], data)).stderr).toContain('edit Shelf needs something to change')
    expect((await cli(['destination', 'edit', 'Shelf', '--path', target, '--password', 'x'], data)).code).toBe(2)
    expect(await cli(['destination', 'edit', 'Shelf', '--name', 'other', '--no-test'], data)).toEqual({ code: 1, stdout: '', stderr: 'cradle destination: not saved: --name a destination named "other" exists\n' })
    const relative = await cli(['destination', 'edit', 'Shelf', '--path', 'relative/dir', '--no-test'], data)
    expect(relative.code).toBe(1)
    expect(relative.stderr).toMatch(/^cradle destination: not saved: --path /)
    const missing = await cli(['destination', 'edit', 'Shelf', '--path', path.join(data, 'missing')], data)
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/^cradle destination: not saved: The folder .*missing doesn't exist/) })
    // Nothing was saved by the refused edits.
    expect(JSON.parse((await cli(['destination', 'list', '--json'], data)).stdout.split('\n')[0]!)).toMatchObject({ name: 'Shelf', target })
  })

  it('edit takes a new secret only from the environment or standard input, and keeps the old one otherwise', async () => {
    const env = { CRADLE_S3_SECRET: 'first-secret-1' }
    const base = ['--endpoint', s3.url, '--bucket', 'photos', '--access-key-id', 'S3RVER']
    expect((await cli(['destination', 'add', 's3', '--name', 'Bucket', ...base, '--secret-env', 'CRADLE_S3_SECRET'], data, { env })).code).toBe(0)
    const secrets = (): string => fs.readFileSync(path.join(data, 'secrets.json'), 'utf8')
    expect((await cli(['destination', 'edit', 'Bucket', '--prefix', 'phone/'], data)).code).toBe(0)
    expect(secrets()).toContain('first-secret-1')
    const stdin = await cli(['destination', 'edit', 'Bucket', '--secret-stdin'], data, { stdin: 'second-secret-2\n' })
    expect(stdin.code).toBe(0)
    expect(stdin.stdout + stdin.stderr).not.toContain('second-secret-2')
    expect(secrets()).toContain('second-secret-2')
    expect(secrets()).not.toContain('first-secret-1')
    const [view] = (await cli(['destination', 'list', '--json'], data)).stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(view).toMatchObject({ name: 'Bucket', kind: 's3' })
    expect(view.target).toMatch(/^s3:\/\/photos\/phone /)
  })

  it('takes the S3 secret from an environment variable into a 0600 file, never into the catalog or output', async () => {
    // s3rver checks the key id only (destinations.md §3), so any secret works and can be searched for.
    const env = { CRADLE_S3_SECRET: 'wJalrXUtnFEMI-secret-42' }
    const r = await cli(['destination', 'add', 's3', '--name', 'Bucket', '--endpoint', s3.url, '--bucket', 'photos', '--access-key-id', 'S3RVER', '--secret-env', 'CRADLE_S3_SECRET'], data, { env })
    expect(r.code).toBe(0)
    expect(r.stdout + r.stderr).not.toContain('secret-42')
    const file = path.join(data, 'secrets.json')
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8')))).toContain('"value":"wJalrXUtnFEMI-secret-42"')
    for (const name of fs.readdirSync(data).filter((n) => n !== 'secrets.json')) {
      const p = path.join(data, name)
      if (fs.statSync(p).isFile()) expect(fs.readFileSync(p).includes(Buffer.from('secret-42')), name).toBe(false)
    }
    expect((await cli(['destination', 'test', 'Bucket'], data)).code).toBe(0)
  })

  it('can keep only the variable name and read the secret at run time', async () => {
    const r = await cli(['destination', 'add', 's3', '--name', 'Bucket', '--endpoint', s3.url, '--bucket', 'photos', '--access-key-id', 'S3RVER', '--secret-env', 'S3_KEY', '--keep-secret-in-env'], data, { env: { S3_KEY: 'S3RVER' } })
    expect(r.code).toBe(0)
    const doc = JSON.parse(fs.readFileSync(path.join(data, 'secrets.json'), 'utf8'))
    expect(Object.values(doc.secrets)).toEqual([{ env: 'S3_KEY' }])
    expect((await cli(['destination', 'test', 'Bucket'], data, { env: { S3_KEY: 'S3RVER' } })).code).toBe(0)
  })

  it('with --keep-secret-in-env never writes the value anywhere, not even to a temporary file', async () => {
    const secret = 'keep-me-in-env-9f3c1a'
    // Every write this process makes through node:fs, whatever file it goes to (a temporary
    // file renamed or removed afterwards included); SQLite's own writes are checked in the files.
    const written: string[] = []
    const record = (data: unknown): void => {
      if (typeof data === 'string') written.push(data)
      else if (ArrayBuffer.isView(data)) written.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1'))
    }
    // Wraps fs[name] (or fs.promises[name]), recording its data argument (the 2nd); the original is taken first.
    const wrap = <T extends object>(owner: T, name: keyof T & string): { mockRestore(): void } => {
      const orig = (owner[name] as (...a: unknown[]) => unknown).bind(owner)
      const spy = vi.spyOn(owner, name as never) as unknown as { mockImplementation(f: (...a: unknown[]) => unknown): { mockRestore(): void } }
      return spy.mockImplementation((...args: unknown[]) => {
        record(args[1])
        return orig(...args)
      })
    }
    const spies = [wrap(fs, 'writeSync'), wrap(fs, 'writeFileSync'), wrap(fs, 'appendFileSync'), wrap(fs.promises, 'writeFile'), wrap(fs.promises, 'appendFile')]
    let r: Awaited<ReturnType<typeof cli>>
    try {
      r = await cli(['destination', 'add', 's3', '--name', 'Bucket', '--endpoint', s3.url, '--bucket', 'photos', '--access-key-id', 'S3RVER', '--secret-env', 'S3_KEY', '--keep-secret-in-env'], data, { env: { S3_KEY: secret } })
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(written.length).toBeGreaterThan(0) // the spies saw the secrets file being written
    expect(written.filter((w) => w.includes(secret))).toEqual([])
    for (const entry of fs.readdirSync(data, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
      const p = path.join(entry.parentPath, entry.name)
      expect(fs.readFileSync(p).includes(Buffer.from(secret)), p).toBe(false)
    }
    const doc = JSON.parse(fs.readFileSync(path.join(data, 'secrets.json'), 'utf8'))
    expect(Object.values(doc.secrets)).toEqual([{ env: 'S3_KEY' }])
  })

  it('refuses a secret on the command line (exit 2) and names the safe ways', async () => {
    const r = await cli(['destination', 'add', 'immich', '--name', 'I', '--url', 'http://127.0.0.1:9', '--api-key=abc'], data)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--secret-env VAR or --secret-stdin')
    expect(fs.existsSync(path.join(data, 'secrets.json'))).toBe(false)
  })

  it('does not add a destination whose test fails (exit 1), unless told --no-test', async () => {
    const args = ['destination', 'add', 's3', '--name', 'Bucket', '--endpoint', s3.url, '--bucket', 'missing-bucket', '--access-key-id', 'S3RVER', '--secret-stdin']
    const r = await cli(args, data, { stdin: 'S3RVER\n' })
    expect(r).toMatchObject({ code: 1, stderr: expect.stringContaining('Bucket is not set up correctly') })
    expect((await cli(['destination', 'list'], data)).stdout).toContain('No destinations.')
    expect((await cli([...args, '--no-test'], data, { stdin: 'S3RVER\n' })).code).toBe(0)
  })

  it('reports usage errors with exit 2', async () => {
    expect((await cli(['destination'], data)).code).toBe(2)
    expect((await cli(['destination', 'add', 'ftp', '--name', 'x'], data)).code).toBe(2)
    expect((await cli(['destination', 'add', 'webdav', '--name', 'x', '--url', 'http://h'], data)).stderr).toContain('webdav needs a secret')
    expect((await cli(['destination', 'remove', 'nope'], data)).code).toBe(1)
  })

  it('adds Google Photos only with the user\'s client ID and its secret, the secret from the environment into the secrets file', async () => {
    const noSecret = await cli(['destination', 'add', 'google-photos', '--name', 'Google', '--client-id', 'id.apps.googleusercontent.com'], data)
    expect(noSecret).toMatchObject({ code: 2, stderr: expect.stringContaining('google-photos needs a secret') })
    const env = { GOOGLE_CLIENT_SECRET: 'GOCSPX-cli-secret-7' }
    const noId = await cli(['destination', 'add', 'google-photos', '--name', 'Google', '--secret-env', 'GOOGLE_CLIENT_SECRET'], data, { env })
    expect(noId).toMatchObject({ code: 2, stderr: expect.stringContaining('add google-photos needs --client-id') })
    const r = await cli(['destination', 'add', 'google-photos', '--name', 'Google', '--client-id', 'id.apps.googleusercontent.com', '--secret-env', 'GOOGLE_CLIENT_SECRET'], data, { env })
    expect(r).toMatchObject({ code: 0, stdout: expect.stringContaining('Next: cradle destination login "Google"') })
    expect(r.stdout + r.stderr).not.toContain('cli-secret-7')
    expect(fs.readFileSync(path.join(data, 'secrets.json'), 'utf8')).toContain('GOCSPX-cli-secret-7')
  })

  it('add and edit read switches the same way: off by default, --flag on, --no-flag off', async () => {
    const env = { GOOGLE_CLIENT_SECRET: 'GOCSPX-cli-secret-8' }
    const configOf = (): Record<string, unknown> => {
      const db = new Database(path.join(data, CATALOG_FILE), { readonly: true })
      try {
        return JSON.parse((db.prepare('SELECT config_json FROM upload_destinations').get() as { config_json: string }).config_json)
      } finally {
        db.close()
      }
    }
    expect((await cli(['destination', 'add', 'google-photos', '--name', 'Google', '--client-id', 'id.apps.googleusercontent.com', '--secret-env', 'GOOGLE_CLIENT_SECRET'], data, { env })).code).toBe(0)
    expect(configOf()).toEqual({ clientId: 'id.apps.googleusercontent.com', uploadLivePhotoVideo: false })
    expect((await cli(['destination', 'edit', 'Google', '--live-photo-video'], data)).code).toBe(0)
    expect(configOf()).toMatchObject({ uploadLivePhotoVideo: true })
    expect((await cli(['destination', 'edit', 'Google', '--no-live-photo-video', '--client-id', 'other.apps.googleusercontent.com'], data)).code).toBe(0)
    expect(configOf()).toEqual({ clientId: 'other.apps.googleusercontent.com', uploadLivePhotoVideo: false })
  })

  it('reads --secret-stdin in a real process', async () => {
    const r = await runCliProcess(['--data', data, 'destination', 'add', 's3', '--name', 'Proc', '--endpoint', s3.url, '--bucket', 'photos', '--access-key-id', 'S3RVER', '--secret-stdin'], { input: 'S3RVER\n', timeoutMs: 120_000 })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Added Proc (s3)')
    expect(r.stdout + r.stderr).not.toContain('S3RVER\n')
  }, 120_000)
})
