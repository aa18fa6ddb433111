/**
 * The scripted engine's queue: rows as plain objects, counts, filter + search + paging the way the
 * listQueue command promises. 50,000 rows are an array walk per request, which is fast enough.
 */
import type { QueuePage } from '../../src/shared/contract.js'
import type { QueueCounts, QueueFilter, QueueItemView } from '../../src/shared/state.js'

export function isPending(item: QueueItemView): boolean {
  if (item.importState === 'pending' || item.importState === 'importing') return true
  return (item.importState === 'done' || item.importState === 'duplicate') &&
    item.uploads.some((u) => u.state === 'pending' || u.state === 'uploading')
}

export function isFailed(item: QueueItemView): boolean {
  return item.importState === 'failed' || item.uploads.some((u) => u.state === 'failed')
}

const inLibrary = (item: QueueItemView): boolean => item.importState === 'done' || item.importState === 'duplicate'

/** As the engine's listQueue: Waiting and Failed are about the import and every upload (a file can be both). */
export function matches(item: QueueItemView, filter: QueueFilter): boolean {
  switch (filter) {
    case 'all': return true
    case 'pending': return isPending(item)
    case 'failed': return isFailed(item)
    case 'not-on-phone': return item.importState === 'not-on-phone'
    case 'done': return inLibrary(item)
  }
}

export function countQueue(items: readonly QueueItemView[]): QueueCounts {
  const counts: QueueCounts = { all: items.length, pending: 0, failed: 0, notOnPhone: 0, done: 0, importPending: 0, importFailed: 0 }
  for (const item of items) {
    if (isFailed(item)) counts.failed++
    if (isPending(item)) counts.pending++
    if (item.importState === 'not-on-phone') counts.notOnPhone++
    if (inLibrary(item)) counts.done++
    if (item.importState === 'failed') counts.importFailed++
    if (item.importState === 'pending' || item.importState === 'importing') counts.importPending++
  }
  return counts
}

/** One page of the filtered, searched queue; rows are copied so a later tick cannot change them. */
export function pageQueue(items: readonly QueueItemView[], input: { filter: QueueFilter; offset: number; limit: number; search?: string }, revision: number): QueuePage {
  const needle = input.search?.trim().toLowerCase() ?? ''
  const selected = items.filter((item) => matches(item, input.filter) && (needle === '' || item.fileName.toLowerCase().includes(needle)))
  const slice = selected.slice(input.offset, input.offset + input.limit).map((item) => ({ ...item, uploads: item.uploads.map((u) => ({ ...u })), files: filesOf(item) }))
  return { total: selected.length, offset: input.offset, items: slice, revision }
}

/** A one-file row's file follows the row as the script changes it (a copy, like the row). */
function filesOf(item: QueueItemView): QueueItemView['files'] {
  if (item.files.length !== 1) return item.files.map((f) => ({ ...f, uploads: f.uploads.map((u) => ({ ...u })) }))
  const { id, fileName, size, importState, importPercent, error, libraryPath } = item
  return [{ id, fileName, size, importState, importPercent, error, libraryPath, uploads: item.uploads.map((u) => ({ ...u })) }]
}
