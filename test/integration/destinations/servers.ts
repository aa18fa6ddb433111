/**
 * Real servers the destination tests and the upload bench run against (destinations.md §6):
 * s3rver (npm), Apache mod_dav (Debian apache2, a child process with a temp config: the only
 * local server that honours conditional PUT), webdav-server (npm, lenient) and rclone serve
 * webdav (lenient; 404 for a missing parent).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import S3rver from 's3rver'

export interface RunningServer {
  url: string
  dir: string
  close(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

async function waitForPort(port: number, child: ChildProcess, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy()
        resolve(true)
      })
      s.on('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`port ${port} did not open`)
}

function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cradle-${name}-`))
}

/** s3rver with one bucket; credentials S3RVER/S3RVER (it checks the key id, not the signature). */
export async function startS3rver(bucket = 'photos'): Promise<RunningServer & { bucket: string; server: S3rver }> {
  const dir = tempDir('s3')
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true, configureBuckets: [{ name: bucket }] })
  const addr = await server.run()
  return {
    url: `http://127.0.0.1:${addr.port}`, dir, bucket, server,
    close: async () => {
      await server.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.once('exit', () => {
      clearTimeout(t)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/**
 * Apache 2.4 mod_dav_fs with Basic auth (user u / password p) at http://127.0.0.1:<port>/dav/.
 * Run as root here, it drops to www-data, so the document root and lock folder belong to it.
 */
export async function startApacheDav(): Promise<RunningServer & { root: string }> {
  const dir = tempDir('apache')
  fs.chmodSync(dir, 0o755) // Apache's workers (www-data) must reach the document root
  const root = path.join(dir, 'root')
  const lock = path.join(dir, 'lock')
  fs.mkdirSync(path.join(root, 'dav'), { recursive: true })
  fs.mkdirSync(lock)
  execFileSync('htpasswd', ['-bc', path.join(dir, 'htpasswd'), 'u', 'p'], { stdio: 'ignore' })
  const asRoot = process.getuid?.() === 0
  if (asRoot) execFileSync('chown', ['-R', 'www-data:www-data', root, lock])
  const port = await freePort()
  const mod = (name: string, file: string): string => `LoadModule ${name}_module /usr/lib/apache2/modules/mod_${file}.so`
  fs.writeFileSync(path.join(dir, 'httpd.conf'), [
    `ServerRoot ${dir}`, 'ServerName 127.0.0.1', `Listen 127.0.0.1:${port}`, `PidFile ${dir}/httpd.pid`, `ErrorLog ${dir}/error.log`,
    mod('mpm_event', 'mpm_event'), mod('authn_core', 'authn_core'), mod('authn_file', 'authn_file'), mod('authz_core', 'authz_core'),
    mod('authz_user', 'authz_user'), mod('auth_basic', 'auth_basic'), mod('dav', 'dav'), mod('dav_fs', 'dav_fs'),
    ...(asRoot ? ['User www-data', 'Group www-data'] : []),
    `DavLockDB ${lock}/DavLock`, `DocumentRoot ${root}`, `Mutex file:${dir}`, 'LimitRequestBody 0',
    `<Directory ${root}/dav>`, '  Dav On', '  AuthType Basic', '  AuthName dav', `  AuthUserFile ${dir}/htpasswd`, '  Require valid-user', '</Directory>',
  ].join('\n'))
  const child = spawn('apache2', ['-f', path.join(dir, 'httpd.conf'), '-DFOREGROUND'], { stdio: 'ignore' })
  await waitForPort(port, child)
  return {
    url: `http://127.0.0.1:${port}/dav`, dir, root: path.join(root, 'dav'),
    close: async () => {
      await stop(child)
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** webdav-server 2.6.3 (npm) over a temp folder, Basic auth u/p. */
export async function startNpmWebdav(): Promise<RunningServer & { root: string }> {
  const { v2: webdav } = await import('webdav-server')
  const dir = tempDir('wds')
  const users = new webdav.SimpleUserManager()
  const user = users.addUser('u', 'p', false)
  const privileges = new webdav.SimplePathPrivilegeManager()
  privileges.setRights(user, '/', ['all'])
  const port = await freePort()
  const server = new webdav.WebDAVServer({ port, hostname: '127.0.0.1', httpAuthentication: new webdav.HTTPBasicAuthentication(users, 'dav'), privilegeManager: privileges })
  await new Promise<void>((resolve, reject) => server.setFileSystem('/', new webdav.PhysicalFileSystem(dir), (ok) => (ok ? resolve() : reject(new Error('mount failed')))))
  await new Promise<void>((resolve) => server.start(() => resolve()))
  return {
    url: `http://127.0.0.1:${port}`, dir, root: dir,
    close: async () => {
      await new Promise<void>((resolve) => server.stop(() => resolve()))
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** rclone serve webdav (Debian rclone 1.60), Basic auth u/p. */
export async function startRcloneDav(): Promise<RunningServer & { root: string }> {
  const dir = tempDir('rclone')
  const port = await freePort()
  const child = spawn('rclone', ['serve', 'webdav', dir, '--addr', `127.0.0.1:${port}`, '--user', 'u', '--pass', 'p', '--dir-cache-time', '0s', '--poll-interval', '0'], { stdio: 'ignore' })
  await waitForPort(port, child)
  return {
    url: `http://127.0.0.1:${port}`, dir, root: dir,
    close: async () => {
      await stop(child)
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Every regular file under `root` (relative path → content), skipping dot files. */
export function filesUnder(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  const walk = (dir: string, rel: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue
      const p = path.join(dir, e.name)
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) walk(p, r)
      else if (e.isFile()) out.set(r, fs.readFileSync(p))
    }
  }
  walk(root, '')
  return out
}
