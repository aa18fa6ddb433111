/**
 * The safety ledger and the scrub in words, shared by the window and `cradle status` so both say
 * the same: "12,431 photos and videos · safe in 3 places · 2 in iCloud only", "Library ✓ · NAS ✓ · Immich ✓".
 * A mark is never reassuring unless the ledger says so: ✓ only for a copy that is there and not
 * found damaged.
 */
import { formatCount, formatPhotos, formatWhen } from './format.js'
import type { ImportState, QueueItemView, SafetyPlace, SafetySummary, ScrubView, UploadState } from './state.js'

function count(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`
}

/** "12,431 photos and videos · safe in 3 places · 2 in iCloud only". */
export function safetySentence(s: SafetySummary): string {
  if (s.items === 0) return 'No photos or videos yet'
  const parts = [formatPhotos(s.items)]
  const library = s.places.find((p) => p.id === 'library')
  if (s.safeIn > 0) parts.push(`safe in ${count(s.safeIn, 'place', 'places')}`)
  if (library && library.safe < library.of) parts.push(`${formatCount(library.of - library.safe)} not safe in the library yet`)
  if (s.onlyInICloud > 0) parts.push(`${formatCount(s.onlyInICloud)} in iCloud only`)
  return parts.join(' · ')
}

/** "Library ✓ · NAS ✓ · Immich 12,000 of 12,429": each place holding all it should gets a ✓. */
export function placesLine(places: readonly SafetyPlace[]): string {
  return places
    .filter((p) => p.of > 0)
    .map((p) => (p.safe >= p.of ? `${p.name} ✓` : `${p.name} ${formatCount(p.safe)} of ${formatCount(p.of)}`))
    .join(' · ')
}

export interface ItemPlace {
  name: string
  /** ✓ safe there, … on its way, ✗ failed or damaged, – not taken there. */
  mark: '✓' | '…' | '✗' | '–'
  /** The same in words, for screen readers and tooltips. */
  words: string
}

const UPLOAD_MARKS: Record<UploadState, { mark: ItemPlace['mark']; words: string }> = {
  done: { mark: '✓', words: 'uploaded' },
  pending: { mark: '…', words: 'waiting' },
  uploading: { mark: '…', words: 'uploading' },
  failed: { mark: '✗', words: 'failed' },
  skipped: { mark: '–', words: 'not sent there' },
}

/** A photo some file of which is not in the library: what its Library place says instead of ✓. */
const INCOMPLETE_IMPORT: Record<ImportState, Omit<ItemPlace, 'name'> | null> = {
  pending: { mark: '…', words: 'not all in the library yet' },
  importing: { mark: '…', words: 'not all in the library yet' },
  failed: { mark: '✗', words: 'a file could not be imported' },
  'not-on-phone': { mark: '…', words: 'a file is in iCloud only' },
  done: null,
  duplicate: null,
}

/** Where one queue item is safe: the library, then each destination it has a row for. */
export function itemPlaces(item: QueueItemView, names: ReadonlyMap<string, string>): ItemPlace[] {
  if (item.libraryCopy === null) return []
  const damage = item.libraryCopy.damage
  // A photo is in the library when every file of it is (a Live Photo's still may import after its video).
  const missing = INCOMPLETE_IMPORT[item.importState]
  const library: ItemPlace = damage
    ? { name: 'Library', mark: '✗', words: damage === 'missing' ? 'missing from the library' : 'damaged in the library' }
    : missing
      ? { name: 'Library', ...missing }
      : { name: 'Library', mark: '✓', words: item.libraryCopy.verifiedAt ? `in the library, checked ${formatWhen(item.libraryCopy.verifiedAt)}` : 'in the library' }
  return [
    library,
    ...item.uploads.map((u) => {
      const name = names.get(u.destinationId) ?? u.destinationId
      const m = UPLOAD_MARKS[u.state]
      return { name, mark: m.mark, words: `${m.words}${u.error ? `: ${u.error.message}${u.error.action ? `. ${u.error.action}` : ''}` : ''}` }
    }),
  ]
}

/** "Library ✓ · NAS ✓ · Immich …". */
export function itemPlacesLine(places: readonly ItemPlace[]): string {
  return places.map((p) => `${p.name} ${p.mark}`).join(' · ')
}

/** The scrub's line under the library: running, its last result, or why it waits. */
export function scrubLine(s: ScrubView, now: number = Date.now()): string {
  if (s.progress) return `Checking the library: ${formatCount(s.progress.checked)} of ${count(s.progress.total, 'file', 'files')}`
  const parts: string[] = []
  if (s.last) {
    const found = s.last.corrupt + s.last.missing
    parts.push(`Last check ${formatWhen(s.last.finishedAt, now)}: ${count(s.last.checked, 'file', 'files')}, ${found === 0 ? 'all match' : `${formatCount(found)} damaged`}`)
  } else parts.push(s.nextAt === null ? 'Checked when imported' : `Checked when imported · next check ${formatWhen(s.nextAt, now)}`)
  if (s.damaged > 0) parts.push(`${count(s.damaged, 'file needs', 'files need')} a backup from the iPhone to be restored`)
  if (s.waiting === 'power') parts.push('next check waits for AC power')
  return parts.join(' · ')
}
