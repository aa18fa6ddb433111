/**
 * The words of a destination's History entry, the same in the window and `cradle status`:
 * "Uploaded 210 photos and videos to Immich · 12 not uploaded: NAS is full" — in photos and videos,
 * what did not get there with the reason, never "0 uploaded".
 */
import { formatCount, formatPhotos } from './format.js'
import type { HistoryEntry } from './state.js'

export function uploadBatchText(h: Pick<HistoryEntry, 'sourceName' | 'photosImported' | 'photosNotBackedUp' | 'error'>, locale?: string): string {
  const parts: string[] = []
  if (h.photosImported > 0) parts.push(`Uploaded ${formatPhotos(h.photosImported, locale)} to ${h.sourceName}`)
  if (h.photosNotBackedUp > 0) {
    const to = h.photosImported > 0 ? '' : ` to ${h.sourceName}`
    parts.push(`${formatCount(h.photosNotBackedUp, locale)} not uploaded${to}${h.error ? `: ${h.error.message}` : ''}`)
  }
  return parts.join(' · ')
}
