/**
 * Immich (destinations.md §1). Files the server already has are found before sending by
 * bulk-upload-check (SHA-1); each upload carries x-immich-checksum so a duplicate is answered at
 * once (200 "duplicate" counts as success, even if the server closed before the body was sent).
 * v2 and v3 differ: v3 removed deviceAssetId/deviceId, so GET /api/server/version decides.
 * Live Photos: the motion MOV goes first with visibility=hidden, then the still with
 * livePhotoVideoId (the queue holds a still back while its motion part is pending).
 * Immich does not compare what it received with x-immich-checksum, so a new asset is read back
 * (GET /api/assets/{id}: Immich's SHA-1 of what it stored): a body damaged on the way is moved to
 * Immich's trash and sent again, and an answer naming an asset Immich does not have is retried.
 */
import http from 'node:http'
import https from 'node:https'
import { immichServerUrl, type ImmichConfig } from '../../../shared/destination-config.js'
import { CradleError } from '../../../shared/errors.js'
import { notReported, type SpaceReport } from '../../../shared/space-text.js'
import type { Clock } from '../../engine/ports.js'
import type { Logger } from '../../logging/logger.js'
import type { PhotoMetadata } from '../../photos/photo-metadata.js'
import type { Destination, MetadataContext, RemoteCheck, UploadContext, UploadItem, UploadResult } from '../destination.js'
import { isoWithOffset, takenAt } from '../destination.js'
import { httpRequest, type HttpResponse } from '../http-request.js'
import { httpError, parseRetryAfter } from '../upload-errors.js'
import { ImmichAlbums } from './immich-albums.js'
import { immichTakes } from './immich-file-types.js'
import { buildMultipart } from './immich-multipart.js'

export interface ImmichOptions {
  secret: () => Promise<string | undefined>
  clock: Clock
  log: Logger
  concurrency?: number
  /** Kind-specific state kept in the catalog (album ids by title). */
  state?: { load(): Record<string, unknown>; save(state: Record<string, unknown>): void }
}

interface ServerVersion {
  major: number
  minor: number
  patch: number
}

interface BulkCheckResult {
  id: string
  action: 'accept' | 'reject'
  reason?: 'duplicate' | 'unsupported-format'
  assetId?: string
  isTrashed?: boolean
}

export class ImmichDestination implements Destination {
  readonly kind = 'immich' as const
  readonly concurrency: number
  readonly skipRoles = ['sidecar'] as const
  readonly contentAddressed = true
  /** One lookup shared by every worker (and forgotten if it fails). */
  private version: Promise<ServerVersion> | null = null
  private readonly agent: http.Agent
  private readonly albums: ImmichAlbums

  private readonly config: ImmichConfig
  private readonly state: { load(): Record<string, unknown>; save(state: Record<string, unknown>): void }

  constructor(config: ImmichConfig, private readonly options: ImmichOptions) {
    this.config = { ...config, url: immichServerUrl(config.url) } // stored before ".../api" was cleaned on input
    this.concurrency = options.concurrency ?? 3
    const agentOptions = { keepAlive: true, maxSockets: this.concurrency + 2 }
    this.agent = config.url.startsWith('https:') ? new https.Agent(agentOptions) : new http.Agent(agentOptions)
    let memoryState: Record<string, unknown> = {}
    const state = options.state ?? { load: () => memoryState, save: (s: Record<string, unknown>) => void (memoryState = s) }
    this.state = state
    this.albums = new ImmichAlbums((method, path, opts) => this.call(method, path, opts), (res, what) => this.fail(res, what), state)
  }

  private async key(): Promise<string> {
    const key = await this.options.secret()
    if (!key) throw new CradleError('destination-auth', 'no Immich API key stored')
    return key
  }

