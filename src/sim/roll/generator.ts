/**
 * Writes a planned camera roll (plan.ts) into a folder that the simulator serves as /DCIM:
 * stamped templates, .AAE sidecars, the extras, and optional padding so benches can make
 * multi-GB rolls cheaply. Same options and seed → the same bytes and mtimes.
 */
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { encodeXmlPlist } from '../../main/device/plist/plist-codec.js'
import { planRoll, type FileRole, type PlannedFile, type RollPlanOptions } from './plan.js'
import { stamp, template, type TemplateKind } from './templates.js'

export interface CameraRollOptions extends RollPlanOptions {
  /** Padding bytes: a seeded pseudo-random pattern (default) or a sparse hole (fast, all zeros). */
  padding?: 'random' | 'sparse'
  /** Files written at once (default 32). */
  concurrency?: number
}

export interface RollFile {
  /** Relative to the DCIM folder, "/"-separated (on the phone: "/DCIM/" + path). */
  path: string
  size: number
  kind: TemplateKind | 'aae' | 'plist' | 'empty'
  role: FileRole
  /** The camera-roll item it belongs to (-1 for the extras). */
  item: number
  /** Capture time as stamped in the file (UTC) and the local offset in minutes. */
  captureUtc: string
  offsetMinutes: number
  /** The id stamped into the file (hex); the two halves of a Live Photo share it. */
  id: string
  mtimeMs: number
}

export interface CameraRollManifest {
  dir: string
  seed: number
  count: number
  files: RollFile[]
  totalBytes: number
}

const PATTERN_BYTES = 1024 * 1024
const FREE_BOX = Buffer.from('free', 'latin1')

export async function generateCameraRoll(dir: string, options: CameraRollOptions): Promise<CameraRollManifest> {
  const plan = planRoll(options)
  const seed = options.seed ?? 1
  const pattern = options.padding === 'sparse' ? undefined : patternBlock(seed)
  const dirs = new Set(plan.map((f) => path.posix.dirname(f.path)))
  for (const d of dirs) await fs.mkdir(path.join(dir, ...d.split('/')), { recursive: true })
  const files: RollFile[] = new Array(plan.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < plan.length) {
      const i = next++
      files[i] = await writeOne(dir, plan[i]!, pattern)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 32) }, worker))
  return { dir, seed, count: options.count, files, totalBytes: files.reduce((s, f) => s + f.size, 0) }
}

async function writeOne(dir: string, f: PlannedFile, pattern: Buffer | undefined): Promise<RollFile> {
  const full = path.join(dir, ...f.path.split('/'))
  const id = Buffer.from(f.id, 'hex')
  let content: Buffer
  let kind: RollFile['kind']
  if ('template' in f.source) {
    const t = template(f.source.template)
    content = stamp(t, { utcMs: f.captureUtcMs, offsetMinutes: f.offsetMinutes, id })
    kind = t.kind
  } else if ('aae' in f.source) {
    content = aae(id, f.mtimeMs)
    kind = 'aae'
  } else if ('miscPlist' in f.source) {
    content = encodeXmlPlist({ FolderVersion: 1, LastUsedFolder: 'DCIM' })
    kind = 'plist'
  } else {
    content = Buffer.alloc(0)
    kind = 'empty'
  }
  const size = paddedSize(kind, content.length, f.targetBytes)
  const fh = await fs.open(full, 'w')
  try {
    await writeAll(fh, content, 0)
    if (size > content.length) await pad(fh, kind, content.length, size, id, pattern)
    const mtime = new Date(f.mtimeMs)
    await fh.utimes(mtime, mtime)
  } finally {
    await fh.close()
  }
  return {
    path: f.path,
    size,
    kind,
    role: f.role,
    item: f.item,
    captureUtc: new Date(f.captureUtcMs).toISOString(),
    offsetMinutes: f.offsetMinutes,
    id: f.id,
    mtimeMs: f.mtimeMs,
  }
}

/** Only photos and videos grow; a box needs at least its 8- or 16-byte header. */
function paddedSize(kind: RollFile['kind'], length: number, target: number): number {
  if (target <= length) return length
  if (kind === 'jpeg') return target
  if ((kind === 'heic' || kind === 'mov') && target - length >= 16) return target
  return length
}

/**
 * Grows a file to `size` with bytes that keep it valid: a top-level `free` box for HEIC/MOV
 * (ISO/IEC 14496-12 §8.1.2), trailing bytes after the JPEG end-of-image marker.
 */
async function pad(fh: fs.FileHandle, kind: RollFile['kind'], from: number, size: number, id: Buffer, pattern: Buffer | undefined): Promise<void> {
  let at = from
  const left = size - from
  if (kind === 'heic' || kind === 'mov') {
    const header = Buffer.alloc(left > 0xffffffff ? 16 : 8)
    if (header.length === 16) {
      header.writeUInt32BE(1, 0)
      header.writeBigUInt64BE(BigInt(left), 8)
    } else header.writeUInt32BE(left, 0)
    FREE_BOX.copy(header, 4)
    await writeAll(fh, header, at)
    at += header.length
  }
  if (!pattern) {
    await fh.truncate(size)
    return
  }
  // Start each file at its own offset in the pattern, so no two paddings line up.
  let offset = id.readUInt32BE(0) % PATTERN_BYTES
  while (at < size) {
    const n = Math.min(PATTERN_BYTES - offset, size - at)
    await writeAll(fh, pattern.subarray(offset, offset + n), at)
    at += n
    offset = 0
  }
}

async function writeAll(fh: fs.FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done)
    done += bytesWritten
  }
}

/** 1 MiB of seeded pseudo-random bytes (SHA-256 in counter mode). */
function patternBlock(seed: number): Buffer {
  const out = Buffer.allocUnsafe(PATTERN_BYTES)
  for (let i = 0; i * 32 < PATTERN_BYTES; i++) createHash('sha256').update(`pad:${seed}:${i}`).digest().copy(out, i * 32)
  return out
}

/** An edit sidecar as Photos writes it: an XML plist of adjustments (protocol.md §5). */
export function aae(id: Buffer, editedMs: number): Buffer {
  const data = createHash('sha512').update(id).digest()
  return encodeXmlPlist({
    adjustmentBaseVersion: 0,
    adjustmentData: data,
    adjustmentEditorBundleID: 'com.apple.mobileslideshow',
    adjustmentFormatIdentifier: 'com.apple.photo',
    adjustmentFormatVersion: '1.5',
    adjustmentRenderTypes: 0,
    adjustmentTimestamp: new Date(editedMs),
  })
}
