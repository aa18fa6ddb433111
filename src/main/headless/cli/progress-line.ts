/**
 * One terminal line of progress for `cradle backup --once` on a TTY:
 * "Anna's iPhone [██████░░░░░░] 1,204/3,511 · 4.2 of 9.8 GB · 31 MB/s · about 4 min left · IMG_4471.HEIC". Pure.
 */
import { formatBytes, formatCount, formatSpeed, formatTimeLeft } from '../../../shared/format.js'
import type { ImportProgress } from '../../../shared/state.js'

export function renderProgressLine(label: string, p: ImportProgress, columns = 100): string {
  const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.itemsTotal > 0 ? p.itemsDone / p.itemsTotal : 0
  const barWidth = 20
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * barWidth)
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]`
  const parts = [
    `${formatCount(p.itemsDone)}/${formatCount(p.itemsTotal)}`,
    `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`,
  ]
  if (p.bytesPerSecond > 0) parts.push(formatSpeed(p.bytesPerSecond))
  const left = formatTimeLeft(p.secondsLeft)
  if (left) parts.push(left)
  if (p.currentFile) parts.push(p.currentFile)
  const line = `${label} ${bar} ${parts.join(' · ')}`
  return line.length > columns ? `${line.slice(0, Math.max(0, columns - 1))}…` : line
}
