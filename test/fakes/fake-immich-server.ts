/**
 * A fake Immich server, written from Immich's published API (open-api/immich-openapi-specs.json,
 * server/src/controllers/asset-media.controller.ts, middleware/asset-upload.interceptor.ts, the
 * @immich/sdk 2.x and 3.x field lists), because Immich needs Docker and Postgres and cannot run
 * here. In memory. Strict where the real server is:
 *   - error bodies as the version sends them (middleware/global-exception.filter.ts): before v3
 *     Nest's { message, error, statusCode } plus correlationId, validation messages as a string
 *     array; v3 (PRs #28139, #28140, #28204) only { message }, validation as { message:
 *     'Validation failed', errors: [{ code, path, message }] }, the id in an X-Correlation-ID header;
 *   - x-api-key required (401), and each endpoint's permission (403 "Missing required permission";
 *     `all` grants every one): asset.upload, user.read, asset.read, asset.delete, album.*,
 *     albumAsset.*, asset.update, server.storage; bulk-upload-check needs `all` on 1.x before 1.140 (the endpoint
 *     had no permission of its own, immich #21456 reported on 1.139.4, fixed by PR #21470), or
 *     whenever `bulkCheckNeedsAll` says so; server/ping and server/version need no key;
 *   - POST /api/assets needs multipart with assetData, fileCreatedAt and fileModifiedAt;
 *     the name's extension (the `filename` field, else the part's file name) must be in Immich's
 *     image or video list (utils/mime-types.ts isAsset, checked by canUploadFile before anything
 *     else): 400 "Unsupported file type <name>" otherwise, .AAE and .XMP included;
 *     v3 rejects naive timestamps and (strict reading of PR #27818) deviceAssetId/deviceId;
 *     v2 requires deviceAssetId and deviceId; visibility must be a known value;
 *     livePhotoVideoId must be a UUID naming one of the same user's video assets (onBeforeLink in
 *     utils/asset.util.ts: "Live photo video not found" / "must be a video" / "does not belong
 *     to the user"), checked after the quota;
 *   - x-immich-checksum (SHA-1, hex or base64) answers 200 "duplicate" before reading the body;
 *   - the same SHA-1 received again answers 200 "duplicate"; new content 201 "created";
 *   - a body over `maxBodyBytes` answers 413 (a reverse proxy's client_max_body_size);
 *   - albums and favorites (album.controller.ts, asset.controller.ts, dtos/album.dto.ts,
 *     dtos/asset-ids.response.dto.ts, the access checks' "Not found or no <permission> access"):
 *     GET /api/albums (album.read; shared=true|false), POST /api/albums (album.create; albumName a
 *     string, assetIds UUIDs, assets the user cannot reach silently left out), PUT and DELETE
 *     /api/albums/{id}/assets (albumAsset.create / albumAsset.delete; id and ids UUIDs, an album not
 *     the user's is 400, each asset answered { id, success, error: duplicate | no_permission |
 *     not_found }), PUT /api/assets (asset.update; ids UUIDs, any id not the user's fails the whole
 *     request with 400, isFavorite a boolean, visibility one of AssetVisibility from 1.133 and
 *     silently dropped before, 204), PATCH /api/albums/{id} (album.update; albumName a string, an
 *     album not the user's is 400, 200 with the album). Validation failures answer 400 with the
 *     messages in an array, as the server's validation pipe does;
 *   - the stored checksum is the SHA-1 of the bytes received (the header is not compared with
 *     them, as in Immich), so a body damaged on the way is stored as a new asset;
 *   - GET /api/users/me (user.read) with quotaSizeInBytes (null: none) and quotaUsageInBytes; GET
 *     /api/server/storage (server.storage) with the disk's raw and human figures;
 *   - DELETE /api/assets {ids, force} (asset.delete) moves to the trash (force: removes); a
 *     trashed asset still answers "duplicate" for its checksum, as Immich does.
 * Every upload is logged with the SHA-1 it was about, so tests count creates per asset.
 */
