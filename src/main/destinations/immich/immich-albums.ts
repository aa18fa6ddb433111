/**
 * The phone's albums and favorites in Immich, through its published API (open-api spec; album and
 * asset controllers): an album per phone album title, found among the user's own albums by name
 * (GET /api/albums?shared=false) or created (POST /api/albums), assets added with
 * PUT /api/albums/{id}/assets and, when the phone took them out, removed with DELETE on the same
 * path; the favorite set with PUT /api/assets { ids, isFavorite }. Only what changed since the
 * last application is sent, so a favorite or album changed in Immich itself is left alone until
 * the phone changes it. Album ids are remembered in the destination's state (title → id, and the
 * phone album's id → the Immich album made for it); one deleted in Immich is found or made again.
 * An album renamed on the phone (same Photos id, new title) renames that Immich album
 * (PATCH /api/albums/{id} { albumName }, album.update) instead of making a second one — also when
 * the id was never learnt here (copies applied before ids were kept): the album Cradle made under
 * a title the catalog saw for that id before (AlbumRef.formerTitles) is taken, once, if no other
 * phone album claims it.
 */
import { CradleError } from '../../../shared/errors.js'
import type { AlbumRef, PhotoMetadata } from '../../photos/photo-metadata.js'
import type { HttpResponse } from '../http-request.js'

export type ImmichCall = (method: string, path: string, opts: { signal?: AbortSignal; json?: unknown }) => Promise<HttpResponse>

interface AlbumDto {
  id?: string
  albumName?: string
  ownerId?: string
}

interface BulkIdResponse {
  id?: string
  success?: boolean
  error?: string
}

export class ImmichAlbums {
  /** Title → album id; loaded from and saved to the destination's state. */
  private ids: Map<string, string>
  /** Album lookups in flight, so two workers never create the same album twice. */
  private readonly resolving = new Map<string, Promise<string>>()
  /** The API key's user (GET /api/users/me), once known. */
  private me: string | null = null
  /** Phone album id (ZGENERICALBUM.ZUUID) → the Immich album for it and the title it was given. */
  private byPhone: Map<string, { id: string; title: string }>
  /** Renames in flight, so workers applying assets of one renamed album send it once. */
  private readonly renaming = new Map<string, Promise<void>>()

