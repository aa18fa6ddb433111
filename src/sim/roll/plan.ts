/**
 * The camera roll as a deterministic plan (no I/O): which files exist, in which 1xxAPPLE
 * folder, with which capture date, offset and unique id. Mirrors protocol.md §5: IMG_NNNN
 * numbering that wraps after IMG_9999 into a new folder, HEIC/JPEG/PNG/MOV, Live Photo pairs
 * (same stem), edits (IMG_E… render + .AAE sidecar), plus odd-but-legal extras.
 */
import { createHash } from 'node:crypto'
import { Rng } from './rng.js'

export type ItemKind = 'photo-heic' | 'photo-jpeg' | 'live' | 'video' | 'screenshot' | 'edited' | 'edited-live'
export type FileRole = 'photo' | 'live-photo' | 'live-video' | 'video' | 'screenshot' | 'edit-render' | 'edit-render-video' | 'edit-sidecar' | 'odd' | 'empty' | 'misc'

export interface PlannedFile {
  /** Relative to DCIM, "/"-separated. */
  path: string
  role: FileRole
  /** Index of the camera-roll item it belongs to (-1 for extras). */
  item: number
  /** Template name, or a generated content kind. */
  source: { template: string } | { aae: true } | { miscPlist: true } | { empty: true }
  captureUtcMs: number
  offsetMinutes: number
  /** 16-byte id (hex) stamped into the file; Live Photo halves share it, as Apple's content identifier. */
  id: string
  /** File mtime: capture time for originals, edit time for edits. */
  mtimeMs: number
  /** Target size (padding), 0 = the template's own size. */
  targetBytes: number
}

export interface RollPlanOptions {
  count: number
  seed?: number
  /** First IMG number (default: chosen so that the roll wraps past IMG_9999 when count ≥ 2). */
  startNumber?: number
  /** Add the odd-but-legal extras (default true). */
  oddNames?: boolean
  /** Approximate size of each photo/video in bytes (padding); default: the small templates as they are. */
  photoBytes?: number
  videoBytes?: number
  /** First capture time (default 2022-06-01T08:00:00Z). */
  startDate?: string
}

const WEIGHTS: [ItemKind, number][] = [
  ['photo-heic', 40],
  ['live', 20],
  ['photo-jpeg', 10],
  ['screenshot', 10],
  ['video', 8],
  ['edited', 8],
  ['edited-live', 4],
]

/** Offsets a travelling phone sees, including the half- and quarter-hour zones. */
const OFFSETS = [60, 120, 0, -300, -240, 540, 330, -210, -480, -420, 600, 345, 765, 480, -180]

