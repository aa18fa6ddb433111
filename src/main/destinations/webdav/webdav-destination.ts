/**
 * WebDAV and Nextcloud (destinations.md §4). Same layout as the library under the URL's folder.
 * Most servers ignore If-None-Match, so every file is looked up first (PROPFIND): same size and
 * same SHA-256 (read back) → done, anything else → conflict, never overwritten. Parent folders
 * are made level by level (MKCOL, 405 = exists) before the first PUT into a folder, and a PUT
 * answered 404/409/500 (nginx, rclone, Apache: "maybe missing parent") makes them again and
 * retries once. X-OC-Mtime carries the capture time (Nextcloud applies it, others ignore it).
 * Nextcloud (URL /remote.php/dav/files/<user>/) gets chunked upload v2 for large files.
 * Proof of the stored bytes: every PUT asks X-Hash: sha256 (Nextcloud hashes what it received and
 * answers X-Hash-SHA256; OC-Checksum would only be stored, not checked), a chunked upload is
 * compared with Nextcloud's oc:checksums. A mismatch removes our fresh copy and retries. Plain
 * WebDAV servers (Apache mod_dav) offer neither: the size is checked and the upload is reported
 * "not verified" rather than re-downloading every file.
 */
import path from 'node:path/posix'
import type { FileStat, WebDAVClient } from 'webdav'
import type { WebdavConfig } from '../../../shared/destination-config.js'
import { CradleError } from '../../../shared/errors.js'
import { notReported, type SpaceReport } from '../../../shared/space-text.js'
import type { Clock } from '../../engine/ports.js'
import type { Destination, MetadataContext, RemoteCheck, UploadContext, UploadItem, UploadResult } from '../destination.js'
import { takenAt } from '../destination.js'
import { hashStream } from '../stream-utils.js'
import { nextcloudUser, NextcloudChunkedUpload } from './nextcloud-chunked.js'
import { davStatus, toDavError } from './webdav-errors.js'
import { mustReadBack, newProbe, type ProbeResult } from '../write-probe.js'

export interface WebdavOptions {
  secret: () => Promise<string | undefined>
  clock: Clock
  concurrency?: number
  /** Nextcloud: files from this size go up in chunks (default 64 MiB). */
  chunkThreshold?: number
  /** Nextcloud chunk size (default 16 MiB; Nextcloud wants 5 MB–5 GB). */
  chunkSize?: number
}

const MiB = 1024 * 1024

export class WebdavDestination implements Destination {
  readonly kind = 'webdav' as const
  readonly concurrency: number
  readonly skipRoles = [] as const
  private client: WebDAVClient | null = null
  private password: string | undefined
  /** Folders known to exist (so a PUT is not sent into a missing parent). */
  private readonly knownDirs = new Set<string>(['/'])
  /** Folder creation in progress, shared by workers uploading into the same folder. */
  private readonly makingDirs = new Map<string, Promise<void>>()
  private readonly user: string | null

  constructor(private readonly config: WebdavConfig, private readonly options: WebdavOptions) {
    this.concurrency = options.concurrency ?? 2
    this.user = nextcloudUser(config.url)
  }

  private async dav(): Promise<WebDAVClient> {
    if (this.client) return this.client
    this.password = await this.options.secret()
    // Imported on first use: the client and its XML stack are a hundred modules no other command needs.
    const { createClient } = await import('webdav')
    this.client = createClient(this.config.url, this.config.username ? { username: this.config.username, password: this.password ?? '' } : {})
    return this.client
  }

  private err(error: unknown, signal?: AbortSignal): CradleError {
    return toDavError(error, this.options.clock.now(), signal)
  }

  async check(signal?: AbortSignal): Promise<void> {
    const client = await this.dav()
    let stat: FileStat
    try {
      stat = (await client.stat('/', { signal })) as FileStat
    } catch (error) {
      if (davStatus(error) === 404) throw new CradleError('destination-config', `folder not found at ${this.config.url}`, { cause: error })
      throw this.err(error, signal)
    }
    if (stat.type !== 'directory') throw new CradleError('destination-config', `${this.config.url} is not a folder`)
  }

