/**
 * Stamps the committed media templates (test/fixtures/media, embedded in template-bytes.ts)
 * with a capture date, a UTC offset and a unique id by same-length byte patches, so every
 * generated file is a real, parseable HEIC/JPEG/PNG/MOV and no tool runs at generation time.
 * Patch sites are found once per template by their marker values (see make-templates.sh).
 */
import { crc32 } from 'node:zlib'
import { TEMPLATE_BASE64 } from './template-bytes.js'

export type TemplateKind = 'heic' | 'jpeg' | 'png' | 'mov'

type SiteKind = 'exifDate' | 'isoLocal' | 'isoUtc' | 'offsetColon' | 'offsetCompact' | 'id32' | 'uuid' | 'qtTime32' | 'qtTime64'

interface Site {
  at: number
  kind: SiteKind
}

export interface Template {
  name: string
  kind: TemplateKind
  bytes: Buffer
  sites: Site[]
  /** PNG chunks [start, end) whose CRC must be recomputed after patching. */
  crcChunks: [number, number][]
}

export interface Stamp {
  /** Capture instant, ms since the epoch (UTC). */
  utcMs: number
  /** The local UTC offset at capture, in minutes (e.g. −300 for −05:00). */
  offsetMinutes: number
  /** 16 bytes: ImageUniqueID (32 hex) / QuickTime content identifier (UUID). */
  id: Buffer
}

const MARKERS: [string, (next: number) => SiteKind][] = [
  ['2001:02:03 04:05:06', () => 'exifDate'],
  // The QuickTime "creation_time" key ends in Z (UTC); Apple's creationdate and XMP carry an offset.
  ['2001-02-03T04:05:06', (next) => (next === 0x5a ? 'isoUtc' : 'isoLocal')],
  ['+07:07', () => 'offsetColon'],
  ['+0707', () => 'offsetCompact'],
  ['C0FFEE00C0FFEE00C0FFEE00C0FFEE00', () => 'id32'],
  ['C0FFEE00-C0FF-EE00-C0FF-EE00C0FFEE00', () => 'uuid'],
]

const KIND_BY_EXT: Record<string, TemplateKind> = { heic: 'heic', jpg: 'jpeg', png: 'png', mov: 'mov' }
/** Seconds from 1904-01-01 (QuickTime's epoch) to 1970-01-01. */
const QT_EPOCH_OFFSET = 2_082_844_800

let cache: Map<string, Template> | undefined

/** All templates, parsed once. */
export function templates(): Map<string, Template> {
  if (cache) return cache
  cache = new Map()
  for (const [name, b64] of Object.entries(TEMPLATE_BASE64)) {
    const bytes = Buffer.from(b64, 'base64')
    const kind = KIND_BY_EXT[name.split('.').pop()!]!
    const sites: Site[] = []
    for (const [marker, classify] of MARKERS) {
      const m = Buffer.from(marker, 'latin1')
      for (let at = bytes.indexOf(m); at >= 0; at = bytes.indexOf(m, at + m.length)) sites.push({ at, kind: classify(bytes[at + m.length] ?? 0) })
    }
    if (kind === 'mov') sites.push(...quickTimeTimeSites(bytes))
    if (!sites.some((s) => s.kind === 'id32' || s.kind === 'uuid')) throw new Error(`template ${name} has no unique-id marker`)
    cache.set(name, { name, kind, bytes, sites, crcChunks: kind === 'png' ? pngChunksWith(bytes, sites) : [] })
  }
  return cache
}

export function template(name: string): Template {
  const t = templates().get(name)
  if (!t) throw new RangeError(`no media template ${name}`)
  return t
}

/** A copy of the template with the date, offset and id written in. */
export function stamp(t: Template, s: Stamp): Buffer {
  const out = Buffer.from(t.bytes)
  const local = new Date(s.utcMs + s.offsetMinutes * 60_000)
  const p2 = (n: number): string => String(n).padStart(2, '0')
  const ymd = `${local.getUTCFullYear()}-${p2(local.getUTCMonth() + 1)}-${p2(local.getUTCDate())}`
  const hms = `${p2(local.getUTCHours())}:${p2(local.getUTCMinutes())}:${p2(local.getUTCSeconds())}`
  const utc = new Date(s.utcMs).toISOString().slice(0, 19)
  const sign = s.offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(s.offsetMinutes)
  const hex = s.id.toString('hex').toUpperCase()
  const text: Record<Exclude<SiteKind, 'qtTime32' | 'qtTime64'>, string> = {
    exifDate: `${ymd.replaceAll('-', ':')} ${hms}`,
    isoLocal: `${ymd}T${hms}`,
    isoUtc: utc,
    offsetColon: `${sign}${p2(Math.floor(abs / 60))}:${p2(abs % 60)}`,
    offsetCompact: `${sign}${p2(Math.floor(abs / 60))}${p2(abs % 60)}`,
    id32: hex,
    uuid: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`,
  }
  const qt = Math.floor(s.utcMs / 1000) + QT_EPOCH_OFFSET
  for (const site of t.sites) {
    if (site.kind === 'qtTime32') out.writeUInt32BE(qt >>> 0, site.at)
    else if (site.kind === 'qtTime64') out.writeBigUInt64BE(BigInt(qt), site.at)
    else out.write(text[site.kind], site.at, 'latin1')
  }
  for (const [start, end] of t.crcChunks) out.writeUInt32BE(crc32(out.subarray(start + 4, end - 4)), end - 4)
  return out
}

/** creation_time and modification_time in every mvhd, tkhd and mdhd atom (ISO/IEC 14496-12 §8.2.2). */
function quickTimeTimeSites(b: Buffer): Site[] {
  const sites: Site[] = []
  const walk = (start: number, end: number): void => {
    let at = start
    while (at + 8 <= end) {
      let size = b.readUInt32BE(at)
      const type = b.toString('latin1', at + 4, at + 8)
      let header = 8
      if (size === 1) {
        size = Number(b.readBigUInt64BE(at + 8))
        header = 16
      } else if (size === 0) size = end - at
      if (size < header || at + size > end) return
      if (type === 'moov' || type === 'trak' || type === 'mdia') walk(at + header, at + size)
      if (type === 'mvhd' || type === 'tkhd' || type === 'mdhd') {
        const v = b[at + header]
        const body = at + header + 4
        if (v === 1) sites.push({ at: body, kind: 'qtTime64' }, { at: body + 8, kind: 'qtTime64' })
        else sites.push({ at: body, kind: 'qtTime32' }, { at: body + 4, kind: 'qtTime32' })
      }
      at += size
    }
  }
  walk(0, b.length)
  return sites
}

/** PNG chunks (length, type, data, CRC) that contain a patch site. */
function pngChunksWith(b: Buffer, sites: Site[]): [number, number][] {
  const out: [number, number][] = []
  let at = 8
  while (at + 12 <= b.length) {
    const end = at + 12 + b.readUInt32BE(at)
    if (sites.some((s) => s.at >= at + 8 && s.at < end - 4)) out.push([at, end])
    at = end
  }
  return out
}