  constructor(
    private readonly call: ImmichCall,
    private readonly fail: (res: HttpResponse, what: string) => never,
    private readonly state: { load(): Record<string, unknown>; save(state: Record<string, unknown>): void },
  ) {
    const saved = state.load().albums
    this.ids = new Map(saved && typeof saved === 'object' ? Object.entries(saved as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string') : [])
    const phone = state.load().phoneAlbums
    this.byPhone = new Map(phone && typeof phone === 'object'
      ? Object.entries(phone as Record<string, unknown>).filter((e): e is [string, { id: string; title: string }] => {
        const v = e[1] as { id?: unknown; title?: unknown } | null
        return typeof v?.id === 'string' && typeof v.title === 'string'
      })
      : [])
  }

  private remember(title: string, id: string | null): void {
    if (id) this.ids.set(title, id)
    else this.ids.delete(title)
    this.save()
  }

  private rememberPhone(uuid: string, album: { id: string; title: string } | null): void {
    if (album) this.byPhone.set(uuid, album)
    else this.byPhone.delete(uuid)
    this.save()
  }

  private save(): void {
    this.state.save({ ...this.state.load(), albums: Object.fromEntries(this.ids), phoneAlbums: Object.fromEntries(this.byPhone) })
  }

  async apply(assetId: string, meta: PhotoMetadata, previous: PhotoMetadata | null, signal: AbortSignal): Promise<void> {
    if (meta.favorite !== (previous?.favorite ?? false)) {
      const res = await this.call('PUT', '/api/assets', { signal, json: { ids: [assetId], isFavorite: meta.favorite } })
      if (res.status !== 204 && res.status !== 200) this.fail(res, 'setting the favorite')
    }
    // Renamed on the phone: the Immich album follows before membership is compared.
    for (const ref of meta.albumRefs ?? []) await this.follow(ref, signal)
    // Albums compared by the phone's id where both sides know it (a rename is no change of
    // membership), by title otherwise (metadata applied before ids were kept).
    const byId = previous === null || (previous.albumRefs?.length ?? 0) > 0
    const now = albumsOf(meta, byId)
    const before = previous ? albumsOf(previous, byId) : new Map<string, Album>()
    for (const [key, album] of now) {
      // A renamed album is added to once more (Immich answers "duplicate" when the asset is there):
      // the album may have been deleted in Immich and made again under its new title.
      if (before.get(key)?.title === album.title) continue
      await this.addTo(album.title, assetId, signal)
      if (album.uuid && !this.byPhone.has(album.uuid)) {
        const id = this.ids.get(album.title)
        if (id) this.rememberPhone(album.uuid, { id, title: album.title })
      }
    }
    // A title this asset's album had before (renamed on the phone) is that same album, not one it left.
    const former = new Set((meta.albumRefs ?? []).flatMap((r) => r.formerTitles ?? []))
    for (const [key, album] of before) {
      if (now.has(key) || (album.uuid === null && former.has(album.title) && !meta.albums.includes(album.title))) continue
      await this.removeFrom((album.uuid && this.byPhone.get(album.uuid)?.title) || album.title, assetId, signal)
    }
  }

  /**
   * The Immich album made for this phone album carries its title now: renamed when the phone
   * renamed it. One not known by id yet is adopted by title (an album made before ids were kept),
   * or by a title the phone album had before that no other phone album claims, and then renamed.
   */
  private async follow(ref: AlbumRef, signal: AbortSignal): Promise<void> {
    let known = this.byPhone.get(ref.uuid)
    if (!known) {
      const id = this.ids.get(ref.title)
      if (id) return this.rememberPhone(ref.uuid, { id, title: ref.title })
      const claimed = new Set([...this.byPhone.values()].map((a) => a.id))
      const title = (ref.formerTitles ?? []).find((t) => this.ids.has(t) && !claimed.has(this.ids.get(t)!))
      if (title === undefined) return
      known = { id: this.ids.get(title)!, title }
      this.rememberPhone(ref.uuid, known)
    }
    if (known.title === ref.title) return
    let pending = this.renaming.get(ref.uuid)
    if (!pending) {
      pending = this.rename(ref, known, signal).finally(() => this.renaming.delete(ref.uuid))
      this.renaming.set(ref.uuid, pending)
    }
    await pending
  }

  private async rename(ref: AlbumRef, known: { id: string; title: string }, signal: AbortSignal): Promise<void> {
    const res = await this.call('PATCH', `/api/albums/${encodeURIComponent(known.id)}`, { signal, json: { albumName: ref.title } })
    // 400 for the album itself: deleted in Immich (or no longer this user's). Forgotten; the
    // membership below finds or makes one with the new title.
    if (res.status === 400 && /album\.update access/.test(res.text())) {
      this.rememberPhone(ref.uuid, null)
      if (this.ids.get(known.title) === known.id) this.remember(known.title, null)
      return
    }
    if (res.status !== 200) this.fail(res, `renaming album "${known.title}" to "${ref.title}"`)
    if (this.ids.get(known.title) === known.id) this.ids.delete(known.title)
    this.ids.set(ref.title, known.id)
    this.rememberPhone(ref.uuid, { id: known.id, title: ref.title })
  }

  private async addTo(title: string, assetId: string, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const albumId = await this.albumId(title, assetId, signal)
      if (albumId === null) return // created with the asset in it
      const res = await this.call('PUT', `/api/albums/${encodeURIComponent(albumId)}/assets`, { signal, json: { ids: [assetId] } })
      // 400 for the album itself: deleted in Immich (or no longer this user's). Find or make it again, once.
      if (res.status === 400 && attempt === 0 && /albumAsset\.create access/.test(res.text())) {
        this.remember(title, null)
        continue
      }
      if (res.status !== 200) this.fail(res, `adding to album "${title}"`)
      this.checkResults(res, assetId, `adding to album "${title}"`, ['duplicate'])
      return
    }
  }

  private async removeFrom(title: string, assetId: string, signal: AbortSignal): Promise<void> {
    const albumId = this.ids.get(title) ?? (await this.findAlbum(title, signal))
    if (!albumId) return
    const res = await this.call('DELETE', `/api/albums/${encodeURIComponent(albumId)}/assets`, { signal, json: { ids: [assetId] } })
    if (res.status === 400 && /albumAsset\.delete access/.test(res.text())) return this.remember(title, null)
    if (res.status !== 200) this.fail(res, `removing from album "${title}"`)
    this.checkResults(res, assetId, `removing from album "${title}"`, ['not_found'])
  }

  /** Every asset's result must be a success or an outcome that means "already so". */
  private checkResults(res: HttpResponse, assetId: string, what: string, fine: string[]): void {
    const results = res.json<BulkIdResponse[]>()
    const mine = Array.isArray(results) ? results.find((r) => r.id === assetId) : undefined
    if (!mine) throw new CradleError('destination-unreachable', `${what}: no answer for the asset`)
    if (mine.success || (mine.error && fine.includes(mine.error))) return
    throw new CradleError('destination-rejected', `${what}: ${mine.error ?? 'refused'}`)
  }

  /** The album's id; null when it had to be created (and was created with the asset in it). */
  private async albumId(title: string, assetId: string, signal: AbortSignal): Promise<string | null> {
    const known = this.ids.get(title)
    if (known) return known
    let created = false
    let pending = this.resolving.get(title)
    if (!pending) {
      pending = (async () => {
        const found = await this.findAlbum(title, signal)
        if (found) return found
        const res = await this.call('POST', '/api/albums', { signal, json: { albumName: title, assetIds: [assetId] } })
        if (res.status !== 201 && res.status !== 200) this.fail(res, `creating album "${title}"`)
        const id = res.json<AlbumDto>().id
        if (!id) throw new CradleError('destination-unreachable', `creating album "${title}": no id in the answer`)
        created = true
        return id
      })()
      this.resolving.set(title, pending)
      void pending.finally(() => this.resolving.delete(title)).catch(() => undefined)
    }
    const id = await pending
    this.remember(title, id)
    return created ? null : id
  }

  /**
   * One of the user's own albums with exactly this name. All albums are listed and filtered by
   * owner: `shared=false` would leave out the user's own albums they share with family.
   */
  private async findAlbum(title: string, signal: AbortSignal): Promise<string | null> {
    if (!this.me) {
      const me = await this.call('GET', '/api/users/me', { signal })
      if (me.status !== 200) this.fail(me, 'users/me')
      this.me = me.json<{ id?: string }>().id ?? null
    }
    const res = await this.call('GET', '/api/albums', { signal })
    if (res.status !== 200) this.fail(res, 'listing albums')
    const albums = res.json<AlbumDto[]>()
    const hit = Array.isArray(albums) ? albums.find((a) => a.albumName === title && typeof a.id === 'string' && a.ownerId === this.me) : undefined
    return hit?.id ?? null
  }
}

interface Album {
  title: string
  uuid: string | null
}

/** The asset's albums keyed by the phone's album id (when `byId` and known) or by title. */
function albumsOf(meta: PhotoMetadata, byId: boolean): Map<string, Album> {
  const out = new Map<string, Album>()
  const refs = new Map((meta.albumRefs ?? []).map((r) => [r.title, r]))
  for (const title of meta.albums) {
    const uuid = refs.get(title)?.uuid ?? null
    out.set(byId && uuid ? `id:${uuid}` : `title:${title}`, { title, uuid })
  }
  return out
}
