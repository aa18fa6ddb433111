/**
 * Space on a destination in words, one sentence for the window and the CLI: "1.2 TB free of 2 TB",
 * "Quota: 40 GB of 50 GB used", "S3 doesn't report space". And what counts as little left.
 */
import { formatBytes } from './format.js'
import type { DestinationSpace } from './state.js'

/** Under this much free, or under LOW_SPACE_SHARE of the total, a destination is nearly full. */
export const LOW_SPACE_BYTES = 1_000_000_000
export const LOW_SPACE_SHARE = 0.02

/** What a destination reported, before it is judged (low) and dated. */
export type SpaceReport = Omit<DestinationSpace, 'low' | 'checkedAt'>

export function isLowSpace(freeBytes: number | null, totalBytes: number | null): boolean {
  if (freeBytes === null) return false
  return freeBytes < LOW_SPACE_BYTES || (totalBytes !== null && totalBytes > 0 && freeBytes / totalBytes < LOW_SPACE_SHARE)
}

export function measuredSpace(report: SpaceReport, checkedAt: number): DestinationSpace {
  return { ...report, low: isLowSpace(report.freeBytes, report.totalBytes), checkedAt }
}

export function notReported(note: string): SpaceReport {
  return { measure: 'none', freeBytes: null, totalBytes: null, usedBytes: null, note }
}

export function spaceText(space: DestinationSpace): string {
  const line = spaceLine(space)
  return space.low ? `${line} — almost full; uploads stop when it is full` : line
}

function spaceLine(space: DestinationSpace): string {
  if (space.measure === 'none' || space.freeBytes === null) return space.note ?? 'Space not reported'
  if (space.measure === 'quota' && space.totalBytes !== null) {
    const used = space.usedBytes ?? space.totalBytes - space.freeBytes
    return `Quota: ${formatBytes(used)} of ${formatBytes(space.totalBytes)} used`
  }
  return space.totalBytes !== null ? `${formatBytes(space.freeBytes)} free of ${formatBytes(space.totalBytes)}` : `${formatBytes(space.freeBytes)} free`
}
