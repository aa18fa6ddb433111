/**
 * Google Photos Library API (destinations.md §2). Bytes first (raw for photos, resumable for
 * videos and large files, the session URL saved so an interruption resumes from the offset the
 * server reports), then the upload token is saved and handed to the serial batchCreate queue.
 * The appendonly scope cannot look anything up, so the queue row is the ledger: a row is done
 * only with its media item id, and a saved token is created again rather than uploaded again.
 * Every Library API request counts against the daily budget (google-quota.ts).
 * Albums: since the 2025 API changes an app may add only media it created to albums it created
 * (appendonly scope), so each phone album becomes an album Cradle creates, filled with what
 * Cradle uploaded; album ids are kept in the destination's state. Removing from an album needs a
 * wider scope, and favorites and hidden cannot be set through the API at all: not applied.
 */
import http from 'node:http'
import https from 'node:https'
import type { GooglePhotosConfig } from '../../../shared/destination-config.js'
import { CradleError } from '../../../shared/errors.js'
import { notReported, type SpaceReport } from '../../../shared/space-text.js'
import type { Clock } from '../../engine/ports.js'
import type { Logger } from '../../logging/logger.js'
import type { PhotoMetadata } from '../../photos/photo-metadata.js'
import type { Destination, MetadataContext, UploadContext, UploadItem, UploadResult } from '../destination.js'
import { httpRequest, type HttpRequest, type HttpResponse } from '../http-request.js'
import { httpError, parseRetryAfter } from '../upload-errors.js'
import { AlbumAdder, MAX_ALBUM_BATCH } from './album-adder.js'
import { BatchCreator, type BatchEntry, type CreateResult } from './batch-creator.js'
import { disabledApiProject } from './google-errors.js'
import { GoogleOAuth, type OAuthEndpoints } from './google-oauth.js'
import { DailyQuota, DEFAULT_DAILY_LIMIT, type QuotaState } from './google-quota.js'

export interface GoogleEndpoints extends OAuthEndpoints {
  apiBase: string
}

export const GOOGLE_ENDPOINTS: GoogleEndpoints = {
  authUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
  apiBase: 'https://photoslibrary.googleapis.com',
}

export interface GoogleOptions extends Partial<GoogleEndpoints> {
  /** The OAuth client secret (a desktop client's is not confidential, but Google asks for it). */
  secret: () => Promise<string | undefined>
  refreshToken?: { get(): Promise<string | undefined>; set(token: string): Promise<void> }
  state?: { load(): Record<string, unknown>; save(state: Record<string, unknown>): void }
  clock: Clock
  log: Logger
  concurrency?: number
  dailyLimit?: number
  batchDelayMs?: number
  /** How long album adds wait for others to share their call (default 100 ms). */
  albumDelayMs?: number
  /** Resumable chunk size (rounded to the server's granularity; default 32 MiB). */
  chunkSize?: number
  /** Longest a batchCreate may take (default 60 s). */
  timeoutMs?: number
}

const MiB = 1024 * 1024
/** Upload tokens are valid for one day; keep a margin. */
const TOKEN_TTL_MS = 23 * 3600_000
const PHOTO_MAX = 200 * 1000 * 1000
const VIDEO_MAX = 20 * 1000 * 1000 * 1000

interface TokenSession { kind: 'google-token'; token: string; at: number; createSent: boolean }
interface ResumableSession { kind: 'google-resumable'; url: string; granularity: number; at: number }

export class GooglePhotosDestination implements Destination {
  /** The Library API returns neither size nor checksum of a media item, and can read back only a re-encoded copy. */
  readonly verifyNote = 'Google Photos cannot be checked: its API gives no size or checksum of what it stored'
  readonly kind = 'google-photos' as const
  readonly concurrency: number
  readonly skipRoles: readonly ('sidecar' | 'motion' | 'edited-motion')[]
  private readonly endpoints: GoogleEndpoints
  private readonly oauth: GoogleOAuth
  private readonly dailyQuota: DailyQuota
  private readonly batcher: BatchCreator
  private readonly agent: http.Agent
  private readonly state: { load(): Record<string, unknown>; save(state: Record<string, unknown>): void }
  /** Album creations in flight by title, so two workers never create one album twice. */
  private readonly creatingAlbums = new Map<string, Promise<string>>()
  private readonly albumAdder: AlbumAdder
  /** Album adds are batched (album-adder.ts): the runner's metadata pass applies this many copies at once. */
  readonly metadataBatch = MAX_ALBUM_BATCH