import { createHash, randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'

export interface FakeImmichAsset {
  id: string
  sha1: string
  data: Buffer
  fields: Record<string, string>
  fileName: string
  /** 'user-1' is the API key's user; anything else belongs to someone else. */
  ownerId: string
  /** From the name's extension, as Immich's mimeTypes.assetType does. */
  type: 'IMAGE' | 'VIDEO'
  isFavorite: boolean
  isTrashed?: boolean
  /** AssetVisibility (Immich 1.133+): timeline, archive, hidden (Live Photo videos; the phone's hidden photos) or locked. */
  visibility: 'timeline' | 'archive' | 'hidden' | 'locked'
}

export interface FakeImmichAlbum {
  id: string
  albumName: string
  ownerId: string
  assetIds: string[]
  /** Users the album is shared with (editors). */
  sharedWith: string[]
}

export interface FakeImmich {
  url: string
  assets: Map<string, FakeImmichAsset>
  albums: Map<string, FakeImmichAlbum>
  /** Album and favorite requests: method, path and status. */
  albumRequests: { method: string; path: string; status: number }[]
  /** An album as if made in Immich's web page (by `ownerId`, default the key's user), maybe shared with others. */
  seedAlbum(albumName: string, ownerId?: string, sharedWith?: string[]): string
  /**
   * Every upload request: status, the form fields it carried and the SHA-1 it was about (the
   * bytes received; the header's for an early duplicate answer). 201 = an asset created.
   */
  uploads: { status: number; fields: Record<string, string>; early: boolean; sha1?: string }[]
  /** Asset ids moved to the trash or removed through DELETE /api/assets. */
  deleted: { id: string; force: boolean }[]
  bulkChecks: number
  /** bulk-upload-check requests, refused ones included. */
  bulkRequests: number
  /** Puts an asset on the server as if another client had uploaded it. */
  seed(data: Buffer, fileName: string, ownerId?: string): string
  /** Deletes an asset as a user would in Immich's web page (its checksum is free again). */
  remove(id: string): void
  /** An admin changes the user's storage quota (null: none). */
  setQuota(bytes: number | null): void
  /** The server's disk as GET /api/server/storage reports it (the upload folder's volume). */
  setDisk(disk: { sizeBytes: number; availableBytes: number }): void
  close(): Promise<void>
}

export interface FakeImmichOptions {
  major?: number
  keys?: Record<string, string[]>
  maxBodyBytes?: number
  /** The user's storage quota in bytes (Immich's quotaSizeInBytes; default none). */
  quotaBytes?: number
  /** The server's disk (GET /api/server/storage); default 2 TB with 1.2 TB free. */
  disk?: { sizeBytes: number; availableBytes: number }
  /** The minor and patch GET /api/server/version reports (default 2.2). */
  minor?: number
  patch?: number
  /**
   * bulk-upload-check as on Immich 1.x before 1.140 (issue #21456, fixed by PR #21470): the
   * endpoint was `@Authenticated()` without a permission, so an API key needs `all` (403
   * otherwise). Default: from the version.
   */
  bulkCheckNeedsAll?: boolean
  /** Extensions this server's lists lack (an older Immich): answered "Unsupported file type". */
  missingExtensions?: string[]
}

function parseMultipart(body: Buffer, contentType: string): { fields: Record<string, string>; files: Record<string, { fileName: string; data: Buffer }> } | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType)
  if (!m) return null
  const boundary = Buffer.from(`--${m[1] ?? m[2]}`)
  const fields: Record<string, string> = {}
  const files: Record<string, { fileName: string; data: Buffer }> = {}
  let pos = body.indexOf(boundary)
  if (pos !== 0) return null
  for (;;) {
    pos += boundary.length
    if (body.subarray(pos, pos + 2).toString() === '--') break
    pos += 2 // CRLF
    const headEnd = body.indexOf('\r\n\r\n', pos)
    if (headEnd < 0) return null
    const head = body.subarray(pos, headEnd).toString('utf8')
    const next = body.indexOf(boundary, headEnd + 4)
    if (next < 0) return null
    const data = body.subarray(headEnd + 4, next - 2)
    const name = /name="([^"]*)"/.exec(head)?.[1]
    const fileName = /filename="([^"]*)"/.exec(head)?.[1]
    if (!name) return null
    if (fileName !== undefined) files[name] = { fileName, data }
    else fields[name] = data.toString('utf8')
    pos = next
  }
  return { fields, files }
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
const ISO_ANY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/