  private async call(method: string, path: string, opts: { signal?: AbortSignal; json?: unknown; auth?: boolean; headers?: Record<string, string> } = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers }
    if (opts.auth !== false) headers['x-api-key'] = await this.key()
    if (opts.json !== undefined) headers['content-type'] = 'application/json'
    return httpRequest({
      method, url: `${this.config.url}${path}`, headers, agent: this.agent, signal: opts.signal,
      body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
    })
  }

  private fail(res: HttpResponse, what: string): never {
    if (res.status === 403) throw new CradleError('destination-forbidden', `${what}: ${res.text().slice(0, 300)}`, { context: { status: 403, needs: KEY_PERMISSIONS } })
    throw httpError(res.status, `${what}: ${res.text().slice(0, 300)}`, parseRetryAfter(res.header('retry-after'), this.options.clock.now()))
  }

  async check(signal?: AbortSignal): Promise<void> {
    const ping = await this.call('GET', '/api/server/ping', { signal, auth: false })
    if (ping.status === 404) throw new CradleError('destination-config', `no Immich server at ${this.config.url}`)
    if (ping.status !== 200) this.fail(ping, 'ping')
    const me = await this.call('GET', '/api/users/me', { signal })
    if (me.status === 403) await this.checkUploadPermission(signal)
    else if (me.status !== 200) this.fail(me, 'users/me')
    this.version = null
    await this.serverVersion(signal)
  }

  /**
   * users/me needs user.read, which an upload-only key lacks: the key is known (not 401), so ask
   * the upload endpoint itself with an empty body. Immich checks the permission (guard) before it
   * reads the form, so asset.upload answers 400 (nothing stored) and its absence 403.
   */
  private async checkUploadPermission(signal?: AbortSignal): Promise<void> {
    const probe = await this.call('POST', '/api/assets', { signal, json: {} })
    if (probe.status === 401 || probe.status === 403) this.fail(probe, 'upload')
    if (probe.status !== 400 && probe.status !== 422) this.fail(probe, 'upload permission probe')
    this.options.log.info('this Immich API key cannot read the user (user.read); uploads need only asset.upload, which it has')
  }

  private serverVersion(signal?: AbortSignal): Promise<ServerVersion> {
    if (!this.version) {
      this.version = this.fetchVersion(signal)
      this.version.catch(() => (this.version = null))
    }
    return this.version
  }

  private async fetchVersion(signal?: AbortSignal): Promise<ServerVersion> {
    const res = await this.call('GET', '/api/server/version', { signal })
    if (res.status !== 200) this.fail(res, 'server/version')
    const v = res.json<Partial<ServerVersion>>()
    if (typeof v.major !== 'number') throw new CradleError('destination-config', 'server/version answered without a major version')
    this.options.log.info('immich server', { version: `${v.major}.${v.minor}.${v.patch}` })
    return { major: v.major, minor: v.minor ?? 0, patch: v.patch ?? 0 }
  }

  /**
   * The user's quota (GET /api/users/me: quotaSizeInBytes, null = none; quotaUsageInBytes; needs
   * user.read) and the server's disk (GET /api/server/storage: diskAvailableRaw, diskSizeRaw,
   * diskUseRaw; needs server.storage). With a quota it is what limits uploads (its free part capped
   * by the disk's, when that is known); without one, the disk. A permission the key lacks leaves
   * that half out; with neither, it says which permission would show it.
   */
  async space(signal: AbortSignal): Promise<SpaceReport> {
    const me = await this.call('GET', '/api/users/me', { signal })
    if (me.status !== 200 && me.status !== 403) this.fail(me, 'users/me')
    const user = me.status === 200 ? me.json<{ quotaSizeInBytes?: unknown; quotaUsageInBytes?: unknown }>() : null
    const storage = await this.call('GET', '/api/server/storage', { signal })
    if (storage.status !== 200 && storage.status !== 403) this.fail(storage, 'server/storage')
    const disk = storage.status === 200 ? storage.json<{ diskAvailableRaw?: unknown; diskSizeRaw?: unknown; diskUseRaw?: unknown }>() : null
    const diskFree = typeof disk?.diskAvailableRaw === 'number' ? disk.diskAvailableRaw : null
    const quota = typeof user?.quotaSizeInBytes === 'number' ? user.quotaSizeInBytes : null
    if (quota !== null) {
      const used = typeof user?.quotaUsageInBytes === 'number' ? user.quotaUsageInBytes : 0
      const left = Math.max(0, quota - used)
      return { measure: 'quota', freeBytes: diskFree !== null ? Math.min(left, diskFree) : left, totalBytes: quota, usedBytes: used, note: null }
    }
    if (diskFree !== null) {
      const size = typeof disk?.diskSizeRaw === 'number' ? disk.diskSizeRaw : null
      const used = typeof disk?.diskUseRaw === 'number' ? disk.diskUseRaw : null
      return { measure: 'disk', freeBytes: diskFree, totalBytes: size, usedBytes: used, note: null }
    }
    if (user) return notReported("No quota set; the server's free space needs the API key's server.storage permission")
    return notReported('Space needs the API key\'s user.read or server.storage permission')
  }

  /** bulk-upload-check: which of these the server has (by SHA-1), before any byte is sent. */
  async has(items: readonly UploadItem[], signal: AbortSignal): Promise<Map<number, string>> {
    const found = new Map<number, string>()
    // Before Immich 1.139.4 (PR #21470) bulk-upload-check needs the `all` permission; without it
    // each upload's x-immich-checksum header still finds what the server has. Remembered per
    // server version, so an upgraded server is asked again.
    const version = await this.serverVersion(signal)
    const versionText = `${version.major}.${version.minor}.${version.patch}`
    if (this.state.load().bulkCheckForbidden === versionText) return found
    for (let i = 0; i < items.length; i += 5_000) {
      const batch = items.slice(i, i + 5_000)
      const res = await this.call('POST', '/api/assets/bulk-upload-check', { signal, json: { assets: batch.map((it) => ({ id: String(it.assetId), checksum: it.sha1 })) } })
      if (res.status === 403) {
        this.options.log.info('this Immich API key may not use bulk-upload-check (Immich before 1.139.4 needs the "all" permission); duplicates are found by the checksum header on upload instead', { version: versionText })
        this.state.save({ ...this.state.load(), bulkCheckForbidden: versionText })
        return found
      }
      if (res.status !== 200) this.fail(res, 'bulk-upload-check')
      const results = res.json<{ results?: BulkCheckResult[] }>().results ?? []
      for (const r of results) {
        if (r.action !== 'reject' || r.reason !== 'duplicate' || !r.assetId) continue
        // A trashed copy still counts: the user put it in Immich's trash, we do not re-add it.
        if (r.isTrashed) this.options.log.info('already in Immich trash; not uploading again', { assetId: r.id })
        found.set(Number(r.id), r.assetId)
      }
    }
    return found
  }

  async upload(item: UploadItem, ctx: UploadContext): Promise<UploadResult> {
    // Immich answers 400 for any other extension (.AAE, .PLIST…): not sent, not a failure.
    if (!immichTakes(item.fileName)) throw unsupported(item.fileName)
    const version = await this.serverVersion(ctx.signal)
    const when = isoWithOffset(takenAt(item), item.captureOffsetMinutes)
    const fields: [string, string][] = [
      ['fileCreatedAt', when],
      ['fileModifiedAt', when],
      ['filename', item.fileName],
    ]
    // v3 removed these (PR #27818); v1/v2 require them.
    if (version.major < 3) fields.push(['deviceAssetId', `cradle-${item.sha1}`], ['deviceId', 'cradle'])
    const isMotion = item.role === 'motion' || item.role === 'edited-motion'
    if (isMotion && (version.major >= 2 || version.minor >= 133)) fields.push(['visibility', 'hidden'])
    // An earlier attempt sent bytes and then lost its answer: Immich may hold the asset now. Ask
    // first with the checksum header alone, or a large file meets the early "duplicate" answer
    // mid-body and the connection reset hides it, attempt after attempt.
    if (isSentBefore(ctx.session)) {
      const known = await this.duplicateByChecksum(item, ctx.signal)
      if (known) return { remoteRef: known, deduped: true, verified: true }
    }
    ctx.saveSession({ sent: true } satisfies SentMarker)
    const motion = item.role === 'original' || item.role === 'edited' ? ctx.groupRef(item.role === 'original' ? 'motion' : 'edited-motion') : null
    let res = await this.send(item, ctx, motion ? [...fields, ['livePhotoVideoId', motion]] : fields)
    // Immich links only the user's own video (utils/asset.util.ts onBeforeLink: "Live photo video
    // not found", "… must be a video", "… does not belong to the user"). The video may have been
    // deleted in Immich since it went up: the still is sent again unlinked rather than failing.
    if (motion && res.status === 400 && /live photo video/i.test(res.text())) {
      ctx.log.warn('Immich refused to link the Live Photo video; sending the still without it', { video: motion, file: item.fileName, answer: res.text().slice(0, 200) })
      res = await this.send(item, ctx, fields)
    }
    // Immich refuses an upload over the user's storage quota with 400 "Quota has been exceeded!"
    // (asset-media.service requireQuota): full, not a bad file.
    if (res.status === 400 && /quota has been exceeded/i.test(res.text())) throw new CradleError('destination-full', `upload: ${res.text().slice(0, 300)}`, { context: { status: 400 } })
    // A server whose lists lack an extension Cradle thinks it takes (an older Immich).
    if (res.status === 400 && /unsupported file type/i.test(res.text())) throw unsupported(item.fileName)
    if (res.status !== 200 && res.status !== 201) this.fail(res, 'upload')
    let answer: { id?: string; status?: string }
    try {
      answer = res.json()
    } catch {
      throw new CradleError('destination-unreachable', `upload answered ${res.status} without JSON`)
    }
    if (!answer.id) throw new CradleError('destination-unreachable', 'upload answered without an asset id')
    // A duplicate was matched by Immich's own SHA-1 of what it holds: that is the proof.
    if (answer.status === 'duplicate') return { remoteRef: answer.id, deduped: true, verified: true }
    const stored = await this.storedChecksum(answer.id, ctx.signal)
    if (stored === 'gone') throw new CradleError('destination-unreachable', `upload answered with asset ${answer.id}, which Immich does not have; retrying`)
    if (stored === 'unreadable') return { remoteRef: answer.id, deduped: false, verified: false }
    if (stored !== sha1Base64(item)) await this.trashDamaged(answer.id, item, ctx)
    return { remoteRef: answer.id, deduped: false, verified: true }
  }

  /**
   * POST /api/assets with x-immich-checksum and no file: Immich's upload interceptor answers
   * "200 duplicate" from the header before it reads a body (needs only asset.upload, unlike
   * bulk-upload-check on older servers); a file it does not have fails validation (400).
   */
  private async duplicateByChecksum(item: UploadItem, signal: AbortSignal): Promise<string | null> {
    const res = await this.call('POST', '/api/assets', { signal, json: {}, headers: { 'x-immich-checksum': item.sha1 } })
    if (res.status === 400 || res.status === 422) return null
    if (res.status !== 200 && res.status !== 201) this.fail(res, 'duplicate check')
    const answer = res.json<{ id?: string; status?: string }>()
    return answer.status === 'duplicate' && answer.id ? answer.id : null
  }

  private async send(item: UploadItem, ctx: UploadContext, fields: readonly (readonly [string, string])[]): Promise<HttpResponse> {
    const body = buildMultipart(fields, { field: 'assetData', fileName: item.fileName, contentType: item.mime, size: item.size, open: () => ctx.open() })
    return httpRequest({
      method: 'POST',
      url: `${this.config.url}/api/assets`,
      agent: this.agent,
      signal: ctx.signal,
      onActivity: ctx.touch,
      headers: {
        'x-api-key': await this.key(),
        'x-immich-checksum': item.sha1,
        'content-type': body.contentType,
        'content-length': body.length,
        accept: 'application/json',
      },
      body: body.body,
    })
  }

  /** Immich's SHA-1 (base64) of an asset; 'unreadable' when the key lacks asset.read. */
  private async storedChecksum(id: string, signal: AbortSignal): Promise<string | 'gone' | 'unreadable'> {
    const res = await this.call('GET', `/api/assets/${encodeURIComponent(id)}`, { signal })
    if (res.status === 404 || res.status === 400) return 'gone'
    if (res.status === 403) return 'unreadable'
    if (res.status !== 200) this.fail(res, `reading back asset ${id}`)
    let body: { checksum?: unknown }
    try {
      body = res.json()
    } catch {
      throw new CradleError('destination-unreachable', `reading back asset ${id} answered 200 without JSON`)
    }
    return typeof body.checksum === 'string' ? body.checksum : 'unreadable'
  }

  /** Immich stored other bytes than we sent: to the trash with it (kept there, restorable), then retry. */
  private async trashDamaged(id: string, item: UploadItem, ctx: UploadContext): Promise<never> {
    ctx.log.warn('Immich stored damaged bytes; moving that asset to the trash and sending again', { id, file: item.fileName })
    const res = await this.call('DELETE', '/api/assets', { signal: ctx.signal, json: { ids: [id], force: false } })
    if (res.status === 403) {
      throw new CradleError('destination-rejected', `Immich stored a damaged copy of ${item.fileName} (asset ${id}) and this API key may not delete it (asset.delete): delete it in Immich, then retry`)
    }
    if (res.status !== 204 && res.status !== 200) this.fail(res, `trashing damaged asset ${id}`)
    throw new CradleError('destination-unreachable', `${item.fileName} arrived damaged at Immich (asset ${id}, now in its trash); sending again`)
  }

  /**
   * The phone's albums, favorite and hidden state on the Immich asset (immich-albums.ts). A Live
   * Photo's video is hidden under its still in Immich, so only stills and edits carry them.
   */
  async applyMetadata(item: UploadItem, remoteRef: string, meta: PhotoMetadata, ctx: MetadataContext): Promise<void> {
    if (item.role !== 'original' && item.role !== 'edited') return
    await this.albums.apply(remoteRef, meta, ctx.previous, ctx.signal)
    if (meta.hidden !== (ctx.previous?.hidden ?? false)) await this.setHidden(remoteRef, meta.hidden, ctx.signal)
  }

  /**
   * Hidden on the phone → Immich's `archive` visibility, shown again → `timeline`: PUT /api/assets
   * { ids, visibility } (asset.update; AssetVisibility since Immich 1.133, which replaced isArchived).
   * Not Immich's `hidden`: that is what it gives Live Photo videos, and a photo with it shows in no
   * view at all, nor can Immich's interface show it again; on the phone a hidden photo stays in its
   * Hidden album. Archived, it leaves the timeline and stays in Archive, albums and search. (Immich's
   * `locked` folder would match best, but an API key cannot move a photo there.)
   * An older server drops the unknown field without a word (its validation strips it), so it is
   * refused here by version rather than counted as done.
   */
  private async setHidden(assetId: string, hidden: boolean, signal: AbortSignal): Promise<void> {
    const v = await this.serverVersion(signal)
    if (v.major < 2 && v.minor < 133) {
      throw new CradleError('destination-rejected', `Immich ${v.major}.${v.minor}.${v.patch} cannot hide a photo (asset visibility needs Immich 1.133 or later); update Immich to keep the phone's hidden photos hidden there`)
    }
    const res = await this.call('PUT', '/api/assets', { signal, json: { ids: [assetId], visibility: hidden ? 'archive' : 'timeline' } })
    if (res.status !== 204 && res.status !== 200) this.fail(res, hidden ? 'hiding the asset' : 'showing the asset again')
  }

  /** GET /api/assets/{id}: Immich's own SHA-1 of what it stored (its `checksum`, base64). Needs asset.read. */
  async verify(item: UploadItem, remoteRef: string, signal: AbortSignal): Promise<RemoteCheck> {
    const res = await this.call('GET', `/api/assets/${encodeURIComponent(remoteRef)}`, { signal })
    // Immich answers 400 for an id that is gone (or not this user's).
    if (res.status === 404 || res.status === 400) return { state: 'missing', means: 'checksum' }
    if (res.status !== 200) this.fail(res, `checking asset ${remoteRef}`)
    const body = JSON.parse(res.text()) as { checksum?: string; isTrashed?: boolean }
    if (body.isTrashed) return { state: 'missing', means: 'checksum', detail: 'in the trash' }
    if (!body.checksum) return { state: 'ok', means: 'size' }
    return { state: body.checksum === sha1Base64(item) ? 'ok' : 'corrupt', means: 'checksum' }
  }

  async close(): Promise<void> {
    this.agent.destroy()
  }
}

/** What a key needs, said wherever Immich answers 403 (the form's hint says the same). */
export const KEY_PERMISSIONS = 'asset.upload (and album.read, album.create, album.update, albumAsset.create, asset.update for albums, favorites and hidden photos)'

/** Saved before a body is sent: the next attempt knows the server may already hold the file. */
interface SentMarker {
  sent: true
}

function isSentBefore(session: unknown): boolean {
  return typeof session === 'object' && session !== null && (session as Partial<SentMarker>).sent === true
}

function unsupported(fileName: string): CradleError {
  return new CradleError('destination-unsupported', `Immich does not take ${fileName}: not an image or video type it knows`)
}

/** Immich keeps SHA-1 as base64. */
function sha1Base64(item: UploadItem): string {
  return Buffer.from(item.sha1, 'hex').toString('base64')
}