  /**
   * `/.cradle-write-test-<random>` in the folder: PUT, GET, compared, DELETE (PROPFIND on the folder
   * passes for a read-only account). Free space from quota-available-bytes where the server has it.
   */
  async probeWrite(signal: AbortSignal): Promise<ProbeResult> {
    const client = await this.dav()
    const probe = newProbe()
    const remote = `/${probe.name}`
    try {
      await client.customRequest(remote, { method: 'PUT', data: probe.body, signal, headers: { 'Content-Type': 'text/plain', 'Content-Length': String(probe.body.length) } })
      try {
        const got = await client.getFileContents(remote, { format: 'binary', signal })
        mustReadBack(remote, probe.body, Buffer.from(got as ArrayBuffer))
      } catch (error) {
        await client.deleteFile(remote).catch(() => undefined)
        throw error
      }
      await client.deleteFile(remote, { signal })
    } catch (error) {
      if (error instanceof CradleError) throw error
      throw this.err(error, signal)
    }
    // Space is extra here: the write itself was proven; a server that fails the quota PROPFIND still passes.
    return { freeBytes: (await this.space(signal).catch(() => null))?.freeBytes ?? null }
  }

  /**
   * RFC 4331 quota-available-bytes and quota-used-bytes on the folder (PROPFIND, Depth 0). Nextcloud
   * answers them (negative when unlimited or unknown); Apache mod_dav and rclone answer 404 for
   * both: "not reported".
   */
  async space(signal: AbortSignal): Promise<SpaceReport> {
    const client = await this.dav()
    let quota: { available?: unknown; used?: unknown } | null
    try {
      quota = (await client.getQuota({ path: '/', signal })) as typeof quota
    } catch (error) {
      // A PROPFIND the server refuses for these properties alone (some answer 400 or 501) says nothing about space.
      const status = davStatus(error)
      if (status === 400 || status === 422 || status === 501) return notReported("This WebDAV server doesn't report space")
      throw this.err(error, signal)
    }
    if (quota?.available === 'unlimited') return notReported('No quota on this WebDAV account; the server does not report its free space')
    const available = typeof quota?.available === 'number' && quota.available >= 0 ? quota.available : null
    if (available === null) return notReported("This WebDAV server doesn't report space")
    const used = typeof quota?.used === 'number' && quota.used >= 0 ? quota.used : null
    return { measure: 'disk', freeBytes: available, totalBytes: used !== null ? available + used : null, usedBytes: used, note: null }
  }

  private remotePath(item: UploadItem): string {
    const p = path.normalize(`/${item.libraryPath}`)
    if (p.includes('/../') || p.endsWith('/..')) throw new CradleError('destination-rejected', `bad library path ${item.libraryPath}`)
    return p
  }

  async upload(item: UploadItem, ctx: UploadContext): Promise<UploadResult> {
    const client = await this.dav()
    const remote = this.remotePath(item)
    try {
      const existing = await this.compareExisting(client, remote, item, ctx)
      if (existing) {
        if (ctx.session) await this.chunked().discard(ctx).catch(() => undefined)
        return existing
      }
      await this.ensureDir(client, path.dirname(remote), ctx.signal)
      let hash: string | null = null
      if (this.user && item.size >= (this.options.chunkThreshold ?? 64 * MiB)) {
        const outcome = await this.chunked().upload(remote, item, ctx)
        if (outcome === 'exists') return this.mustMatch(client, remote, item, ctx)
      } else {
        const put = await this.put(client, remote, item, ctx)
        if (!put.created) return this.mustMatch(client, remote, item, ctx)
        hash = put.sha256
      }
      const verified = await this.verifyStored(client, remote, item, ctx, hash)
      return { remoteRef: remote, deduped: false, verified }
    } catch (error) {
      throw this.err(error, ctx.signal)
    }
  }

  /**
   * The XMP sidecar travels with the file: `<path>.xmp` beside it, PUT again (replacing Cradle's
   * previous one) when the phone's metadata changes.
   */
  async applyMetadata(item: UploadItem, remoteRef: string, _meta: unknown, ctx: MetadataContext): Promise<void> {
    if (item.role === 'sidecar') return
    const client = await this.dav()
    const body = Buffer.from(await ctx.sidecar(), 'utf8')
    try {
      await client.putFileContents(`${remoteRef}.xmp`, body, {
        contentLength: body.length,
        overwrite: true,
        signal: ctx.signal,
        headers: { 'Content-Type': 'application/rdf+xml' },
      })
    } catch (error) {
      throw this.err(error, ctx.signal)
    }
  }