export function planRoll(o: RollPlanOptions): PlannedFile[] {
  if (!Number.isInteger(o.count) || o.count < 0) throw new RangeError('count must be a whole number ≥ 0')
  const seed = o.seed ?? 1
  const rng = new Rng(seed)
  const id = (key: string): string => createHash('sha256').update(`${seed}:${key}`).digest('hex').slice(0, 32)
  const files: PlannedFile[] = []
  let number = o.startNumber ?? Math.min(9999, Math.max(1, 10_000 - Math.ceil(o.count * 0.6)))
  if (number < 1 || number > 9999) throw new RangeError('startNumber must be 1–9999')
  let folder = 100
  let t = Date.parse(o.startDate ?? '2022-06-01T08:00:00Z')
  let offset = 120
  const total = WEIGHTS.reduce((s, [, w]) => s + w, 0)
  const photoBytes = o.photoBytes ?? 0
  const videoBytes = o.videoBytes ?? 0
  const size = (target: number): number => (target > 0 ? Math.round(target * (0.75 + rng.next() * 0.5)) : 0)

  for (let item = 0; item < o.count; item++) {
    if (item > 0) {
      if (number === 9999) {
        // The counter wraps and a new folder starts (DCF practice; protocol.md §5).
        number = 1
        folder++
      } else {
        number++
        if (number % 1000 === 0) folder++
      }
      // Bursts a second apart, ordinary gaps of minutes to hours, sometimes days (whole seconds,
      // as EXIF stores them): about 2.3 years for 10,000 items.
      t += 1000 * (rng.chance(0.1) ? 1 : rng.chance(0.02) ? rng.int(3 * 86_400) : 60 + rng.int(3 * 3_600))
      if (rng.chance(0.03)) offset = rng.pick(OFFSETS)
    }
    const dir = `${folder}APPLE`
    const stem = `IMG_${String(number).padStart(4, '0')}`
    let r = rng.int(total)
    let kind: ItemKind = 'photo-heic'
    for (const [k, w] of WEIGHTS) {
      if (r < w) {
        kind = k
        break
      }
      r -= w
    }
    const variant = rng.int(4)
    const base = { item, captureUtcMs: t, offsetMinutes: offset, mtimeMs: t }
    const add = (name: string, role: FileRole, source: PlannedFile['source'], extra: Partial<PlannedFile> = {}): void => {
      const path = `${dir}/${name}`
      files.push({ ...base, path, role, source, id: id(path), targetBytes: 0, ...extra })
    }
    const pairId = id(`live:${dir}/${stem}`)
    const editedAt = t + 1000 * (60 + rng.int(30 * 86_400))
    switch (kind) {
      case 'photo-heic':
        add(`${stem}.HEIC`, 'photo', { template: `photo${variant}.heic` }, { targetBytes: size(photoBytes) })
        break
      case 'photo-jpeg':
        add(`${stem}.JPG`, 'photo', { template: `photo${variant}.jpg` }, { targetBytes: size(photoBytes) })
        break
      case 'screenshot':
        add(`${stem}.PNG`, 'screenshot', { template: 'screenshot.png' })
        break
      case 'video':
        add(`${stem}.MOV`, 'video', { template: 'video.mov' }, { targetBytes: size(videoBytes) })
        break
      case 'live':
      case 'edited-live':
        add(`${stem}.HEIC`, 'live-photo', { template: `photo${variant}.heic` }, { id: pairId, targetBytes: size(photoBytes) })
        add(`${stem}.MOV`, 'live-video', { template: 'video.mov' }, { id: pairId, targetBytes: size(videoBytes / 4), mtimeMs: t + 1500 })
        if (kind === 'edited-live') {
          add(`IMG_E${stem.slice(4)}.HEIC`, 'edit-render', { template: `photo${variant}.heic` }, { mtimeMs: editedAt, targetBytes: size(photoBytes) })
          add(`IMG_E${stem.slice(4)}.MOV`, 'edit-render-video', { template: 'video.mov' }, { mtimeMs: editedAt, targetBytes: size(videoBytes / 4) })
          add(`${stem}.AAE`, 'edit-sidecar', { aae: true }, { mtimeMs: editedAt })
        }
        break
      case 'edited': {
        const heic = rng.chance(0.7)
        add(`${stem}.${heic ? 'HEIC' : 'JPG'}`, 'photo', { template: `photo${variant}.${heic ? 'heic' : 'jpg'}` }, { targetBytes: size(photoBytes) })
        add(`IMG_E${stem.slice(4)}.${heic ? 'HEIC' : 'JPG'}`, 'edit-render', { template: `photo${(variant + 1) % 4}.${heic ? 'heic' : 'jpg'}` }, { mtimeMs: editedAt, targetBytes: size(photoBytes) })
        add(`${stem}.AAE`, 'edit-sidecar', { aae: true }, { mtimeMs: editedAt })
        break
      }
    }
  }
  if (o.oddNames !== false && o.count > 0) files.push(...extras(files, folder, t, offset, id))
  return files
}

/** Odd but legal names, a zero-byte file and the hidden .MISC folder, in the last folder. */
function extras(files: PlannedFile[], folder: number, t: number, offset: number, id: (key: string) => string): PlannedFile[] {
  const dir = `${folder}APPLE`
  const last = files[files.length - 1]!
  const lastNumber = Number(/IMG_E?(\d{4})/.exec(last.path)?.[1] ?? '1')
  const next = String(lastNumber >= 9999 ? 1 : lastNumber + 1).padStart(4, '0')
  const at = (k: number): number => t + k * 1000
  const f = (path: string, role: FileRole, source: PlannedFile['source'], k: number): PlannedFile => ({
    path,
    role,
    item: -1,
    source,
    captureUtcMs: at(k),
    offsetMinutes: offset,
    id: id(path),
    mtimeMs: at(k),
    targetBytes: 0,
  })
  // 4 + 234 + 5 = 243 bytes: long, and still under the 255-byte name limit.
  const long = `IMG_${'LONGNAME_'.repeat(26).slice(0, 240)}.HEIC`
  return [
    f(`${dir}/Photo 2024-05-01 at 10.11.12 (1).JPG`, 'odd', { template: 'photo1.jpg' }, 1),
    f(`${dir}/${'Café São Paulo ünïcödé.JPG'.normalize('NFD')}`, 'odd', { template: 'photo2.jpg' }, 2),
    f(`${dir}/${long}`, 'odd', { template: 'photo3.heic' }, 3),
    // An interrupted write leaves a zero-byte file behind.
    f(`${dir}/IMG_${next}.JPG`, 'empty', { empty: true }, 4),
    f('.MISC/Info.plist', 'misc', { miscPlist: true }, 5),
  ]
}
