/**
 * The virtual iPhone's Photos library (/PhotoData), consistent with its generated camera roll:
 * Photos.sqlite (+ -wal, -shm) describing every roll item, plus what a DCIM-only backup misses —
 * an original downloaded from iCloud that lives only under PhotoData/CPLAssets, an iCloud-only
 * asset (a row, no file), a favorite or two, a hidden and a trashed photo (Recently Deleted: the
 * file stays in DCIM), two albums (one with a non-ASCII title) and small JPEG thumbnails under
 * PhotoData/Thumbnails/V2. The odd extras of the roll are not in the database (files Photos does
 * not know). Same roll and seed → the same library.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { aae, type CameraRollManifest, type RollFile } from '../roll/generator.js'
import { Rng } from '../roll/rng.js'
import { stamp, template } from '../roll/templates.js'
import { writePhotosDb, type DbAlbum, type DbAsset } from './photos-db.js'
import type { PhotosSchema } from './schemas.js'

export interface PhotoLibraryOptions {
  /** Which iOS generation's table names and entity numbers (default ios17). */
  schema?: PhotosSchema
  /** Default: the roll's seed. */
  seed?: number
  /**
   * One more edited photo whose edit Photos has not rendered yet: the database says adjusted and
   * Mutations holds its Adjustments.plist, but no FullSizeRender (as a phone shortly after an edit).
   */
  unrenderedEdit?: boolean
  /**
   * Add an asset the database says is on the phone (a local original, /DCIM/100APPLE/IMG_0000.HEIC)
   * whose file is not there: the reverse of the roll's odd extras, which DCIM has and Photos does not.
   */
  missingOriginal?: boolean
  /**
   * One more original downloaded from iCloud whose name is not camera-style (original name
   * 'photo.jpeg', as a picture saved from elsewhere has), edited the modern way: its render and
   * Adjustments.plist under /PhotoData/Mutations/PhotoData/CPLAssets/<group>/<UUID>/Adjustments.
   */
  namedEdit?: boolean
}

/** The original name of the namedEdit asset. */
export const NAMED_EDIT_ORIGINAL = 'photo.jpeg'

/** One asset as the simulator wrote it, for tests to check a backup against. */
export interface SimPhotoAsset {
  uuid: string
  /** AFC path of the original ("/DCIM/100APPLE/IMG_0001.HEIC", "/PhotoData/CPLAssets/group12/<UUID>.JPG"). */
  phonePath: string
  originalFileName: string
  kind: 'photo' | 'video'
  favorite: boolean
  hidden: boolean
  trashed: boolean
  /** No local original, no file. */
  iCloudOnly: boolean
  albums: string[]
  /** Only the -wal has its row. */
  inWal: boolean
  /** Every AFC path on the phone that belongs to it (original, Live Photo video, edit render, .AAE, Mutations files). */
  files: string[]
  /**
   * An edit kept the modern way, under /PhotoData/Mutations/<dir>/<stem>/Adjustments: its render
   * (null: not rendered yet) and its Adjustments.plist. Null for unedited assets and DCIM-era edits.
   */
  mutation: { render: string | null; plist: string } | null
  /** The roll item (-1 for the library's own assets). */
  item: number
}

export interface PhotoLibraryManifest {
  schema: PhotosSchema
  /** Host folder served as /PhotoData. */
  dir: string
  assets: SimPhotoAsset[]
  albums: string[]
}

export const ALBUM_TITLES = ['Berlin', 'Été 2024 🌊'] as const

const ORIGINAL_ROLES = new Set(['photo', 'live-photo', 'video', 'screenshot'])

