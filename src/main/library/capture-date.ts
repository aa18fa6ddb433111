/**
 * When a photo was taken, and the wall-clock date the layout files it under.
 * Pure parsing here; the readers (exif-date.ts, quicktime-date.ts) find the raw values.
 */

export type CaptureSource = 'exif' | 'xmp' | 'quicktime-keys' | 'quicktime-mvhd' | 'birthtime' | 'mtime' | 'import-time'

export interface CaptureDate {
  /** Instant in epoch ms. When the offset is unknown, the wall time read as this computer's local time. */
  epochMs: number
  /** Minutes east of UTC the photo was taken in; null when the file did not say. */
  offsetMinutes: number | null
  /** The date on the photographer's clock: what the folder layout uses. */
  wall: { year: number; month: number; day: number }
  source: CaptureSource
}

// Before digital photos existed or far in the future: a broken clock or a corrupt tag.
const MIN_YEAR = 1970
const MAX_YEAR = 2199

function validParts(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (y < MIN_YEAR || y > MAX_YEAR || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return false
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate()
}

/** '+09:00', '-0500', 'Z' → minutes east of UTC; null if absent or malformed. */
export function parseOffset(text: string | undefined | null): number | null {
  if (text === undefined || text === null) return null
  const t = text.trim()
  if (t === 'Z') return 0
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(t)
  if (!m) return null
  const minutes = Number(m[2]) * 60 + Number(m[3])
  if (minutes > 14 * 60) return null
  return m[1] === '-' ? -minutes : minutes
}

function fromParts(p: number[], offset: number | null, source: CaptureSource): CaptureDate | null {
  const [y, mo, d, h, mi, s] = p as [number, number, number, number, number, number]
  if (p.some((n) => !Number.isFinite(n)) || !validParts(y, mo, d, h, mi, s)) return null
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s)
  const epochMs = offset === null ? new Date(y, mo - 1, d, h, mi, s).getTime() : asUtc - offset * 60_000
  return { epochMs, offsetMinutes: offset, wall: { year: y, month: mo, day: d }, source }
}

/** EXIF 'YYYY:MM:DD HH:MM:SS' plus an optional OffsetTime* value. */
export function parseExifDate(value: unknown, offsetText: unknown, source: CaptureSource = 'exif'): CaptureDate | null {
  if (typeof value !== 'string') return null
  const m = /^\s*(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value)
  if (!m) return null
  const offset = parseOffset(typeof offsetText === 'string' ? offsetText : null)
  return fromParts(m.slice(1, 7).map(Number), offset, source)
}

/** ISO 8601 with optional offset: '2022-12-31T23:59:31-0500', '2024-02-29T10:11:12+01:00'. */
export function parseIsoDate(value: unknown, source: CaptureSource): CaptureDate | null {
  if (typeof value !== 'string') return null
  const m = /^\s*(\d{4})[-:](\d{2})[-:](\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$/.exec(value)
  if (!m) return null
  const parts = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number)
  return fromParts(parts, parseOffset(m[7]), source)
}

/** A UTC instant with no known offset (QuickTime mvhd, file times): wall date in this computer's zone. */
export function fromInstant(epochMs: number, source: CaptureSource): CaptureDate | null {
  if (!Number.isFinite(epochMs)) return null
  const d = new Date(epochMs)
  const y = d.getFullYear()
  if (y < MIN_YEAR || y > MAX_YEAR) return null
  return { epochMs, offsetMinutes: null, wall: { year: y, month: d.getMonth() + 1, day: d.getDate() }, source }
}

/** Nanoseconds (bigint) → epoch ms, for AFC/fs birth times. */
export function nsToMs(ns: bigint): number {
  return Number(ns / 1_000_000n)
}
