/**
 * A fake Google OAuth + Photos Library API server, written from Google's published docs
 * (developers.google.com/photos/library/guides/upload-media, resumable-uploads,
 * reference/rest/v1/mediaItems/batchCreate, api-limits-quotas; developers.google.com/identity
 * OAuth 2.0 for desktop apps with PKCE; summarised in destinations.md §2), because nothing here
 * can run Google Photos. In memory. Strict where Google is:
 *   - /auth checks client_id, a loopback redirect_uri, the appendonly scope, S256 PKCE,
 *     access_type=offline, then "consents" by redirecting with a code and the state;
 *   - /token requires the client secret, as Google does for "Desktop app" clients even with PKCE
 *     (400 invalid_request "client_secret is missing.", as reported in
 *     googleapis/google-api-dotnet-client#1827; a wrong one 401 invalid_client), and checks
 *     the PKCE verifier, the redirect_uri and single use of the code; refresh tokens can be revoked
 *     (invalid_grant), and with `refreshTokenLifetimeMs` they die of age as those of an External app
 *     in Testing do after 7 days (support.google.com/cloud/answer/15549945); access tokens can be
 *     expired (401 UNAUTHENTICATED);
 *   - the Photos Library API can be disabled in the client's project (`disableApi`): every /v1
 *     request then answers 403 PERMISSION_DENIED with reason SERVICE_DISABLED, shaped as Google
 *     sends it (google.rpc ErrorInfo + Help, as users report it, e.g. hermanho/MMM-GooglePhotos#204);
 *   - /v1/uploads raw and resumable (start / upload / upload, finalize / query; offsets must
 *     match, non-final chunks must be multiples of the granularity);
 *   - batchCreate: 1–50 items or 400 INVALID_ARGUMENT; per item an unknown, used or day-old
 *     token is status code 3; parallel batchCreate calls are counted (Google says: serially);
 *   - a daily request budget across every /v1 request (429 RESOURCE_EXHAUSTED "per day");
 *   - albums (reference/rest/v1/albums/create, albums/batchAddMediaItems; guides/manage-albums):
 *     albums.create needs a title of at most 500 characters; batchAddMediaItems takes 1–50 ids and
 *     fails whole (no partial success); since the 2025 API changes only albums the app created and
 *     media items it created are allowed: another album answers 400 INVALID_ARGUMENT "No permission
 *     to add media items to this album.", another media item "Request contains an invalid media
 *     item id." (the errors apps report from the real service).
 */
import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export const FAKE_CLIENT_ID = 'cradle-test.apps.googleusercontent.com'
/** A Desktop client's secret (Google: not confidential, but required at the token endpoint). */
export const FAKE_CLIENT_SECRET = 'GOCSPX-cradle-test-secret'
/** The Google Cloud project number the fake client belongs to. */
export const FAKE_PROJECT_NUMBER = '410410995939'
const SCOPE = 'https://www.googleapis.com/auth/photoslibrary.appendonly'
const GRANULARITY = 262_144

export interface FakeGoogleItem {
  id: string
  fileName: string
  sha256: string
  size: number
  /** False for media the user put there some other way (not created by this app). */
  appCreated?: boolean
}

export interface FakeGoogleAlbum {
  id: string
  title: string
  /** False for an album the user made in Google Photos: the API may not add to it. */
  appCreated: boolean
  mediaItemIds: string[]
}

export interface FakeGoogleOptions {
  dailyLimit?: number
  accessTtlSeconds?: number
  now?: () => number
  /** File names whose batchCreate item fails with status code 3 (an unsupported file). */
  rejectFileNames?: Set<string>
  /** Refresh tokens die this long after consent (an External app in Testing: 7 days). */
  refreshTokenLifetimeMs?: number
}

export interface FakeGoogle {
  url: string
  items: Map<string, FakeGoogleItem>
  albums: Map<string, FakeGoogleAlbum>
  /** An album the user made in the Google Photos app (not app-created). */
  seedUserAlbum(title: string): string
  /** A media item the user uploaded with the Google Photos app (not app-created). */
  seedUserItem(fileName: string): string
  requests: { method: string; path: string; status: number }[]
  /** X-Goog-Upload-File-Name of every byte upload begun (raw, or resumable start): what reached Google. */
  uploadedFileNames: string[]
  batchSizes: number[]
  parallelBatchCreates: number
  unauthorised: number
  expireAccessTokens(): void
  revokeRefreshTokens(): void
  /** The Photos Library API is turned off in the client's project (or was never turned on). */
  disableApi(): void
  enableApi(): void
  close(): Promise<void>
}