export function generatePhotoLibrary(dir: string, roll: CameraRollManifest, options: PhotoLibraryOptions = {}): PhotoLibraryManifest {
  const schema = options.schema ?? 'ios17'
  const seed = options.seed ?? roll.seed
  const rng = new Rng(seed * 7919 + 17)
  const uuid = (key: string): string => {
    const h = createHash('sha256').update(`photos:${seed}:${key}`).digest('hex').toUpperCase()
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
  }

  const byItem = new Map<number, RollFile[]>()
  for (const f of roll.files) if (f.item >= 0) byItem.set(f.item, [...(byItem.get(f.item) ?? []), f])
  const items = [...byItem.entries()].sort(([a], [b]) => a - b)
  const single = items.filter(([, files]) => files.length === 1 && files[0]!.role === 'photo').map(([i]) => i)
  // Recently Deleted and Hidden each take one plain photo from the middle of the roll.
  const trashedItem = single[Math.floor(single.length / 3)]
  const hiddenItem = single[Math.floor(single.length / 3) + 1]
  const lastItem = items.length >= 2 ? items[items.length - 1]![0] : undefined
  // Edited the modern way (the render under PhotoData/Mutations, nothing new in DCIM): two plain
  // photos from the last third, and with the switch one more whose render is not written yet.
  const spare = single.filter((i) => i !== trashedItem && i !== hiddenItem)
  const third = Math.floor((spare.length * 2) / 3)
  const mutated = new Map<number, 'rendered' | 'unrendered'>()
  for (const i of [spare[third], spare[third + 1]]) if (i !== undefined) mutated.set(i, 'rendered')
  const late = spare[third + 2]
  if (options.unrenderedEdit && late !== undefined) mutated.set(late, 'unrendered')

  const assets: (DbAsset & { sim: SimPhotoAsset })[] = []
  for (const [item, files] of items) {
    const original = files.find((f) => ORIGINAL_ROLES.has(f.role))
    if (!original) continue
    const directory = `DCIM/${path.posix.dirname(original.path)}`
    const filename = path.posix.basename(original.path)
    const albums: number[] = []
    if (rng.chance(0.2) || item === 0) albums.push(0)
    if (rng.chance(0.15) || item === 1) albums.push(1)
    const a: DbAsset = {
      uuid: uuid(original.path), directory, filename, originalFileName: filename,
      kind: original.role === 'video' ? 1 : 0, kindSubtype: original.role === 'live-photo' ? 2 : 0,
      createdUtcMs: Date.parse(original.captureUtc), offsetMinutes: original.offsetMinutes,
      favorite: item === 0 || rng.chance(0.15), hidden: item === hiddenItem, trashed: item === trashedItem,
      localOriginal: true, hasAdjustments: files.some((f) => f.role === 'edit-render') || mutated.has(item), albums,
      inWal: item === lastItem,
    }
    const how = mutated.get(item)
    const mutation = how ? writeMutation(dir, original, how === 'rendered') : null
    const extra = mutation ? [...(mutation.render ? [mutation.render] : []), mutation.plist] : []
    assets.push({ ...a, sim: { ...simAsset(a, item, [...files.map((f) => `/DCIM/${f.path}`), ...extra]), mutation } })
  }

  // Taken on another device and downloaded from iCloud: the original exists only in CPLAssets.
  const lastTime = Math.max(Date.parse('2022-06-01T08:00:00Z'), ...roll.files.map((f) => f.mtimeMs))
  const cloud = (key: string, ext: string, originalFileName: string, local: boolean, at: number): DbAsset => {
    const id = uuid(key)
    return {
      uuid: id, directory: `PhotoData/CPLAssets/group${100 + rng.int(400)}`, filename: `${id}.${ext}`, originalFileName,
      kind: 0, kindSubtype: 0, createdUtcMs: at, offsetMinutes: 60, favorite: local, hidden: false, trashed: false,
      localOriginal: local, hasAdjustments: false, albums: local ? [1] : [0], inWal: true,
    }
  }
  const downloaded = cloud('cpl-downloaded', 'JPG', 'IMG_7421.JPG', true, lastTime + 3_600_000)
  const iCloudOnly = cloud('cpl-icloud-only', 'HEIC', 'IMG_7422.HEIC', false, lastTime + 7_200_000)
  assets.push({ ...downloaded, sim: simAsset(downloaded, -1, [`/${downloaded.directory}/${downloaded.filename}`]) })
  assets.push({ ...iCloudOnly, sim: simAsset(iCloudOnly, -1, []) })

  if (options.missingOriginal) {
    // No DCF number is 0000, so no roll file has this name; nothing is written for it.
    const id = uuid('missing-original')
    const missing: DbAsset = {
      uuid: id, directory: 'DCIM/100APPLE', filename: 'IMG_0000.HEIC', originalFileName: 'IMG_0000.HEIC',
      kind: 0, kindSubtype: 0, createdUtcMs: lastTime + 10_800_000, offsetMinutes: 60, favorite: false, hidden: false, trashed: false,
      localOriginal: true, hasAdjustments: false, albums: [], inWal: false,
    }
    assets.push({ ...missing, sim: simAsset(missing, -1, []) })
  }

  writeCplOriginal(dir, downloaded, 'photo1.jpg')

  if (options.namedEdit) {
    const named: DbAsset = { ...cloud('cpl-named-edit', 'JPG', NAMED_EDIT_ORIGINAL, true, lastTime + 14_400_000), favorite: false, albums: [], hasAdjustments: true }
    writeCplOriginal(dir, named, 'photo3.jpg')
    const mutation = writeMutation(dir, { path: `${named.directory.slice('PhotoData/'.length)}/${named.filename}`, captureUtc: new Date(named.createdUtcMs).toISOString(), offsetMinutes: named.offsetMinutes }, true, 'PhotoData')
    const phonePath = `/${named.directory}/${named.filename}`
    assets.push({ ...named, sim: { ...simAsset(named, -1, [phonePath, mutation.render!, mutation.plist]), mutation } })
  }

  // Thumbnails: one small JPEG per asset with a local original, where Photos keeps them.
  const thumb = template('photo0.jpg').bytes
  for (const a of assets) {
    if (!a.localOriginal) continue
    const thumbDir = path.join(dir, 'Thumbnails', 'V2', ...a.directory.split('/'), a.filename)
    fs.mkdirSync(thumbDir, { recursive: true })
    fs.writeFileSync(path.join(thumbDir, '5005.JPG'), thumb)
  }

  const albums: DbAlbum[] = ALBUM_TITLES.map((title) => ({ uuid: uuid(`album:${title}`), title }))
  writePhotosDb(dir, schema, assets, albums)
  return { schema, dir, assets: assets.map((a) => a.sim), albums: [...ALBUM_TITLES] }

  function simAsset(a: DbAsset, item: number, files: string[]): SimPhotoAsset {
    return {
      uuid: a.uuid, phonePath: `/${a.directory}/${a.filename}`, originalFileName: a.originalFileName, kind: a.kind === 1 ? 'video' : 'photo',
      favorite: a.favorite, hidden: a.hidden, trashed: a.trashed, iCloudOnly: !a.localOriginal,
      albums: a.albums.map((i) => ALBUM_TITLES[i]!).sort(), inWal: a.inWal, files, item, mutation: null,
    }
  }
}

