/**
 * `cradle destination test` writes for real (folder, S3, WebDAV): a test file is written, read
 * back and removed, so a destination that can be read but not written fails the test with the
 * reason an upload would give, instead of "reachable" followed by every upload failing.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { startFakeNextcloud } from '../../fakes/fake-nextcloud-server.js'
import { runCliInProcess } from '../../helpers/cli.js'
import { itAsRoot, mountTmpfs, type Tmpfs } from '../../helpers/tmpfs.js'
import { startApacheDav, startNpmWebdav, startRcloneDav, startS3rver, type RunningServer } from './servers.js'

function cli(args: string[], dataDir: string, env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(['--data', dataDir, '--library', path.join(dataDir, 'lib'), ...args], env ? { env } : {})
}

/** Every path under `root` whose name says it is a connection-test file. */
function probesUnder(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((p) => p.includes('cradle-write-test'))
}

const PASSED = /is reachable; a test file was written, read back and removed/

describe('cradle destination test writes a test file', () => {
  let data: string
  const cleanup: Array<() => Promise<void> | void> = []
  beforeEach(() => {
    data = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-test-conn-'))
  })
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
    fs.rmSync(data, { recursive: true, force: true })
  })

  it('folder: passes with the free space and leaves nothing behind', async () => {
    const target = path.join(data, 'copy')
    fs.mkdirSync(target)
    expect((await cli(['destination', 'add', 'folder', '--name', 'Disk', '--path', target, '--no-test'], data)).code).toBe(0)
    const r = await cli(['destination', 'test', 'Disk'], data)
    expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(PASSED) })
    expect(r.stdout).toMatch(/ · [\d.,]+ (bytes|KB|MB|GB|TB) free\.\n$/)
    expect(fs.readdirSync(target)).toEqual([])
  })

  describe('on a small tmpfs', () => {
    let vol: Tmpfs
    beforeAll(() => {
      if (process.getuid?.() === 0) vol = mountTmpfs(256)
    })
    afterAll(() => vol?.unmount())

    itAsRoot('folder on a full disk: fails as full (the old check only asked access(W_OK))', async () => {
      const emptyAgain = vol.fill(0)
      cleanup.push(emptyAgain)
      expect((await cli(['destination', 'add', 'folder', '--name', 'Full disk', '--path', vol.dir, '--no-test'], data)).code).toBe(0)
      const r = await cli(['destination', 'test', 'Full disk'], data)
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('Full disk is full')
      expect(probesUnder(vol.dir)).toEqual([])
    })

    itAsRoot('folder on a read-only mount: fails as refusing the upload', async () => {
      execFileSync('mount', ['-o', 'remount,ro', vol.dir])
      cleanup.push(() => void execFileSync('mount', ['-o', 'remount,rw', vol.dir]))
      expect((await cli(['destination', 'add', 'folder', '--name', 'RO', '--path', vol.dir, '--no-test'], data)).code).toBe(0)
      const r = await cli(['destination', 'test', 'RO'], data)
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('RO refused the upload')
    })
  })

  it('S3 (s3rver): passes and leaves no test object in the bucket', async () => {
    const s3 = await startS3rver()
    cleanup.push(() => s3.close())
    const env = { CRADLE_S3_SECRET: 'S3RVER' }
    const add = await cli(['destination', 'add', 's3', '--name', 'Bucket', '--endpoint', s3.url, '--bucket', s3.bucket, '--access-key-id', 'S3RVER', '--prefix', 'backup', '--secret-env', 'CRADLE_S3_SECRET', '--no-test'], data, env)
    expect(add.code).toBe(0)
    const r = await cli(['destination', 'test', 'Bucket'], data)
    expect(r).toMatchObject({ code: 0, stdout: 'Bucket is reachable; a test file was written, read back and removed.\n' })
    expect(probesUnder(s3.dir)).toEqual([])
  })

  const davServers: Array<[string, () => Promise<RunningServer & { root: string }>]> = [
    ['Apache mod_dav', startApacheDav],
    ['rclone', startRcloneDav],
    ['webdav-server', startNpmWebdav],
  ]
  for (const [label, start] of davServers) {
    it(`WebDAV (${label}): passes and leaves no test file behind`, async () => {
      const dav = await start()
      cleanup.push(() => dav.close())
      const add = await cli(['destination', 'add', 'webdav', '--name', 'NAS', '--url', dav.url, '--username', 'u', '--secret-env', 'DAV_PW', '--no-test'], data, { DAV_PW: 'p' })
      expect(add.code).toBe(0)
      const r = await cli(['destination', 'test', 'NAS'], data)
      expect(r).toMatchObject({ code: 0, stdout: expect.stringMatching(PASSED) })
      expect(probesUnder(dav.root)).toEqual([])
    })
  }

  it('Nextcloud (fake): the free space it reports is in the message; over quota (507) fails as full', async () => {
    const nc = await startFakeNextcloud()
    cleanup.push(() => nc.close())
    const add = await cli(['destination', 'add', 'webdav', '--name', 'Cloud', '--url', nc.filesUrl, '--username', 'alice', '--secret-env', 'NC_PW', '--no-test'], data, { NC_PW: 'app-password' })
    expect(add.code).toBe(0)
    nc.quotaAvailable = 12_300_000_000
    const r = await cli(['destination', 'test', 'Cloud'], data)
    expect(r).toMatchObject({ code: 0, stdout: 'Cloud is reachable; a test file was written, read back and removed · 12.3 GB free.\n' })
    expect([...nc.files.keys()]).toEqual([])
    nc.quotaAvailable = 0
    const full = await cli(['destination', 'test', 'Cloud'], data)
    expect(full.code).toBe(1)
    expect(full.stderr).toContain('Cloud is full')
  })

  it('WebDAV with an account that may read but not write: fails instead of "reachable"', async () => {
    const dav = await startApacheDav({ readOnly: true })
    cleanup.push(() => dav.close())
    const add = await cli(['destination', 'add', 'webdav', '--name', 'NAS', '--url', dav.url, '--username', 'u', '--secret-env', 'DAV_PW', '--no-test'], data, { DAV_PW: 'p' })
    expect(add.code).toBe(0)
    const r = await cli(['destination', 'test', 'NAS'], data)
    expect(r.code).toBe(1)
    expect(r.stdout).not.toMatch(/reachable/)
    expect(r.stderr).toContain('NAS refused the upload')
    expect(probesUnder(dav.root)).toEqual([])
  })
})