  private chunked(): NextcloudChunkedUpload {
    return new NextcloudChunkedUpload({
      filesUrl: this.config.url,
      user: this.user!,
      username: this.config.username,
      password: this.password ?? '',
      chunkSize: Math.max(this.options.chunkSize ?? 16 * MiB, 5 * MiB),
      now: () => this.options.clock.now(),
    })
  }

  /**
   * PUT with If-None-Match: *. created false when the server said 412 (the name exists); sha256 is
   * the server's hash of what it received, where it answers X-Hash (Nextcloud).
   */
  private async put(client: WebDAVClient, remote: string, item: UploadItem, ctx: UploadContext): Promise<{ created: boolean; sha256: string | null }> {
    const send = async (): Promise<{ created: boolean; sha256: string | null }> => {
      try {
        const res = await client.customRequest(remote, {
          method: 'PUT',
          data: ctx.open(),
          signal: ctx.signal,
          headers: {
            'Content-Type': item.mime,
            'Content-Length': String(item.size),
            'If-None-Match': '*',
            'X-OC-Mtime': String(Math.floor(takenAt(item) / 1000)),
            'X-Hash': 'sha256',
          },
        })
        return { created: true, sha256: res.headers.get('x-hash-sha256')?.trim().toLowerCase() || null }
      } catch (error) {
        if (davStatus(error) === 412) return { created: false, sha256: null }
        throw error
      }
    }
    try {
      return await send()
    } catch (error) {
      const status = davStatus(error)
      // 409 (RFC 4918), 404 (rclone) and 500 (nginx) all can mean "the parent folder is missing".
      if (status !== 404 && status !== 409 && status !== 500) throw error
      ctx.log.info('PUT refused; making parent folders again', { status })
      this.forgetDir(path.dirname(remote))
      await this.ensureDir(client, path.dirname(remote), ctx.signal)
      return send()
    }
  }

  /** Absent → null; same bytes → done; anything else → conflict. */
  private async compareExisting(client: WebDAVClient, remote: string, item: UploadItem, ctx: UploadContext): Promise<UploadResult | null> {
    let stat: FileStat
    try {
      stat = (await client.stat(remote, { signal: ctx.signal })) as FileStat
    } catch (error) {
      if (davStatus(error) === 404) return null
      throw error
    }
    ctx.touch()
    if (stat.type !== 'file' || stat.size !== item.size) throw conflict(remote)
    // ETags are not content hashes (destinations.md §4): read it back and hash.
    const sha = await hashStream(client.createReadStream(remote, { signal: ctx.signal }) as unknown as AsyncIterable<Buffer>, 'sha256', ctx.touch)
    if (sha === item.sha256) return { remoteRef: remote, deduped: true, verified: true }
    throw conflict(remote)
  }

  /**
   * PROPFIND for the size and, where the server keeps one, a checksum: Nextcloud's oc:checksums
   * ("SHA1:… MD5:…"); plain WebDAV servers (Apache mod_dav) have only the size.
   */
  async verify(item: UploadItem, remoteRef: string, signal: AbortSignal): Promise<RemoteCheck> {
    const client = await this.dav()
    let stat: FileStat
    try {
      stat = ((await client.stat(remoteRef, { signal, details: true, data: CHECKSUM_PROPFIND })) as { data: FileStat }).data
    } catch (error) {
      if (davStatus(error) === 404) return { state: 'missing', means: 'size' }
      throw this.err(error, signal)
    }
    if (stat.type !== 'file' || stat.size !== item.size) return { state: 'corrupt', means: 'size', detail: `${stat.size} bytes, the library has ${item.size}` }
    const sums = String((stat.props as Record<string, unknown> | undefined)?.checksums ? JSON.stringify((stat.props as Record<string, unknown>).checksums) : '')
    const sha1 = /SHA1:([0-9a-f]{40})/i.exec(sums)?.[1]
    if (sha1) return { state: sha1.toLowerCase() === item.sha1 ? 'ok' : 'corrupt', means: 'checksum' }
    const sha256 = /SHA256:([0-9a-f]{64})/i.exec(sums)?.[1]
    if (sha256) return { state: sha256.toLowerCase() === item.sha256 ? 'ok' : 'corrupt', means: 'checksum' }
    return { state: 'ok', means: 'size' }
  }