/** Writes an original that lives only under PhotoData/CPLAssets, stamped with its capture time and UUID. */
function writeCplOriginal(dir: string, a: DbAsset, templateName: string): void {
  fs.mkdirSync(path.join(dir, ...a.directory.split('/').slice(1)), { recursive: true })
  const bytes = stamp(template(templateName), { utcMs: a.createdUtcMs, offsetMinutes: a.offsetMinutes, id: Buffer.from(a.uuid.replace(/-/g, ''), 'hex') })
  const file = path.join(dir, ...a.directory.split('/').slice(1), a.filename)
  fs.writeFileSync(file, bytes)
  fs.utimesSync(file, new Date(a.createdUtcMs), new Date(a.createdUtcMs))
}

/**
 * Writes Mutations/<root>/<dir>/<stem>/Adjustments/ (root DCIM for a roll file, PhotoData for a
 * CPLAssets original; `original.path` is below that root): Adjustments.plist (the recipe, the keys
 * of a DCIM .AAE) and, when rendered, FullSizeRender.<heic|jpg> in the original's format (other
 * bytes than the original, edited a day later). Returns their AFC paths.
 */
function writeMutation(dir: string, original: Pick<RollFile, 'path' | 'captureUtc' | 'offsetMinutes'>, rendered: boolean, root: 'DCIM' | 'PhotoData' = 'DCIM'): { render: string | null; plist: string } {
  const stemPath = original.path.replace(/\.[^./]+$/, '')
  const adjustments = path.join(dir, 'Mutations', root, ...stemPath.split('/'), 'Adjustments')
  fs.mkdirSync(adjustments, { recursive: true })
  const editedMs = Date.parse(original.captureUtc) + 86_400_000
  const id = createHash('sha256').update(`mutation:${original.path}`).digest().subarray(0, 16)
  const afc = `/PhotoData/Mutations/${root}/${stemPath}/Adjustments`
  const plist = path.join(adjustments, 'Adjustments.plist')
  fs.writeFileSync(plist, aae(id, editedMs))
  fs.utimesSync(plist, new Date(editedMs), new Date(editedMs))
  if (!rendered) return { render: null, plist: `${afc}/Adjustments.plist` }
  const heic = /\.heic$/i.test(original.path)
  const name = `FullSizeRender.${heic ? 'heic' : 'jpg'}`
  const render = path.join(adjustments, name)
  fs.writeFileSync(render, stamp(template(heic ? 'photo2.heic' : 'photo2.jpg'), { utcMs: Date.parse(original.captureUtc), offsetMinutes: original.offsetMinutes, id }))
  fs.utimesSync(render, new Date(editedMs), new Date(editedMs))
  return { render: `${afc}/${name}`, plist: `${afc}/Adjustments.plist` }
}