// Immich's asset extensions (server/src/utils/mime-types.ts: image incl. raw, and video).
const IMAGE_EXT = new Set(['.3fr', '.ari', '.arw', '.cap', '.cin', '.cr2', '.cr3', '.crw', '.dcr', '.dng', '.erf', '.fff', '.iiq', '.k25',
  '.kdc', '.mrw', '.nef', '.nrw', '.orf', '.ori', '.pef', '.psd', '.raf', '.raw', '.rw2', '.rwl', '.sr2', '.srf', '.srw', '.x3f', '.avif',
  '.bmp', '.gif', '.heic', '.heif', '.hif', '.insp', '.jpe', '.jpeg', '.jpg', '.jxl', '.png', '.svg', '.tif', '.tiff', '.webp'])
const VIDEO_EXT = new Set(['.3gp', '.3gpp', '.avi', '.flv', '.insv', '.m2ts', '.m4v', '.mkv', '.mov', '.mp4', '.mpe', '.mpeg', '.mpg', '.mts',
  '.vob', '.webm', '.wmv'])
const extOf = (name: string): string => path.extname(name).toLowerCase()
const assetType = (name: string): 'IMAGE' | 'VIDEO' | null => (VIDEO_EXT.has(extOf(name)) ? 'VIDEO' : IMAGE_EXT.has(extOf(name)) ? 'IMAGE' : null)

const REASON: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i

const VISIBILITIES = ['archive', 'timeline', 'hidden', 'locked']

function checksumKey(value: string): string {
  // The server's fromChecksum: 28 or 44 characters are base64, anything else hex.
  return value.length === 28 || value.length === 44 ? Buffer.from(value, 'base64').toString('hex') : value.toLowerCase()
}

