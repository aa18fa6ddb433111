/**
 * Capture date of QuickTime/MP4 videos: a small bounded ISO-BMFF box reader (ISO/IEC 14496-12,
 * Apple "QuickTime File Format"). exifr does not read MOV.
 *
 * Preference: Apple's `com.apple.quicktime.creationdate` (moov/meta keys+ilst, ISO 8601 with the
 * offset the phone was in), else moov/mvhd creation_time (seconds since 1904-01-01 UTC, no zone).
 * Bounded: at most MAX_TOP_BOXES top-level boxes, a moov of at most MAX_MOOV bytes read into
 * memory, nesting depth MAX_DEPTH. Anything malformed returns null, never throws or loops.
 */
import fs from 'node:fs/promises'
import { fromInstant, parseIsoDate, type CaptureDate } from './capture-date.js'

const MAX_TOP_BOXES = 64
const MAX_MOOV = 32 * 1024 * 1024
const MAX_DEPTH = 5
/** Seconds from 1904-01-01 (QuickTime epoch) to 1970-01-01. */
export const QT_EPOCH_OFFSET_S = 2_082_844_800
const APPLE_CREATION_KEY = 'com.apple.quicktime.creationdate'
const CONTAINERS = new Set(['moov', 'udta', 'trak', 'meta'])

interface Box { type: string; start: number; body: number; end: number }

/** Child boxes of buf[from, to): malformed sizes end the walk. */
function boxes(buf: Buffer, from: number, to: number): Box[] {
  const out: Box[] = []
  let pos = from
  while (pos + 8 <= to && out.length < 10_000) {
    let size = buf.readUInt32BE(pos)
    const type = buf.toString('latin1', pos + 4, pos + 8)
    let header = 8
    if (size === 1) {
      if (pos + 16 > to) break
      const big = buf.readBigUInt64BE(pos + 8)
      if (big > BigInt(to - pos)) break
      size = Number(big)
      header = 16
    } else if (size === 0) size = to - pos
    if (size < header || pos + size > to) break
    out.push({ type, start: pos, body: pos + header, end: pos + size })
    pos += size
  }
  return out
}

function mvhdDate(buf: Buffer, b: Box): CaptureDate | null {
  if (b.end - b.body < 12) return null
  const version = buf.readUInt8(b.body)
  const seconds = version === 1 ? Number(buf.readBigUInt64BE(b.body + 4)) : buf.readUInt32BE(b.body + 4)
  if (seconds === 0) return null
  return fromInstant((seconds - QT_EPOCH_OFFSET_S) * 1000, 'quicktime-mvhd')
}

/** moov/meta in QuickTime has no version/flags; MP4's udta/meta does. Tell them apart by 'hdlr'. */
function metaChildrenStart(buf: Buffer, b: Box): number {
  if (b.body + 8 <= b.end && buf.toString('latin1', b.body + 4, b.body + 8) === 'hdlr') return b.body
  return b.body + 4
}

function keysDate(buf: Buffer, meta: Box): CaptureDate | null {
  const kids = boxes(buf, metaChildrenStart(buf, meta), meta.end)
  const keys = kids.find((k) => k.type === 'keys')
  const ilst = kids.find((k) => k.type === 'ilst')
  if (!keys || !ilst || keys.body + 8 > keys.end) return null
  const count = buf.readUInt32BE(keys.body + 4)
  let pos = keys.body + 8
  let index = 0
  for (let i = 1; i <= count && pos + 8 <= keys.end; i++) {
    const size = buf.readUInt32BE(pos)
    if (size < 8 || pos + size > keys.end) return null
    if (buf.toString('utf8', pos + 8, pos + size) === APPLE_CREATION_KEY) index = i
    pos += size
  }
  if (index === 0) return null
  for (const item of boxes(buf, ilst.body, ilst.end)) {
    if (buf.readUInt32BE(item.start + 4) !== index) continue
    const data = boxes(buf, item.body, item.end).find((d) => d.type === 'data')
    // data: type indicator (u32, 1 = UTF-8), locale (u32), then the value.
    if (!data || data.body + 8 > data.end || buf.readUInt32BE(data.body) !== 1) return null
    return parseIsoDate(buf.toString('utf8', data.body + 8, data.end), 'quicktime-keys')
  }
  return null
}

function searchMoov(buf: Buffer, from: number, to: number, depth: number, found: { keys: CaptureDate | null; mvhd: CaptureDate | null }): void {
  if (depth > MAX_DEPTH) return
  for (const b of boxes(buf, from, to)) {
    if (b.type === 'mvhd' && depth === 0) found.mvhd ??= mvhdDate(buf, b)
    else if (b.type === 'meta') found.keys ??= keysDate(buf, b)
    else if (CONTAINERS.has(b.type)) searchMoov(buf, b.body, b.end, depth + 1, found)
  }
}

/** Parses a whole moov box body (exported for tests with hand-made boxes). */
export function dateFromMoov(moovBody: Buffer): CaptureDate | null {
  const found = { keys: null as CaptureDate | null, mvhd: null as CaptureDate | null }
  searchMoov(moovBody, 0, moovBody.length, 0, found)
  return found.keys ?? found.mvhd
}

/** Reads the capture date of a QuickTime/MP4 file; null when absent or malformed (never throws). */
export async function readQuickTimeDate(file: string): Promise<CaptureDate | null> {
  let fh: fs.FileHandle | undefined
  try {
    fh = await fs.open(file, 'r')
    const { size } = await fh.stat()
    const head = Buffer.alloc(16)
    let pos = 0
    for (let n = 0; n < MAX_TOP_BOXES && pos + 8 <= size; n++) {
      const { bytesRead } = await fh.read(head, 0, 16, pos)
      if (bytesRead < 8) return null
      let boxSize = head.readUInt32BE(0)
      const type = head.toString('latin1', 4, 8)
      let header = 8
      if (boxSize === 1) {
        if (bytesRead < 16) return null
        boxSize = Number(head.readBigUInt64BE(8))
        header = 16
      } else if (boxSize === 0) boxSize = size - pos
      if (boxSize < header || pos + boxSize > size) return null
      if (type === 'moov') {
        const bodySize = boxSize - header
        if (bodySize > MAX_MOOV) return null
        const body = Buffer.alloc(bodySize)
        const r = await fh.read(body, 0, bodySize, pos + header)
        return r.bytesRead === bodySize ? dateFromMoov(body) : null
      }
      pos += boxSize
    }
    return null
  } catch {
    return null
  } finally {
    await fh?.close().catch(() => undefined)
  }
}
