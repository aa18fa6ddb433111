/**
 * The data folder, catalog, lock, logs and secrets are the user's only, whatever the umask; looser
 * ones from before are tightened with a log line; temporary files are never written through
 * something already at their name. Runs the real commands in-process (runCli) under umask 000,
 * the worst a user could have set.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { configureLogging, type LogRecord } from '../../../src/main/logging/logger.js'
import { runCli } from '../../../src/main/headless/cli/main.js'
import { createFileSink } from '../../../src/main/electron/log-file.js'
import { saveSettings } from '../../../src/main/library/settings-store.js'
import { fileSecretStore } from '../../../src/main/headless/headless-secrets.js'
import { Library } from '../../../src/main/library/library.js'
import { stagingPath } from '../../../src/main/library/staging.js'
import { ROOT_MARKER } from '../../../src/main/library/library-root.js'
import { defaultSettings } from '../../../src/shared/settings.js'

const mode = (p: string): string => (fs.statSync(p).mode & 0o777).toString(8)

let dir: string
let oldUmask: number
const records: LogRecord[] = []
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-modes-'))
  oldUmask = process.umask(0o000)
  records.length = 0
  configureLogging({ sink: (r) => records.push(r), level: 'info' })
})
afterEach(() => {
  process.umask(oldUmask)
  configureLogging({ level: 'silent' })
  fs.rmSync(dir, { recursive: true, force: true })
})

async function cli(args: string[], data: string): Promise<{ code: number; stderr: string }> {
  const stderr = new PassThrough()
  let err = ''
  stderr.on('data', (d: Buffer) => (err += d.toString()))
  const code = await runCli(['--data', data, '--library', path.join(dir, 'lib'), ...args], {
    stdout: new PassThrough(), stderr, stdin: Readable.from([]), env: {},
  }, new AbortController().signal)
  return { code, stderr: err }
}

describe('private files in the data folder', () => {
  it('`status` and `destination` create the data folder 0700 and the catalog and lock 0600', async () => {
    for (const [name, args] of [['a', ['status']], ['b', ['destination', 'list']]] as const) {
      const data = path.join(dir, name, 'data')
      expect((await cli([...args], data)).code).toBe(0)
      expect([name, mode(data), mode(path.join(data, 'catalog.sqlite')), mode(path.join(data, 'cradle.lock.db'))]).toEqual([name, '700', '600', '600'])
      // and the seal a clean close leaves (catalog-seal.ts), private too
      expect(mode(path.join(data, 'catalog.sqlite.seal'))).toBe('600')
      expect(fs.readdirSync(data).filter((n) => !['catalog.sqlite', 'catalog.sqlite.seal', 'cradle.lock.db'].includes(n))).toEqual([])
    }
  })

  it('the catalog\'s -wal and -shm are 0600 while it is open', () => {
    const data = path.join(dir, 'data')
    const lib = Library.open(data, defaultSettings(path.join(dir, 'lib')))
    try {
      lib.db.exec('CREATE TABLE t (x)')
      expect([mode(path.join(data, 'catalog.sqlite-wal')), mode(path.join(data, 'catalog.sqlite-shm'))]).toEqual(['600', '600'])
    } finally {
      lib.close()
    }
  })

  it('tightens a data folder, catalog, lock and leftover -wal made readable before, with a log line each', async () => {
    const data = path.join(dir, 'data')
    expect((await cli(['status'], data)).code).toBe(0)
    fs.writeFileSync(path.join(data, 'catalog.sqlite-wal'), '')
    for (const f of ['catalog.sqlite', 'cradle.lock.db', 'catalog.sqlite-wal']) fs.chmodSync(path.join(data, f), 0o644)
    fs.chmodSync(data, 0o755)
    records.length = 0
    expect((await cli(['status'], data)).code).toBe(0)
    expect(mode(data)).toBe('700')
    expect(mode(path.join(data, 'catalog.sqlite'))).toBe('600')
    expect(mode(path.join(data, 'cradle.lock.db'))).toBe('600')
    const tightened = records.filter((r) => r.message.startsWith('permissions tightened')).map((r) => path.basename(String(r.fields?.path)))
    expect(tightened.sort()).toEqual(['catalog.sqlite', 'catalog.sqlite-wal', 'cradle.lock.db', 'data'])
  })

  it('leaves a shared sticky folder (--data /tmp-like) alone and says so', async () => {
    const shared = path.join(dir, 'shared')
    fs.mkdirSync(shared)
    fs.chmodSync(shared, 0o1777)
    expect((await cli(['status'], shared)).code).toBe(0)
    expect((fs.statSync(shared).mode & 0o7777).toString(8)).toBe('1777')
    expect(records.some((r) => r.message.startsWith('others may read this') && r.fields?.path === shared)).toBe(true)
    expect(mode(path.join(shared, 'catalog.sqlite'))).toBe('600')
  })

  it('logs: the folder 0700, main.log 0600, an older readable log tightened', () => {
    const logs = path.join(dir, 'data', 'logs')
    fs.mkdirSync(logs, { recursive: true, mode: 0o755 })
    fs.writeFileSync(path.join(logs, 'main.1.log'), '{}\n', { mode: 0o644 })
    const sink = createFileSink(logs)
    sink({ time: new Date().toISOString(), level: 'info', module: 'test', message: 'hello' })
    expect([mode(logs), mode(path.join(logs, 'main.log')), mode(path.join(logs, 'main.1.log'))]).toEqual(['700', '600', '600'])
  })
})

describe('temporary files are created exclusively', () => {
  // Someone who could write to the folder (or a leftover from a crash with the same pid) puts a
  // link at the temporary name the old code always used: writing must not go through it.
  const plantLinks = (file: string, victim: string): void => {
    fs.writeFileSync(victim, 'victim\n', { mode: 0o644 })
    fs.symlinkSync(victim, `${file}.tmp-${process.pid}`)
  }

  it('settings.json is written through a fresh temporary file, never through a planted link', () => {
    const data = path.join(dir, 'data')
    fs.mkdirSync(data, { mode: 0o700 })
    const victim = path.join(dir, 'victim')
    plantLinks(path.join(data, 'settings.json'), victim)
    saveSettings(data, defaultSettings(path.join(dir, 'lib')))
    expect(fs.readFileSync(victim, 'utf8')).toBe('victim\n')
    expect(mode(path.join(data, 'settings.json'))).toBe('600')
    expect(JSON.parse(fs.readFileSync(path.join(data, 'settings.json'), 'utf8')).libraryPath).toBe(path.join(dir, 'lib'))
  })

  it('secrets.json likewise', async () => {
    const data = path.join(dir, 'data')
    fs.mkdirSync(data, { mode: 0o700 })
    const victim = path.join(dir, 'victim')
    plantLinks(path.join(data, 'secrets.json'), victim)
    await fileSecretStore(data, {}).set('k', 'the-secret')
    expect(fs.readFileSync(victim, 'utf8')).toBe('victim\n')
    expect(await fileSecretStore(data, {}).get('k')).toBe('the-secret')
  })

  it('a staging file in the library is created anew, never written through what is at its name', async () => {
    const data = path.join(dir, 'data')
    const root = path.join(dir, 'lib')
    const lib = Library.open(data, defaultSettings(root), { hashOnWorker: false })
    try {
      lib.prepare()
      lib.beginConnection({ udid: 'u1', name: 'Phone' })
      const bytes = Buffer.from('not really a photo, but bytes to stage')
      const id = lib.recordFile('u1', { path: '/DCIM/100APPLE/IMG_0001.JPG', size: bytes.length, mtimeNs: 0n, birthtimeNs: 0n })
      const victim = path.join(dir, 'victim')
      fs.writeFileSync(victim, 'victim\n')
      fs.mkdirSync(path.dirname(stagingPath(root, id)), { recursive: true })
      fs.symlinkSync(victim, stagingPath(root, id))
      const outcome = await lib.importFile(id, { copyTo: async (sink) => void sink.write(bytes) }, { signal: new AbortController().signal, connection: 1 })
      expect(outcome.state).toBe('done')
      expect(fs.readFileSync(victim, 'utf8')).toBe('victim\n')
      expect(fs.readFileSync(path.join(root, outcome.libraryPath!)).equals(bytes)).toBe(true)
    } finally {
      lib.close()
    }
  })

  it('the library\'s marker is never written through a link someone put at its name', () => {
    const root = path.join(dir, 'lib')
    fs.mkdirSync(root)
    const victim = path.join(dir, 'created-elsewhere')
    fs.symlinkSync(victim, path.join(root, ROOT_MARKER)) // dangling: writing through it would create `victim`
    const lib = Library.open(path.join(dir, 'data'), defaultSettings(root))
    try {
      lib.prepare()
    } finally {
      lib.close()
    }
    expect(fs.existsSync(victim)).toBe(false)
  })
})