export async function startFakeImmich(options: FakeImmichOptions = {}): Promise<FakeImmich> {
  const major = options.major ?? 3
  let quota = options.quotaBytes ?? null
  let disk = options.disk ?? { sizeBytes: 2e12, availableBytes: 1.2e12 }
  const keys = options.keys ?? { 'test-key': ['asset.upload', 'asset.read', 'asset.delete', 'user.read', 'asset.update', 'album.read', 'album.create', 'album.update', 'albumAsset.create', 'albumAsset.delete'] }
  const assets = new Map<string, FakeImmichAsset>()
  const albums = new Map<string, FakeImmichAlbum>()
  const albumRequests: FakeImmich['albumRequests'] = []
  const ME = 'user-1'
  const bySha1 = new Map<string, string>()
  const uploads: FakeImmich['uploads'] = []
  const deleted: FakeImmich['deleted'] = []
  const state = { bulkChecks: 0, bulkRequests: 0 }
  const minor = options.minor ?? 2
  const bulkCheckNeedsAll = options.bulkCheckNeedsAll ?? (major === 1 && minor < 140)

  const server = http.createServer((req, res) => {
    const json = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(value))
    }
    const correlationId = randomUUID().slice(0, 8)
    /** An HttpException as the version's GlobalExceptionFilter sends it. */
    const error = (status: number, message: string): void => {
      if (major >= 3) {
        res.setHeader('x-correlation-id', correlationId)
        return json(status, { message })
      }
      json(status, { message, error: REASON[status] ?? 'Error', statusCode: status, correlationId })
    }
    /** A validation failure (the DTO's pipe): a string array before v3, Zod issues in v3. */
    const validation = (field: string, message: string): void => {
      if (major >= 3) {
        res.setHeader('x-correlation-id', correlationId)
        return json(400, { message: 'Validation failed', errors: [{ code: 'custom', path: [field], message }] })
      }
      json(400, { message: [`${field} ${message}`], error: 'Bad Request', statusCode: 400, correlationId })
    }
    const url = new URL(req.url ?? '/', 'http://x')
    const route = `${req.method} ${url.pathname}`
    if (route === 'GET /api/server/ping') return json(200, { res: 'pong' })
    if (route === 'GET /api/server/version') return json(200, { major, minor, patch: options.patch ?? 2 })
    const key = req.headers['x-api-key']
    const perms = typeof key === 'string' ? keys[key] : undefined
    if (!perms) {
      req.resume()
      return error(401, 'Invalid API key')
    }
    const need = (perm: string): boolean => {
      // An `all` key may do anything (auth.service isGranted); the ForbiddenException's body.
      if (perms.includes(perm) || perms.includes('all')) return true
      req.resume()
      error(403, `Missing required permission: ${perm}`)
      return false
    }
    const assetGet = req.method === 'GET' ? /^\/api\/assets\/([^/]+)$/.exec(url.pathname) : null
    if (assetGet) {
      // GET /api/assets/{id}: the asset's SHA-1 as base64 in `checksum` (what cradle verify compares).
      if (!need('asset.read')) return
      const asset = assets.get(decodeURIComponent(assetGet[1]!))
      if (!asset) return error(400, 'Not found or no asset.read access')
      return json(200, { id: asset.id, checksum: Buffer.from(asset.sha1, 'hex').toString('base64'), originalFileName: asset.fileName, isTrashed: asset.isTrashed === true, isFavorite: asset.isFavorite, visibility: asset.visibility })
    }
    if (route === 'DELETE /api/assets') {
      if (!need('asset.delete')) return
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        let parsed: { ids?: unknown; force?: unknown }
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        } catch {
          return error(400, 'Unexpected token in JSON')
        }
        if (!Array.isArray(parsed.ids) || parsed.ids.some((id) => typeof id !== 'string' || !UUID.test(id))) return validation('ids', 'each value in ids must be a UUID')
        const force = parsed.force === true
        for (const id of parsed.ids as string[]) {
          const asset = assets.get(id)
          if (!asset) continue
          deleted.push({ id, force })
          if (!force) asset.isTrashed = true
          else {
            assets.delete(id)
            if (bySha1.get(asset.sha1) === id) bySha1.delete(asset.sha1)
          }
        }
        res.writeHead(204)
        res.end()
      })
      return
    }
    const albumAssets = /^\/api\/albums\/([^/]+)\/assets$/.exec(url.pathname)
    const albumPatch = req.method === 'PATCH' ? /^\/api\/albums\/([^/]+)$/.exec(url.pathname) : null
    if (route === 'GET /api/albums' || route === 'POST /api/albums' || route === 'PUT /api/assets' || albumPatch || (albumAssets && (req.method === 'PUT' || req.method === 'DELETE'))) {
      const perm = route === 'GET /api/albums' ? 'album.read' : route === 'POST /api/albums' ? 'album.create' : route === 'PUT /api/assets' ? 'asset.update' : albumPatch ? 'album.update' : req.method === 'PUT' ? 'albumAsset.create' : 'albumAsset.delete'
      if (!need(perm)) return
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const reply = (status: number, value?: unknown): void => {
          albumRequests.push({ method: req.method ?? '', path: url.pathname, status })
          if (value === undefined) {
            res.writeHead(status)
            res.end()
          } else json(status, value)
        }
        const invalid = (field: string, message: string): void => {
          albumRequests.push({ method: req.method ?? '', path: url.pathname, status: 400 })
          validation(field, message)
        }
        const noAccess = (): void => {
          albumRequests.push({ method: req.method ?? '', path: url.pathname, status: 400 })
          error(400, `Not found or no ${perm} access`)
        }
        const albumDto = (a: FakeImmichAlbum) => ({
          id: a.id, albumName: a.albumName, ownerId: a.ownerId, description: '', albumThumbnailAssetId: a.assetIds[0] ?? null,
          shared: a.sharedWith.length > 0, hasSharedLink: false, albumUsers: a.sharedWith.map((id) => ({ user: { id }, role: 'editor' })), assets: [], assetCount: a.assetIds.length, isActivityEnabled: true,
          createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString(), owner: { id: a.ownerId },
        })
        if (route === 'GET /api/albums') {
          const shared = url.searchParams.get('shared')
          if (shared !== null && shared !== 'true' && shared !== 'false') return invalid('shared', 'must be a boolean value')
          // Without `shared`: the user's own albums and those shared with them; true: shared ones
          // (own shared or shared with the user); false: own albums not shared.
          const visible = [...albums.values()].filter((a) => a.ownerId === ME || a.sharedWith.includes(ME))
          const isShared = (a: FakeImmichAlbum): boolean => a.ownerId !== ME || a.sharedWith.length > 0
          const list = shared === null ? visible : visible.filter((a) => isShared(a) === (shared === 'true'))
          return reply(200, list.map(albumDto))
        }
        const noJson = (): void => {
          albumRequests.push({ method: req.method ?? '', path: url.pathname, status: 400 })
          error(400, 'Unexpected token in JSON')
        }
        let body: Record<string, unknown>
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null')
        } catch {
          return noJson()
        }
        if (!body || typeof body !== 'object' || Array.isArray(body)) return noJson()
        if (albumPatch) {
          // PATCH /api/albums/{id} (UpdateAlbumDto): albumName an optional string; only the owner may (album.update access).
          const albumId = decodeURIComponent(albumPatch[1]!)
          if (!UUID.test(albumId)) return invalid('id', 'must be a UUID')
          if (body.albumName !== undefined && typeof body.albumName !== 'string') return invalid('albumName', 'must be a string')
          const album = albums.get(albumId)
          if (!album || album.ownerId !== ME) return noAccess()
          if (typeof body.albumName === 'string') album.albumName = body.albumName
          return reply(200, albumDto(album))
        }
        const ids = body.ids
        const uuidList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' && UUID.test(x))
        if (route === 'POST /api/albums') {
          if (typeof body.albumName !== 'string') return invalid('albumName', 'must be a string')
          if (body.assetIds !== undefined && !uuidList(body.assetIds)) return invalid('assetIds', 'each value in assetIds must be a UUID')
          const id = randomUUID()
          // The server keeps only the assets the user may share; others are left out without a word.
          const mine = ((body.assetIds as string[] | undefined) ?? []).filter((x) => assets.get(x)?.ownerId === ME)
          const album: FakeImmichAlbum = { id, albumName: body.albumName, ownerId: ME, assetIds: [...new Set(mine)], sharedWith: [] }
          albums.set(id, album)
          return reply(201, albumDto(album))
        }
        if (!uuidList(ids)) return invalid('ids', 'each value in ids must be a UUID')
        if (route === 'PUT /api/assets') {
          if (body.isFavorite !== undefined && typeof body.isFavorite !== 'boolean') return invalid('isFavorite', 'must be a boolean value')
          // AssetBulkUpdateDto.visibility (1.133+, replacing isArchived). Before it, the validation
          // pipe's whitelist drops the unknown field without an error: nothing changes, 204 all the same.
          const knowsVisibility = major >= 2 || minor >= 133
          if (knowsVisibility && body.visibility !== undefined && !VISIBILITIES.includes(body.visibility as string)) return invalid('visibility', `must be one of the following values: ${VISIBILITIES.join(', ')}`)
          if (ids.some((x) => assets.get(x)?.ownerId !== ME)) return noAccess()
          for (const x of ids) {
            if (typeof body.isFavorite === 'boolean') assets.get(x)!.isFavorite = body.isFavorite
            if (knowsVisibility && typeof body.visibility === 'string') assets.get(x)!.visibility = body.visibility as FakeImmichAsset['visibility']
          }
          return reply(204)
        }
        const albumId = decodeURIComponent(albumAssets![1]!)
        if (!UUID.test(albumId)) return invalid('id', 'must be a UUID')
        const album = albums.get(albumId)
        if (!album || album.ownerId !== ME) return noAccess()
        const results = ids.map((x) => {
          if (req.method === 'PUT') {
            if (album.assetIds.includes(x)) return { id: x, success: false, error: 'duplicate' }
            if (assets.get(x)?.ownerId !== ME) return { id: x, success: false, error: 'no_permission' }
            album.assetIds.push(x)
            return { id: x, success: true }
          }
          if (!album.assetIds.includes(x)) return { id: x, success: false, error: 'not_found' }
          album.assetIds = album.assetIds.filter((y) => y !== x)
          return { id: x, success: true }
        })
        return reply(200, results)
      })
      return
    }
    if (route === 'GET /api/users/me') {
      // UserAdminResponseDto: quotaSizeInBytes null = no quota; usage counts the user's originals.
      const usage = [...assets.values()].filter((a) => a.ownerId === ME).reduce((n, a) => n + a.data.length, 0)
      if (need('user.read')) json(200, { id: ME, email: 'a@example.com', name: 'A', quotaSizeInBytes: quota, quotaUsageInBytes: usage, status: 'active' })
      return
    }
    if (route === 'GET /api/server/storage') {
      // ServerStorageResponseDto (server.service getStorage): human strings and raw bytes of the upload volume.
      if (!need('server.storage')) return
      const used = disk.sizeBytes - disk.availableBytes
      const human = (n: number): string => `${(n / 2 ** 30).toFixed(1)} GiB`
      return json(200, {
        diskAvailable: human(disk.availableBytes), diskSize: human(disk.sizeBytes), diskUse: human(used),
        diskAvailableRaw: disk.availableBytes, diskSizeRaw: disk.sizeBytes, diskUseRaw: used,
        diskUsagePercentage: Math.round((used / disk.sizeBytes) * 10_000) / 100,
      })
    }
    if (route === 'POST /api/assets' || route === 'POST /api/assets/bulk-upload-check') {
      if (route === 'POST /api/assets/bulk-upload-check') state.bulkRequests++
      if (!need(route === 'POST /api/assets/bulk-upload-check' && bulkCheckNeedsAll ? 'all' : 'asset.upload')) return
      if (route === 'POST /api/assets') {
        const length = Number(req.headers['content-length'] ?? 0)
        if (options.maxBodyBytes !== undefined && length > options.maxBodyBytes) {
          // The reverse proxy answers, not Immich: nginx's HTML page, at once; then the body is read
          // and discarded (lingering close), so the client gets the 413 rather than a reset.
          req.resume()
          res.writeHead(413, { 'content-type': 'text/html' })
          return res.end('<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n')
        }
        const header = req.headers['x-immich-checksum']
        if (typeof header === 'string' && bySha1.has(checksumKey(header))) {
          // Answered from the header alone: the body is never read (the interceptor's shortcut).
          uploads.push({ status: 200, fields: {}, early: true, sha1: checksumKey(header) })
          res.setHeader('connection', 'close')
          return json(200, { id: bySha1.get(checksumKey(header)), status: 'duplicate' })
        }
      }
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks)
        if (route === 'POST /api/assets/bulk-upload-check') {
          state.bulkChecks++
          let parsed: { assets?: { id?: unknown; checksum?: unknown }[] }
          try {
            parsed = JSON.parse(body.toString('utf8'))
          } catch {
            return error(400, 'Unexpected token in JSON')
          }
          if (!Array.isArray(parsed.assets) || parsed.assets.some((a) => typeof a.id !== 'string' || typeof a.checksum !== 'string')) return validation('assets', 'must be an array of { id, checksum }')
          // AssetBulkUploadCheckItem: checksum is @IsNotEmpty.
          if (parsed.assets.some((a) => a.checksum === '')) return validation('assets', 'checksum should not be empty')
          return json(200, {
            results: parsed.assets.map((a) => {
              const existing = bySha1.get(checksumKey(a.checksum as string))
              return existing ? { id: a.id, action: 'reject', reason: 'duplicate', assetId: existing, isTrashed: assets.get(existing)?.isTrashed === true } : { id: a.id, action: 'accept' }
            }),
          })
        }
        const form = parseMultipart(body, String(req.headers['content-type'] ?? ''))
        const rejectWith = (send: () => void): void => {
          uploads.push({ status: 400, fields: form?.fields ?? {}, early: false })
          send()
        }
        const reject = (field: string, message: string): void => rejectWith(() => validation(field, message))
        const refuse = (message: string): void => rejectWith(() => error(400, message))
        if (!form) return reject('assetData', 'body must be multipart/form-data')
        const f = form.fields
        const file = form.files.assetData
        if (!file) return reject('assetData', 'is required')
        // The upload interceptor's file filter, before the DTO is validated.
        const name = f.filename || file.fileName
        const type = options.missingExtensions?.includes(extOf(name)) ? null : assetType(name)
        if (!type) return refuse(`Unsupported file type ${name}`)
        for (const k of ['fileCreatedAt', 'fileModifiedAt']) {
          const v = f[k]
          if (!v || !(major >= 3 ? ISO_WITH_ZONE : ISO_ANY).test(v)) return reject(k, 'must be a valid ISO 8601 date string')
        }
        if (major >= 3 && ('deviceAssetId' in f || 'deviceId' in f)) return reject('deviceAssetId', 'property should not exist')
        if (major < 3 && (!f.deviceAssetId || !f.deviceId)) return reject('deviceAssetId', 'deviceAssetId and deviceId are required')
        if (f.duration !== undefined && major >= 3 && !/^\d+(\.\d+)?$/.test(f.duration)) return reject('duration', 'must be a number')
        if (f.visibility !== undefined && !VISIBILITIES.includes(f.visibility)) return reject('visibility', 'must be one of timeline, archive, hidden, locked')
        if (f.livePhotoVideoId !== undefined && !UUID.test(f.livePhotoVideoId)) return reject('livePhotoVideoId', 'must be a UUID')
        // requireQuota runs before anything is stored, duplicates included (asset-media.service.ts).
        const used = [...assets.values()].filter((a) => a.ownerId === ME).reduce((n, a) => n + a.data.length, 0)
        if (quota !== null && quota < used + file.data.length) return refuse('Quota has been exceeded!')
        if (f.livePhotoVideoId !== undefined) {
          const video = assets.get(f.livePhotoVideoId)
          if (!video) return refuse('Live photo video not found')
          if (video.type !== 'VIDEO') return refuse('Live photo video must be a video')
          if (video.ownerId !== ME) return refuse('Live photo video does not belong to the user')
        }
        const sha1 = createHash('sha1').update(file.data).digest('hex')
        const existing = bySha1.get(sha1)
        if (existing) {
          uploads.push({ status: 200, fields: f, early: false, sha1 })
          return json(200, { id: existing, status: 'duplicate' })
        }
        const id = randomUUID()
        assets.set(id, { id, sha1, data: file.data, fields: f, fileName: name, ownerId: ME, isFavorite: false, type, visibility: (f.visibility as FakeImmichAsset['visibility'] | undefined) ?? 'timeline' })
        bySha1.set(sha1, id)
        uploads.push({ status: 201, fields: f, early: false, sha1 })
        json(201, { id, status: 'created' })
      })
      return
    }
    req.resume()
    error(404, `Cannot ${route}`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`, assets, uploads, deleted, albums, albumRequests,
    seedAlbum(albumName, ownerId = ME, sharedWith = []) {
      const id = randomUUID()
      albums.set(id, { id, albumName, ownerId, assetIds: [], sharedWith })
      return id
    },
    get bulkChecks() { return state.bulkChecks },
    get bulkRequests() { return state.bulkRequests },
    seed(data, fileName, ownerId = ME) {
      const id = randomUUID()
      const sha1 = createHash('sha1').update(data).digest('hex')
      assets.set(id, { id, sha1, data, fields: {}, fileName, ownerId, isFavorite: false, type: assetType(fileName) ?? 'IMAGE', visibility: 'timeline' })
      bySha1.set(sha1, id)
      return id
    },
    remove(id) {
      const asset = assets.get(id)
      if (!asset) return
      assets.delete(id)
      if (bySha1.get(asset.sha1) === id) bySha1.delete(asset.sha1)
    },
    setQuota(bytes) {
      quota = bytes
    },
    setDisk(d) {
      disk = d
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