export async function startFakeGoogle(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const now = options.now ?? Date.now
  const codes = new Map<string, { challenge: string; redirectUri: string; used: boolean }>()
  const refreshTokens = new Map<string, number>() // token → time of consent
  const accessTokens = new Map<string, number>() // token → expiry
  const uploadTokens = new Map<string, { data: Buffer; fileName: string; at: number; used: boolean }>()
  const sessions = new Map<string, { chunks: Buffer[]; received: number; rawSize: number; fileName: string; final: string | null }>()
  const items = new Map<string, FakeGoogleItem>()
  const albums = new Map<string, FakeGoogleAlbum>()
  const requests: FakeGoogle['requests'] = []
  const uploadedFileNames: string[] = []
  const state = { batchSizes: [] as number[], parallel: 0, inBatch: 0, unauthorised: 0, used: 0, day: '', apiDisabled: false }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const url = new URL(req.url ?? '/', 'http://x')
      const send = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
        requests.push({ method: req.method ?? '', path: url.pathname, status })
        const text = typeof value === 'string' ? value : JSON.stringify(value)
        res.writeHead(status, { 'content-type': typeof value === 'string' ? 'text/plain' : 'application/json', ...headers })
        res.end(text)
      }
      const apiError = (status: number, statusText: string, message: string): void => send(status, { error: { code: status, message, status: statusText } })

      if (req.method === 'GET' && url.pathname === '/auth') {
        const q = url.searchParams
        const redirect = q.get('redirect_uri') ?? ''
        if (q.get('client_id') !== FAKE_CLIENT_ID) return send(400, 'invalid_client')
        if (!/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(redirect)) return send(400, 'redirect_uri must be a loopback address')
        if (!(q.get('scope') ?? '').split(' ').includes(SCOPE)) return send(400, 'invalid_scope')
        if (q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) return send(400, 'PKCE S256 required')
        if (q.get('access_type') !== 'offline' || q.get('response_type') !== 'code') return send(400, 'offline code flow expected')
        const code = randomBytes(8).toString('hex')
        codes.set(code, { challenge: q.get('code_challenge')!, redirectUri: redirect, used: false })
        return send(302, '', { location: `${redirect}?code=${code}&state=${encodeURIComponent(q.get('state') ?? '')}&scope=${encodeURIComponent(SCOPE)}` })
      }

      if (req.method === 'POST' && url.pathname === '/token') {
        const f = new URLSearchParams(body.toString('utf8'))
        if (f.get('client_id') !== FAKE_CLIENT_ID) return send(401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' })
        if (!f.get('client_secret')) return send(400, { error: 'invalid_request', error_description: 'client_secret is missing.' })
        if (f.get('client_secret') !== FAKE_CLIENT_SECRET) return send(401, { error: 'invalid_client', error_description: 'Unauthorized' })
        const issue = (refresh?: string): void => {
          const access = `ya29.${randomBytes(12).toString('hex')}`
          accessTokens.set(access, now() + (options.accessTtlSeconds ?? 3600) * 1000)
          send(200, { access_token: access, expires_in: options.accessTtlSeconds ?? 3600, token_type: 'Bearer', scope: SCOPE, ...(refresh ? { refresh_token: refresh } : {}) })
        }
        if (f.get('grant_type') === 'authorization_code') {
          const c = codes.get(f.get('code') ?? '')
          const verifier = f.get('code_verifier') ?? ''
          if (!c || c.used || c.redirectUri !== f.get('redirect_uri') || createHash('sha256').update(verifier).digest('base64url') !== c.challenge) {
            return send(400, { error: 'invalid_grant', error_description: 'Bad code or verifier' })
          }
          c.used = true
          const refresh = `1//${randomBytes(12).toString('hex')}`
          refreshTokens.set(refresh, now())
          return issue(refresh)
        }
        if (f.get('grant_type') === 'refresh_token') {
          const consentAt = refreshTokens.get(f.get('refresh_token') ?? '')
          const expired = consentAt !== undefined && options.refreshTokenLifetimeMs !== undefined && now() - consentAt >= options.refreshTokenLifetimeMs
          if (consentAt === undefined || expired) return send(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' })
          return issue()
        }
        return send(400, { error: 'unsupported_grant_type' })
      }

      if (!url.pathname.startsWith('/v1/')) return send(404, 'not found')
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
      const expiry = bearer ? accessTokens.get(bearer) : undefined
      if (expiry === undefined || expiry <= now()) {
        state.unauthorised++
        return apiError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.')
      }
      if (state.apiDisabled) {
        const activation = `https://console.developers.google.com/apis/api/photoslibrary.googleapis.com/overview?project=${FAKE_PROJECT_NUMBER}`
        const message = `Photos Library API has not been used in project ${FAKE_PROJECT_NUMBER} before or it is disabled. Enable it by visiting ${activation} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`
        return send(403, {
          error: {
            code: 403, message, status: 'PERMISSION_DENIED',
            details: [
              {
                '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', domain: 'googleapis.com',
                metadata: { service: 'photoslibrary.googleapis.com', serviceTitle: 'Photos Library API', activationUrl: activation, consumer: `projects/${FAKE_PROJECT_NUMBER}`, containerInfo: FAKE_PROJECT_NUMBER },
              },
              { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message },
              { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Google developers console API activation', url: activation }] },
            ],
          },
        })
      }
      const day = new Date(now()).toISOString().slice(0, 10)
      if (day !== state.day) {
        state.day = day
        state.used = 0
      }
      if (++state.used > (options.dailyLimit ?? Infinity)) {
        return apiError(429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'All requests' and limit 'All requests per day' of service 'photoslibrary.googleapis.com'")
      }
      const h = (name: string): string => String(req.headers[name] ?? '')
      const newToken = (data: Buffer, fileName: string): string => {
        const token = `CAIS${randomBytes(16).toString('hex')}`
        uploadTokens.set(token, { data, fileName, at: now(), used: false })
        return token
      }

      if (req.method === 'POST' && url.pathname === '/v1/uploads') {
        const fileName = decodeURIComponent(h('x-goog-upload-file-name'))
        uploadedFileNames.push(fileName)
        if (h('x-goog-upload-protocol') === 'raw') {
          if (h('content-type') !== 'application/octet-stream') return apiError(400, 'INVALID_ARGUMENT', 'Content-Type must be application/octet-stream')
          return send(200, newToken(body, fileName))
        }
        if (h('x-goog-upload-protocol') === 'resumable' && h('x-goog-upload-command') === 'start') {
          const rawSize = Number(h('x-goog-upload-raw-size'))
          if (!Number.isFinite(rawSize) || rawSize <= 0 || body.length !== 0) return apiError(400, 'INVALID_ARGUMENT', 'start needs X-Goog-Upload-Raw-Size and no body')
          const id = randomBytes(8).toString('hex')
          sessions.set(id, { chunks: [], received: 0, rawSize, fileName, final: null })
          return send(200, '', {
            'x-goog-upload-url': `http://${req.headers.host}/v1/uploads/session/${id}`,
            'x-goog-upload-chunk-granularity': String(GRANULARITY),
            'x-goog-upload-status': 'active',
          })
        }
        return apiError(400, 'INVALID_ARGUMENT', 'X-Goog-Upload-Protocol must be raw or resumable')
      }

      const sessionMatch = /^\/v1\/uploads\/session\/(\w+)$/.exec(url.pathname)
      if (req.method === 'POST' && sessionMatch) {
        const s = sessions.get(sessionMatch[1]!)
        if (!s) return apiError(404, 'NOT_FOUND', 'no such upload session')
        const command = h('x-goog-upload-command')
        if (command === 'query') {
          return send(200, '', { 'x-goog-upload-status': s.final ? 'final' : 'active', 'x-goog-upload-size-received': String(s.received) })
        }
        if (s.final) return apiError(400, 'FAILED_PRECONDITION', 'upload already finalized')
        if (Number(h('x-goog-upload-offset')) !== s.received) return apiError(400, 'INVALID_ARGUMENT', `offset must be ${s.received}`)
        const finalize = command === 'upload, finalize'
        if (command !== 'upload' && !finalize) return apiError(400, 'INVALID_ARGUMENT', 'bad X-Goog-Upload-Command')
        if (!finalize && body.length % GRANULARITY !== 0) return apiError(400, 'INVALID_ARGUMENT', 'chunk is not a multiple of the granularity')
        s.chunks.push(body)
        s.received += body.length
        if (!finalize) return send(200, '', { 'x-goog-upload-status': 'active' })
        if (s.received !== s.rawSize) return apiError(400, 'INVALID_ARGUMENT', 'size differs from X-Goog-Upload-Raw-Size')
        s.final = newToken(Buffer.concat(s.chunks), s.fileName)
        return send(200, s.final, { 'x-goog-upload-status': 'final' })
      }

      if (req.method === 'POST' && url.pathname === '/v1/mediaItems:batchCreate') {
        let parsed: { newMediaItems?: { simpleMediaItem?: { uploadToken?: string; fileName?: string } }[] }
        try {
          parsed = JSON.parse(body.toString('utf8'))
        } catch {
          return apiError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload')
        }
        const list = parsed.newMediaItems ?? []
        if (list.length === 0 || list.length > 50) return apiError(400, 'INVALID_ARGUMENT', 'Request must contain between 1 and 50 newMediaItems')
        state.batchSizes.push(list.length)
        if (state.inBatch > 0) state.parallel++
        state.inBatch++
        const results = list.map((m) => {
          const token = m.simpleMediaItem?.uploadToken ?? ''
          const t = uploadTokens.get(token)
          if (!t || t.used || now() - t.at > 86_400_000) return { uploadToken: token, status: { code: 3, message: 'Failed: There was an error while trying to create this media item.' } }
          const fileName = m.simpleMediaItem?.fileName ?? t.fileName
          if (options.rejectFileNames?.has(fileName)) return { uploadToken: token, status: { code: 3, message: 'Failed: unsupported file' } }
          t.used = true
          const id = `AF1Qip${randomBytes(10).toString('hex')}`
          items.set(id, { id, fileName, sha256: createHash('sha256').update(t.data).digest('hex'), size: t.data.length })
          return { uploadToken: token, status: { message: 'Success' }, mediaItem: { id, filename: fileName, productUrl: `https://photos.google.com/lr/photo/${id}` } }
        })
        // A real batchCreate takes a moment: long enough to notice a parallel one.
        setTimeout(() => {
          state.inBatch--
          send(200, { newMediaItemResults: results })
        }, 20)
        return
      }
      if (req.method === 'POST' && url.pathname === '/v1/albums') {
        let parsed: { album?: { title?: unknown } }
        try {
          parsed = JSON.parse(body.toString('utf8'))
        } catch {
          return apiError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload')
        }
        const title = parsed.album?.title
        if (typeof title !== 'string' || title.length === 0) return apiError(400, 'INVALID_ARGUMENT', 'Invalid album title.')
        if (title.length > 500) return apiError(400, 'INVALID_ARGUMENT', 'Album title is too long.')
        const id = `AF1QipA${randomBytes(10).toString('hex')}`
        albums.set(id, { id, title, appCreated: true, mediaItemIds: [] })
        return send(200, { id, title, productUrl: `https://photos.google.com/lr/album/${id}`, isWriteable: true })
      }

      const addMatch = /^\/v1\/albums\/([^/:]+):batchAddMediaItems$/.exec(url.pathname)
      if (req.method === 'POST' && addMatch) {
        let parsed: { mediaItemIds?: unknown }
        try {
          parsed = JSON.parse(body.toString('utf8'))
        } catch {
          return apiError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload')
        }
        const ids = parsed.mediaItemIds
        if (!Array.isArray(ids) || ids.length === 0 || ids.length > 50 || ids.some((x) => typeof x !== 'string')) {
          return apiError(400, 'INVALID_ARGUMENT', 'Request must contain between 1 and 50 mediaItemIds')
        }
        const album = albums.get(decodeURIComponent(addMatch[1]!))
        if (!album) return apiError(400, 'INVALID_ARGUMENT', 'Invalid album id.')
        if (!album.appCreated) return apiError(400, 'INVALID_ARGUMENT', 'No permission to add media items to this album.')
        if ((ids as string[]).some((x) => items.get(x)?.appCreated === false || !items.has(x))) {
          return apiError(400, 'INVALID_ARGUMENT', 'Request contains an invalid media item id.')
        }
        for (const x of ids as string[]) if (!album.mediaItemIds.includes(x)) album.mediaItemIds.push(x)
        return send(200, {})
      }
      send(404, { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`, items, albums, requests, uploadedFileNames,
    seedUserAlbum(title) {
      const id = `AF1QipU${randomBytes(10).toString('hex')}`
      albums.set(id, { id, title, appCreated: false, mediaItemIds: [] })
      return id
    },
    seedUserItem(fileName) {
      const id = `AF1QipM${randomBytes(10).toString('hex')}`
      items.set(id, { id, fileName, sha256: '', size: 0, appCreated: false })
      return id
    },
    get batchSizes() { return state.batchSizes },
    get parallelBatchCreates() { return state.parallel },
    get unauthorised() { return state.unauthorised },
    expireAccessTokens: () => accessTokens.clear(),
    revokeRefreshTokens: () => refreshTokens.clear(),
    disableApi: () => void (state.apiDisabled = true),
    enableApi: () => void (state.apiDisabled = false),
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
