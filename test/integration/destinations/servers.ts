/**
 * Real servers the destination tests and the upload bench run against (destinations.md §6):
 * s3rver (npm), Apache mod_dav (Debian apache2, a child process with a temp config: the only
 * local server that honours conditional PUT), webdav-server (npm, lenient) and rclone serve
 * webdav (lenient; 404 for a missing parent).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createRequire } from 'node:module'
import S3rver from 's3rver'

export interface RunningServer {
  url: string
  dir: string
  close(): Promise<void>
}

/**
 * A port that was free a moment ago. Only for servers that cannot bind port 0 and say which port
 * they got (Apache): another process may take it before the server binds, so such a start must
 * prove the server bound it itself and try another port when not (startApacheDav).
 */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

/** Resolves with the first stderr/stdout text of `child` that `pattern` matches; rejects if it exits first. */
function waitForOutput(child: ChildProcess, pattern: RegExp, ms = 20_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = ''
    const onData = (d: Buffer): void => {
      text += d.toString()
      const m = text.match(pattern)
      if (m) finish(() => resolve(m))
    }
    const onExit = (code: number | null): void => finish(() => reject(new Error(`server exited with ${code}: ${text.slice(-500)}`)))
    const timer = setTimeout(() => finish(() => reject(new Error(`server did not say ${pattern} within ${ms} ms: ${text.slice(-500)}`))), ms)
    const finish = (then: () => void): void => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
      then()
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
  })
}

function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cradle-${name}-`))
}

/** s3rver with one bucket; credentials S3RVER/S3RVER (it checks the key id, not the signature). */
export async function startS3rver(bucket = 'photos'): Promise<RunningServer & { bucket: string; server: S3rver }> {
  const dir = tempDir('s3')
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true, configureBuckets: [{ name: bucket }] })
  makeAtomicLikeS3(server)
  const addr = await server.run()
  return {
    url: `http://127.0.0.1:${addr.port}`, dir, bucket, server,
    close: async () => {
      await server.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The part of s3rver 3.7's FilesystemStore that makeAtomicLikeS3 replaces. */
interface S3rverStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string
  putObject(object: { bucket: string; key: string; content: NodeJS.ReadableStream | Buffer; metadata: Record<string, string> }): Promise<{ size: number; md5: string }>
  putObjectMultipart(bucket: string, uploadId: string, parts: { number: number; etag: string }[]): Promise<{ size: number; md5: string }>
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>
}

/**
 * S3 makes an object visible whole or not at all, and completes a multipart upload once
 * (a second Complete of the same upload gets NoSuchUpload). s3rver 3.7 does neither: it streams
 * the object straight into its final file (a HEAD meanwhile sees a partial object without its
 * metadata) and a second Complete racing the first re-assembles the parts while the first
 * deletes them, truncating the stored object. The client's behaviour when an answer is lost
 * mid-Complete (faults.test.ts, exactly-once.test.ts) can only be judged against S3's semantics,
 * so the store writes each object to a side file and renames it into place after its metadata,
 * and completes each upload once.
 */