  constructor(config: GooglePhotosConfig, private readonly o: GoogleOptions) {
    this.concurrency = o.concurrency ?? 3
    this.skipRoles = config.uploadLivePhotoVideo ? ['sidecar'] : ['sidecar', 'motion', 'edited-motion']
    this.endpoints = {
      authUrl: o.authUrl ?? GOOGLE_ENDPOINTS.authUrl,
      tokenUrl: o.tokenUrl ?? GOOGLE_ENDPOINTS.tokenUrl,
      apiBase: (o.apiBase ?? GOOGLE_ENDPOINTS.apiBase).replace(/\/+$/, ''),
    }
    let memoryState: Record<string, unknown> = {}
    const state = o.state ?? { load: () => memoryState, save: (s: Record<string, unknown>) => void (memoryState = s) }
    this.state = state
    let memoryToken: string | undefined
    this.oauth = new GoogleOAuth({
      clientId: config.clientId,
      clientSecret: o.secret,
      refreshToken: o.refreshToken ?? { get: async () => memoryToken, set: async (t) => void (memoryToken = t) },
      signedInAt: {
        get: () => (typeof state.load().signedInAt === 'number' ? (state.load().signedInAt as number) : undefined),
        set: (at) => state.save({ ...state.load(), signedInAt: at }),
      },
      now: () => o.clock.now(),
    }, this.endpoints)
    this.albumAdder = new AlbumAdder(
      (albumId, mediaItemIds) => this.sendAlbumAdd(albumId, mediaItemIds),
      o.albumDelayMs ?? 100,
      (error) => error instanceof CradleError && error.context.status === 400,
    )
    this.dailyQuota = new DailyQuota(o.dailyLimit ?? DEFAULT_DAILY_LIMIT, () => o.clock.now(), {
      load: () => (state.load().quota ?? {}) as Partial<QuotaState>,
      save: (q) => state.save({ ...state.load(), quota: q }),
    })
    this.batcher = new BatchCreator((entries) => this.batchCreate(entries), o.batchDelayMs ?? 1_000)
    this.agent = this.endpoints.apiBase.startsWith('https:') ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true })
  }

  signIn(): Promise<{ url: string; completion: Promise<void> }> {
    return this.oauth.signIn()
  }

  /**
   * A fresh access token, then one real Library API call that creates nothing: a batchCreate of no
   * items. The appendonly scope may list nothing (albums.list needs readonly.appcreateddata), and
   * this call is one it may make. Once a request reaches the API, Google turns an empty list down
   * as 400 INVALID_ARGUMENT; a project with the API off is stopped before that with 403
   * SERVICE_DISABLED, which is what the first upload would otherwise meet. One request of the day.
   */
  /** The Library API reports no storage (the account's storage is only in Google's own apps). */
  async space(): Promise<SpaceReport> {
    return notReported("Google Photos doesn't report space to other apps")
  }

  async check(signal?: AbortSignal): Promise<void> {
    await this.oauth.accessToken(signal, true)
    const res = await this.api({
      method: 'POST',
      url: `${this.endpoints.apiBase}/v1/mediaItems:batchCreate`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ newMediaItems: [] }),
      signal: signal ?? AbortSignal.timeout(this.o.timeoutMs ?? 60_000),
    }, true)
    if (res.status === 200) return
    if (res.status === 400 && /INVALID_ARGUMENT/.test(res.text())) return
    this.fail(res, 'test call')
  }

  quota(): { used: number; limit: number; resetsAt: number } {
    return this.dailyQuota.view()
  }

  /** One Library API request: counted, authorised, 401 renewed once (JSON bodies), 429 mapped. */
  private async api(req: HttpRequest, resendable: boolean): Promise<HttpResponse> {
    const token = await this.oauth.accessToken(req.signal)
    this.dailyQuota.take()
    const res = await httpRequest({ ...req, agent: this.agent, headers: { ...req.headers, authorization: `Bearer ${token}` } })
    if (res.status === 401) {
      this.oauth.invalidate()
      // Renewing throws destination-auth ("sign in again") when the refresh token is dead.
      await this.oauth.accessToken(req.signal, true)
      if (resendable) return this.api(req, false)
      throw new CradleError('destination-unreachable', 'access token expired during an upload; retrying')
    }
    if (res.status === 429 && /per day|daily/i.test(res.text())) throw this.dailyQuota.markExhausted()
    return res
  }

  private fail(res: HttpResponse, what: string): never {
    const project = disabledApiProject(res.status, res.text())
    if (project !== null) {
      throw new CradleError('destination-config', `${what}: Photos Library API disabled in project ${project || '(not named)'}`, {
        context: { status: res.status, googleApi: 'disabled', ...(project ? { googleProject: project } : {}) },
      })
    }
    throw httpError(res.status, `${what}: ${res.text().slice(0, 300)}`, parseRetryAfter(res.header('retry-after'), this.o.clock.now()))
  }

  async upload(item: UploadItem, ctx: UploadContext): Promise<UploadResult> {
    const isVideo = item.mime.startsWith('video/')
    if (item.size > (isVideo ? VIDEO_MAX : PHOTO_MAX)) throw new CradleError('destination-rejected', `${item.fileName} is larger than Google Photos accepts`)
    const now = this.o.clock.now()
    const saved = ctx.session as Partial<TokenSession> | null
    let session: TokenSession
    if (saved?.kind === 'google-token' && typeof saved.token === 'string' && now - (saved.at ?? 0) < TOKEN_TTL_MS) {
      session = saved as TokenSession
      ctx.log.info('creating from a saved upload token', { createSent: session.createSent })
    } else {
      const token = isVideo || item.size > 50 * MiB ? await this.resumable(item, ctx) : await this.raw(item, ctx)
      session = { kind: 'google-token', token, at: this.o.clock.now(), createSent: false }
      ctx.saveSession(session)
    }
    const sentBefore = session.createSent
    ctx.saveSession({ ...session, createSent: true })
    try {
      const id = await this.batcher.create({ token: session.token, fileName: item.fileName }, ctx.signal)
      // Google gives back no size or checksum of what it stored: a body damaged on the way stays unseen.
      return { remoteRef: id, deduped: false, verified: false }
    } catch (error) {
      if (error instanceof CradleError && error.code === 'destination-rejected') {
        ctx.saveSession(null)
        if (sentBefore) {
          // An earlier create may have worked before its answer was lost: never create twice.
          throw new CradleError('destination-rejected', `${error.message} (an interrupted earlier attempt may have added it; check Google Photos before retrying)`, { cause: error })
        }
      }
      throw error
    }
  }

  private async raw(item: UploadItem, ctx: UploadContext): Promise<string> {
    const res = await this.api({
      method: 'POST',
      url: `${this.endpoints.apiBase}/v1/uploads`,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': item.size,
        'x-goog-upload-content-type': item.mime,
        'x-goog-upload-protocol': 'raw',
        'x-goog-upload-file-name': encodeURIComponent(item.fileName),
      },
      body: ctx.open(),
      signal: ctx.signal,
      onActivity: ctx.touch,
    }, false)
    if (res.status !== 200) this.fail(res, 'upload')
    const token = res.text().trim()
    if (!token) throw new CradleError('destination-unreachable', 'upload answered without a token')
    return token
  }

  /** Resumable protocol: start (or query a saved session), then chunks; the last one finalizes. */
  private async resumable(item: UploadItem, ctx: UploadContext): Promise<string> {
    let offset = 0
    let s = ctx.session as Partial<ResumableSession> | null
    if (s?.kind === 'google-resumable' && typeof s.url === 'string' && this.o.clock.now() - (s.at ?? 0) < TOKEN_TTL_MS) {
      const q = await this.api({ method: 'POST', url: s.url, headers: { 'x-goog-upload-command': 'query' }, signal: ctx.signal }, true)
      if (q.status === 200 && q.header('x-goog-upload-status') === 'active') {
        offset = Number(q.header('x-goog-upload-size-received') ?? 0)
        ctx.log.info('resuming upload', { offset })
      } else s = null
    } else s = null
    let session: ResumableSession
    if (s) session = s as ResumableSession
    else {
      const res = await this.api({
        method: 'POST',
        url: `${this.endpoints.apiBase}/v1/uploads`,
        headers: {
          'x-goog-upload-command': 'start',
          'x-goog-upload-content-type': item.mime,
          'x-goog-upload-protocol': 'resumable',
          'x-goog-upload-raw-size': item.size,
          'x-goog-upload-file-name': encodeURIComponent(item.fileName),
        },
        signal: ctx.signal,
      }, true)
      const url = res.header('x-goog-upload-url')
      if (res.status !== 200 || !url) this.fail(res, 'start resumable upload')
      session = { kind: 'google-resumable', url, granularity: Number(res.header('x-goog-upload-chunk-granularity')) || 262_144, at: this.o.clock.now() }
      ctx.saveSession(session)
    }
    const g = session.granularity
    const chunk = Math.max(g, Math.floor((this.o.chunkSize ?? 32 * MiB) / g) * g)
    for (;;) {
      const end = Math.min(item.size, offset + chunk)
      const last = end === item.size
      const res = await this.api({
        method: 'POST',
        url: session.url,
        headers: { 'x-goog-upload-command': last ? 'upload, finalize' : 'upload', 'x-goog-upload-offset': offset, 'content-length': end - offset },
        body: ctx.open(offset, end),
        signal: ctx.signal,
        onActivity: ctx.touch,
      }, false)
      if (res.status !== 200) this.fail(res, 'upload chunk')
      if (last) {
        const token = res.text().trim()
        if (!token) throw new CradleError('destination-unreachable', 'finalize answered without a token')
        return token
      }
      offset = end
    }
  }

  /** Adds the media item to a Cradle-made album per phone album it joined since last time. */
  async applyMetadata(_item: UploadItem, remoteRef: string, meta: PhotoMetadata, ctx: MetadataContext): Promise<void> {
    const before = new Set(ctx.previous?.albums ?? [])
    for (const title of meta.albums) {
      if (before.has(title)) continue
      for (let attempt = 0; ; attempt++) {
        const albumId = await this.albumFor(title, ctx.signal)
        try {
          await this.albumAdder.add(albumId, remoteRef, ctx.signal)
          break
        } catch (error) {
          // An album the user deleted in Google Photos: make it again, once.
          const gone = error instanceof CradleError && (error.context.status === 404 || (error.context.status === 400 && /invalid album id/i.test(error.message)))
          if (!gone || attempt > 0) throw error
          this.rememberAlbum(title, null)
        }
      }
    }
  }

  private async sendAlbumAdd(albumId: string, mediaItemIds: string[]): Promise<void> {
    const res = await this.api({
      method: 'POST',
      url: `${this.endpoints.apiBase}/v1/albums/${encodeURIComponent(albumId)}:batchAddMediaItems`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mediaItemIds }),
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 60_000),
    }, true)
    if (res.status !== 200) this.fail(res, 'adding to an album')
  }

  private albumIds(): Record<string, string> {
    const saved = this.state.load().albums
    return saved && typeof saved === 'object' ? (saved as Record<string, string>) : {}
  }

  private rememberAlbum(title: string, id: string | null): void {
    const albums = { ...this.albumIds() }
    if (id) albums[title] = id
    else delete albums[title]
    this.state.save({ ...this.state.load(), albums })
  }

  private async albumFor(title: string, signal: AbortSignal): Promise<string> {
    const known = this.albumIds()[title]
    if (typeof known === 'string') return known
    let pending = this.creatingAlbums.get(title)
    if (!pending) {
      pending = (async () => {
        const res = await this.api({
          method: 'POST',
          url: `${this.endpoints.apiBase}/v1/albums`,
          headers: { 'content-type': 'application/json' },
          // Google limits titles to 500 characters.
          body: JSON.stringify({ album: { title: [...title].slice(0, 500).join('') } }),
          signal,
        }, true)
        if (res.status !== 200) this.fail(res, `creating album "${title}"`)
        const id = res.json<{ id?: string }>().id
        if (!id) throw new CradleError('destination-unreachable', `creating album "${title}": no id in the answer`)
        this.rememberAlbum(title, id)
        return id
      })()
      this.creatingAlbums.set(title, pending)
      void pending.finally(() => this.creatingAlbums.delete(title)).catch(() => undefined)
    }
    return pending
  }

  private async batchCreate(entries: BatchEntry[]): Promise<CreateResult[]> {
    const res = await this.api({
      method: 'POST',
      url: `${this.endpoints.apiBase}/v1/mediaItems:batchCreate`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ newMediaItems: entries.map((e) => ({ simpleMediaItem: { uploadToken: e.token, fileName: e.fileName } })) }),
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 60_000),
    }, true)
    if (res.status !== 200 && res.status !== 207) this.fail(res, 'batchCreate')
    try {
      return res.json<{ newMediaItemResults?: CreateResult[] }>().newMediaItemResults ?? []
    } catch {
      // Google may have created the items: the retry re-sends the same tokens, which Google
      // refuses if they were used, and the item then fails asking the user to look (upload()).
      throw new CradleError('destination-unreachable', `batchCreate answered ${res.status} with a body that is not JSON`)
    }
  }

  async close(): Promise<void> {
    this.agent.destroy()
  }
}