  /** A copy found wrong goes to `/.cradle-damaged/<time>/<path>` (MOVE, never overwriting): kept, and the name is free. */
  async setAside(item: UploadItem, remoteRef: string, signal: AbortSignal): Promise<void> {
    const client = await this.dav()
    const stamp = new Date(this.options.clock.now()).toISOString().replace(/[:.]/g, '-')
    const aside = path.normalize(`/.cradle-damaged/${stamp}${remoteRef}`)
    try {
      await this.ensureDir(client, path.dirname(aside), signal)
      await client.moveFile(remoteRef, aside, { overwrite: false, signal })
    } catch (error) {
      throw this.err(error, signal)
    }
  }

  private async mustMatch(client: WebDAVClient, remote: string, item: UploadItem, ctx: UploadContext): Promise<UploadResult> {
    const again = await this.compareExisting(client, remote, item, ctx)
    if (!again) throw new CradleError('destination-unreachable', `${remote} refused as existing but not found`)
    return again
  }

  /**
   * The file we just wrote: the full size, and the server's hash of it where it gave one (X-Hash
   * at PUT, else oc:checksums). Wrong → our fresh copy is removed and the upload retried.
   * True when a hash proved the bytes; false when only the size could be checked.
   */
  private async verifyStored(client: WebDAVClient, remote: string, item: UploadItem, ctx: UploadContext, putHash: string | null): Promise<boolean> {
    const check = await this.verify(item, remote, ctx.signal)
    ctx.touch()
    let bad = check.state !== 'ok' ? (check.detail ?? check.state) : null
    if (!bad && putHash && putHash !== item.sha256) bad = `the server hashed what it received as ${putHash.slice(0, 12)}…`
    if (!bad) return check.means === 'checksum' || putHash !== null
    ctx.log.warn('WebDAV stored other bytes than sent; removing them and sending again', { remote, bad })
    await client.deleteFile(remote).catch(() => undefined)
    throw new CradleError('destination-unreachable', `${remote} arrived damaged (${bad}); removed, sending again`)
  }

  /** Makes `dir` and its parents, level by level (MKCOL, 405 = exists), remembering what exists. */
  private async ensureDir(client: WebDAVClient, dir: string, signal: AbortSignal): Promise<void> {
    if (this.knownDirs.has(dir)) return
    try {
      const stat = (await client.stat(dir, { signal })) as FileStat
      if (stat.type !== 'directory') throw conflict(dir)
      this.rememberDir(dir)
      return
    } catch (error) {
      if (davStatus(error) !== 404) throw error
    }
    let current = ''
    for (const part of dir.split('/').filter(Boolean)) {
      current += `/${part}`
      await this.makeLevel(client, current, signal)
    }
  }

  /** One MKCOL per folder at a time: workers uploading into sibling folders share the parent's. */
  private makeLevel(client: WebDAVClient, dir: string, signal: AbortSignal): Promise<void> {
    if (this.knownDirs.has(dir)) return Promise.resolve()
    let pending = this.makingDirs.get(dir)
    if (!pending) {
      pending = this.mkcol(client, dir, signal).finally(() => this.makingDirs.delete(dir))
      this.makingDirs.set(dir, pending)
    }
    return pending
  }

  private async mkcol(client: WebDAVClient, dir: string, signal: AbortSignal): Promise<void> {
    try {
      // A trailing slash: nginx refuses MKCOL without it (destinations.md §4).
      await client.customRequest(`${dir}/`, { method: 'MKCOL', signal })
    } catch (error) {
      const status = davStatus(error)
      if (status !== 405) {
        // Apache answers 403 when another client made it a moment earlier (EEXIST): look.
        const stat = (await client.stat(dir, { signal }).catch(() => null)) as FileStat | null
        if (stat?.type !== 'directory') throw error
      }
    }
    this.knownDirs.add(dir)
  }

  private rememberDir(dir: string): void {
    for (let d = dir; d !== '/' && d !== '.'; d = path.dirname(d)) this.knownDirs.add(d)
  }

  private forgetDir(dir: string): void {
    for (let d = dir; d !== '/' && d !== '.'; d = path.dirname(d)) this.knownDirs.delete(d)
  }
}

const CHECKSUM_PROPFIND = `<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><d:getcontentlength/><d:resourcetype/><d:getlastmodified/><oc:checksums/></d:prop></d:propfind>`

function conflict(remote: string): CradleError {
  return new CradleError('destination-conflict', `${remote} exists with different content`, { context: { path: remote } })
}