function makeAtomicLikeS3(server: S3rver): void {
  const store = (server as unknown as { store: S3rverStore }).store
  const S3Error = createRequire(import.meta.url)('s3rver/lib/models/error.js') as new (code: string, message: string) => Error
  const putObject = async (object: Parameters<S3rverStore['putObject']>[0]): Promise<{ size: number; md5: string }> => {
    const finalPath = store.getResourcePath(object.bucket, object.key, 'object')
    const sidePath = `${finalPath}.partial-${process.pid}-${randomUUID()}`
    await fs.promises.mkdir(path.dirname(finalPath), { recursive: true })
    const md5 = createHash('md5')
    let size = 0
    const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : Readable.from(object.content as AsyncIterable<Buffer>)
    try {
      await pipeline(content, async function* (chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
        for await (const chunk of chunks) {
          md5.update(chunk)
          size += chunk.length
          yield chunk
        }
      }, fs.createWriteStream(sidePath))
      const digest = md5.digest('hex')
      await store.putMetadata(object.bucket, object.key, object.metadata, digest)
      await fs.promises.rename(sidePath, finalPath)
      return { size, md5: digest }
    } finally {
      await fs.promises.rm(sidePath, { force: true })
    }
  }
  const completing = new Map<string, Promise<{ size: number; md5: string }>>()
  const putObjectMultipart = store.putObjectMultipart.bind(store)
  store.putObject = putObject
  store.putObjectMultipart = (bucket, uploadId, parts) => {
    if (completing.has(uploadId)) return Promise.reject(new S3Error('NoSuchUpload', 'The specified upload does not exist.'))
    const uploadDir = path.join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId)
    if (!fs.existsSync(uploadDir)) return Promise.reject(new S3Error('NoSuchUpload', 'The specified upload does not exist.'))
    const done = putObjectMultipart(bucket, uploadId, parts).finally(() => completing.delete(uploadId))
    completing.set(uploadId, done)
    return done
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
 * Apache 2.4 mod_dav_fs with Basic auth (user u / password p) at http://127.0.0.1:<port>/dav/;
 * `readOnly`: the account may only GET, HEAD, OPTIONS and PROPFIND.
 * Run as root here, it drops to www-data, so the document root and lock folder belong to it.
 */
export async function startApacheDav(options: { readOnly?: boolean } = {}): Promise<RunningServer & { root: string }> {
  const dir = tempDir('apache')
  fs.chmodSync(dir, 0o755) // Apache's workers (www-data) must reach the document root
  const root = path.join(dir, 'root')
  const lock = path.join(dir, 'lock')
  fs.mkdirSync(path.join(root, 'dav'), { recursive: true })
  fs.mkdirSync(lock)
  execFileSync('htpasswd', ['-bc', path.join(dir, 'htpasswd'), 'u', 'p'], { stdio: 'ignore' })
  const asRoot = process.getuid?.() === 0
  if (asRoot) execFileSync('chown', ['-R', 'www-data:www-data', root, lock])
  const mod = (name: string, file: string): string => `LoadModule ${name}_module /usr/lib/apache2/modules/mod_${file}.so`
  const config = (port: number): string => [
    `ServerRoot ${dir}`, 'ServerName 127.0.0.1', `Listen 127.0.0.1:${port}`, `PidFile ${dir}/httpd.pid`, `ErrorLog ${dir}/error.log`,
    mod('mpm_event', 'mpm_event'), mod('authn_core', 'authn_core'), mod('authn_file', 'authn_file'), mod('authz_core', 'authz_core'),
    mod('authz_user', 'authz_user'), mod('auth_basic', 'auth_basic'), mod('dav', 'dav'), mod('dav_fs', 'dav_fs'),
    ...(asRoot ? ['User www-data', 'Group www-data'] : []),
    `DavLockDB ${lock}/DavLock`, `DocumentRoot ${root}`, `Mutex file:${dir}`, 'LimitRequestBody 0',
    `<Directory ${root}/dav>`, '  Dav On', '  AuthType Basic', '  AuthName dav', `  AuthUserFile ${dir}/htpasswd`,
    // Read-only: the account may look but not write (PUT, MKCOL, DELETE, … answered 403).
    ...(options.readOnly ? ['  <RequireAll>', '    Require valid-user', '    Require method GET HEAD OPTIONS PROPFIND', '  </RequireAll>'] : ['  Require valid-user']), '</Directory>',
  ].join('\n')
  // Apache cannot bind port 0 and report it: take a free port, and if another process got there
  // first (Apache then exits: "could not bind to address"), try another. Apache writes its pid
  // file only once its listeners are bound, so our pid there proves the port is ours.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    fs.writeFileSync(path.join(dir, 'httpd.conf'), config(port))
    fs.rmSync(path.join(dir, 'httpd.pid'), { force: true })
    const child = spawn('apache2', ['-f', path.join(dir, 'httpd.conf'), '-DFOREGROUND'], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = '' // a bind failure is told here: the error log is opened after the listeners
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const bound = await waitForPidFile(path.join(dir, 'httpd.pid'), child.pid!, exited)
    if (!bound) {
      const errorLog = path.join(dir, 'error.log')
      const log = stderr + (fs.existsSync(errorLog) ? fs.readFileSync(errorLog, 'utf8') : '')
      if (/Address already in use/.test(log) && attempt < 5) continue
      throw new Error(`apache2 did not start on port ${port}: ${log.slice(-500)}`)
    }
    return {
      url: `http://127.0.0.1:${port}/dav`, dir, root: path.join(root, 'dav'),
      close: async () => {
        await stop(child)
        fs.rmSync(dir, { recursive: true, force: true })
      },
    }
  }
}

/** True once `file` holds `pid` (checked every 50 ms); false when the process exits first. */
async function waitForPidFile(file: string, pid: number, exited: Promise<number | null>, ms = 20_000): Promise<boolean> {
  let gone = false
  void exited.then(() => (gone = true))
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() === String(pid)) return true
    if (gone) return false
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`apache2 wrote no pid file within ${ms} ms`)
}

/** webdav-server 2.6.3 (npm) over a temp folder, Basic auth u/p. */
export async function startNpmWebdav(): Promise<RunningServer & { root: string }> {
  const { v2: webdav } = await import('webdav-server')
  const dir = tempDir('wds')
  const users = new webdav.SimpleUserManager()
  const user = users.addUser('u', 'p', false)
  const privileges = new webdav.SimplePathPrivilegeManager()
  privileges.setRights(user, '/', ['all'])
  // Port 0: the server binds a port itself and says which (no window for another process).
  const server = new webdav.WebDAVServer({ port: 0, hostname: '127.0.0.1', httpAuthentication: new webdav.HTTPBasicAuthentication(users, 'dav'), privilegeManager: privileges })
  await new Promise<void>((resolve, reject) => server.setFileSystem('/', new webdav.PhysicalFileSystem(dir), (ok) => (ok ? resolve() : reject(new Error('mount failed')))))
  const port = await new Promise<number>((resolve) => server.start((http) => resolve((http!.address() as net.AddressInfo).port)))
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
  // Port 0: rclone binds a port itself and logs it ("WebDav Server started on http://127.0.0.1:N/").
  const child = spawn('rclone', ['serve', 'webdav', dir, '--addr', '127.0.0.1:0', '--user', 'u', '--pass', 'p', '--dir-cache-time', '0s', '--poll-interval', '0'], { stdio: ['ignore', 'ignore', 'pipe'] })
  const port = Number((await waitForOutput(child, /started on http:\/\/127\.0\.0\.1:(\d+)\//))[1])
  child.stderr?.resume() // keep draining its log so it never blocks on a full pipe
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
