/**
 * The queue: filters, search, and a windowed list of every photo and video (a Live Photo, an edit
 * with its files, is one row) with its import and upload state; opening a row lists its files.
 */
import { memo, useEffect, useMemo, useState, type MouseEvent } from 'react'
import { formatBytes, formatCount, formatPhotos } from '../../shared/format.js'
import { itemPlaces, itemPlacesLine } from '../../shared/safety-text.js'
import type { ImportState, QueueFileView, QueueItemView } from '../../shared/state.js'
import { rowAt } from '../store/queue-window.js'
import { queueFilters, selectDestinations, selectQueueCounts, selectQueueKey, selectQueueTotal } from '../store/selectors.js'
import { useActions, useAppStore } from '../store/store-context.js'
import { VirtualList } from './virtual-list.js'

export const ROW_HEIGHT = 44
/** A narrow window stacks each row (name over status, then places): taller rows, as styles.css draws them. */
export const NARROW_ROW_HEIGHT = 96
const NARROW = '(max-width: 640px)'

/** Whether the window is narrow, following resizes (the list's fixed row height must match the CSS). */
function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => typeof matchMedia === 'function' && matchMedia(NARROW).matches)
  useEffect(() => {
    if (typeof matchMedia !== 'function') return
    const query = matchMedia(NARROW)
    const update = (): void => setNarrow(query.matches)
    update()
    query.addEventListener('change', update)
    return () => query.removeEventListener('change', update)
  }, [])
  return narrow
}

export function QueueSection() {
  const counts = useAppStore(selectQueueCounts)
  const destinations = useAppStore(selectDestinations)
  const filter = useAppStore((s) => s.queueFilter)
  const total = useAppStore(selectQueueTotal)
  const key = useAppStore(selectQueueKey)
  const error = useAppStore((s) => s.queueError)
  const { setQueueFilter, setQueueRange } = useActions()
  const narrow = useNarrow()
  // Destination names change rarely; a string key keeps rows from re-rendering on every snapshot.
  const namesKey = useAppStore((s) => (s.snapshot?.destinations ?? []).map((d) => `${d.id}\u0001${d.name}`).join('\u0002'))
  const names = useMemo(() => new Map(namesKey === '' ? [] : namesKey.split('\u0002').map((p) => p.split('\u0001') as [string, string])), [namesKey])

  // The opened row, by id: its files show under the list, live while the row is loaded.
  const [openedId, setOpenedId] = useState<string | null>(null)
  const opened = useAppStore((s) => (openedId === null ? undefined : s.queueWindow?.items.find((i) => i.id === openedId)))
  const [lastOpened, setLastOpened] = useState<QueueItemView | null>(null)
  useEffect(() => {
    if (opened) setLastOpened(opened)
  }, [opened])
  const shown = openedId === null ? null : (opened ?? (lastOpened?.id === openedId ? lastOpened : null))
  const toggle = useMemo(() => (id: string) => setOpenedId((current) => (current === id ? null : id)), [])

  const chips = queueFilters(counts, destinations)
  const active = chips.find((c) => c.filter === filter)
  return (
    <section className="panel queue" aria-labelledby="queue-heading">
      <div className="panel-head">
        <h2 id="queue-heading">Queue</h2>
        <div className="filters" role="group" aria-label="Show">
          {chips.map((chip) => (
            <button key={chip.filter} type="button" className="chip" aria-pressed={filter === chip.filter} title={chip.detail ?? undefined} onClick={() => setQueueFilter(chip.filter)}>
              {chip.count === null ? chip.label : `${chip.label} ${formatCount(chip.count)}`}
            </button>
          ))}
        </div>
        <SearchBox />
      </div>
      {active?.detail && <p className="muted queue-detail" data-testid="queue-filter-detail">{active.detail}</p>}
      <p className="muted queue-total" aria-live="polite">{total === 0 ? 'Nothing here.' : formatPhotos(total)}</p>
      {error && <p className="error" role="alert">{error.message}</p>}
      <VirtualList
        total={total}
        rowHeight={narrow ? NARROW_ROW_HEIGHT : ROW_HEIGHT}
        label="Queue items"
        resetKey={key}
        onRangeChange={(r) => setQueueRange(r.start, r.end)}
        renderRow={(index) => <QueueRow key={index} index={index} total={total} names={names} openedId={openedId} onToggle={toggle} />}
      />
      {shown && <RowFiles item={shown} names={names} onClose={() => setOpenedId(null)} />}
    </section>
  )
}

function SearchBox() {
  const { setQueueSearch } = useActions()
  const [text, setText] = useState('')
  useEffect(() => {
    const t = setTimeout(() => setQueueSearch(text), 250)
    return () => clearTimeout(t)
  }, [text, setQueueSearch])
  return <input type="search" className="search" aria-label="Search file names" placeholder="Search file names" value={text} onChange={(e) => setText(e.target.value)} />
}

const IMPORT_WORDS: Record<ImportState, string> = {
  pending: 'Waiting',
  importing: 'Importing',
  done: 'In the library',
  duplicate: 'Already in the library',
  'not-on-phone': 'In iCloud only',
  failed: 'Failed',
}

/** The item's line of the safety ledger: "Library ✓ · NAS ✓ · Immich …", and the same in words for screen readers. */
function ItemSafety({ item, names }: { item: QueueItemView; names: Map<string, string> }) {
  const places = itemPlaces(item, names)
  if (places.length === 0) return <span className="row-uploads" />
  const words = places.map((p) => `${p.name}: ${p.words}`).join('; ')
  const bad = places.some((p) => p.mark === '✗')
  return (
    <span className={`row-uploads places${bad ? ' up-failed' : ''}`} data-testid="item-places" title={words}>
      <span aria-hidden="true">{itemPlacesLine(places)}</span>
      <span className="visually-hidden">{words}</span>
    </span>
  )
}

function importText(item: QueueItemView | QueueFileView): string {
  if (item.importState === 'importing' && item.importPercent !== null) return `Importing ${item.importPercent} %`
  if (item.importState === 'failed' && item.error) return item.error.message
  return IMPORT_WORDS[item.importState]
}

const GROUP_WORDS = { single: null, live: 'Live Photo', edited: 'Edited' } as const

/** What the picture box shows when there is no thumbnail: the kind of file, in a word. */
function kindLabel(fileName: string): string {
  const ext = fileName.slice(fileName.lastIndexOf('.') + 1).toUpperCase()
  if (ext === 'MOV' || ext === 'MP4') return 'Video'
  if (ext === 'AAE') return 'Edit'
  return ext.length > 0 && ext.length <= 4 ? ext : 'File'
}

/**
 * The row's picture: the engine's cheap thumbnail when the item has one (an imported JPEG or PNG),
 * else the kind of file. Decorative (the name says what the row is). Its source comes from the
 * store (a blob: URL in the browser, fetched with the token in a header: no cookie carries it);
 * keyed by item id, so a recycled row never shows the previous item's picture, and a row that
 * scrolls away cancels its fetch and frees its blob.
 */
function Thumbnail({ item }: { item: QueueItemView }) {
  const thumbnailSource = useAppStore((s) => s.thumbnailSource)
  const [src, setSrc] = useState<string | null>(null)
  const [failed, setFailed] = useState(false)
  useEffect(() => {
    if (!item.thumbnail) return
    const abort = new AbortController()
    let blobUrl: string | null = null
    thumbnailSource(item.id, abort.signal).then(
      (url) => {
        const isBlob = url?.startsWith('blob:') === true
        if (abort.signal.aborted) {
          if (isBlob) URL.revokeObjectURL(url!)
          return
        }
        if (isBlob) blobUrl = url
        if (url === null) setFailed(true)
        else setSrc(url)
      },
      () => {
        if (!abort.signal.aborted) setFailed(true)
      },
    )
    return () => {
      abort.abort()
      if (blobUrl) URL.revokeObjectURL(blobUrl)
    }
  }, [item.id, item.thumbnail, thumbnailSource])
  if (!item.thumbnail || failed) return <span className="row-thumb thumb-kind" aria-hidden="true">{kindLabel(item.fileName)}</span>
  return (
    <span className="row-thumb" aria-hidden="true">
      {src !== null && <img src={src} alt="" width={32} height={32} loading="lazy" decoding="async" onError={() => setFailed(true)} />}
    </span>
  )
}

/** What the phone's Photos library says about the row's photo: a favorite, and the albums holding it. */
function PhotoMeta({ item }: { item: QueueItemView }) {
  if (!item.favorite && item.albums.length === 0) return null
  return (
    <>
      {item.favorite && (
        <span className="row-favorite" data-testid="item-favorite">
          <span aria-hidden="true"> ★</span>
          <span className="visually-hidden"> Favorite</span>
        </span>
      )}
      {item.albums.length > 0 && (
        <span className="row-albums muted" data-testid="item-albums">
          <span className="visually-hidden"> In albums:</span> {item.albums.join(' · ')}
        </span>
      )}
    </>
  )
}

/** Whether the row's file is in the library, so there is something to open. */
export function opensFile(item: QueueItemView): boolean {
  return item.libraryPath !== null && (item.importState === 'done' || item.importState === 'duplicate') && item.libraryCopy?.damage !== 'missing'
}

export const FILES_ID = 'queue-row-files'

export const QueueRow = memo(function QueueRow({ index, total, names, openedId, onToggle }: {
  index: number; total: number; names: Map<string, string>; openedId: string | null; onToggle: (id: string) => void
}) {
  const item = useAppStore((s) => rowAt(s.queueWindow, selectQueueKey(s), index))
  // "Show in folder" needs a desktop: the web window offers Open only.
  const desktop = useAppStore((s) => s.environment === 'desktop')
  const { openItem } = useActions()
  if (!item) {
    return <div role="listitem" aria-posinset={index + 1} aria-setsize={total} className="row placeholder" aria-busy="true">Loading…</div>
  }
  const group = GROUP_WORDS[item.groupKind]
  const openable = opensFile(item)
  // A click anywhere on the row opens its file; the name is the button keyboard users reach (Enter).
  const onRowClick = openable
    ? (e: MouseEvent<HTMLDivElement>) => {
      if (!(e.target as HTMLElement).closest('button')) void openItem(item.id)
    }
    : undefined
  const open = openedId === item.id
  // A photo of more than one file opens to list them ("Live Photo · 2 files").
  const groupCell = item.files.length > 1
    ? (
        <button type="button" className="badge files-toggle" aria-expanded={open} aria-controls={open ? FILES_ID : undefined}
          aria-label={`${open ? 'Hide' : 'Show'} the ${item.files.length} files of ${item.fileName}`} onClick={() => onToggle(item.id)}>
          {`${group ?? 'Files'} · ${item.files.length} files`}
        </button>
      )
    : group && <span className="badge">{group}</span>
  return (
    <div role="listitem" aria-posinset={index + 1} aria-setsize={total} className={`row state-${item.importState}${openable ? ' openable' : ''}`} data-row-loaded="" onClick={onRowClick}>
      <Thumbnail key={item.id} item={item} />
      <span className="row-name" title={[item.fileName, ...item.albums].join(' · ')}>
        {openable
          ? <button type="button" className="row-open" aria-label={`Open ${item.fileName}`} onClick={() => void openItem(item.id)}>{item.fileName}</button>
          : item.fileName}
        <PhotoMeta item={item} />
        {openable && desktop && (
          <button type="button" className="row-reveal" aria-label={`Show ${item.fileName} in its folder`} onClick={() => void openItem(item.id, true)}>Show in folder</button>
        )}
      </span>
      <span className="row-group">{groupCell}</span>
      <span className="row-size muted">{formatBytes(item.size)}</span>
      <span className="row-import">{importText(item)}</span>
      <ItemSafety item={item} names={names} />
    </div>
  )
})

/** An opened row's files, each with its own state: the still, its Live Photo video, its edit, its .AAE. */
function RowFiles({ item, names, onClose }: { item: QueueItemView; names: Map<string, string>; onClose: () => void }) {
  return (
    <section className="queue-files" id={FILES_ID} aria-label={`Files of ${item.fileName}`} data-testid="queue-files">
      <div className="queue-files-head">
        <h3>{`${item.fileName} · ${item.files.length} ${item.files.length === 1 ? 'file' : 'files'}`}</h3>
        <button type="button" onClick={onClose}>Close</button>
      </div>
      <ul>
        {item.files.map((f) => {
          const places = itemPlaces({ ...item, importState: f.importState, uploads: f.uploads, libraryCopy: f.libraryPath === null ? null : item.libraryCopy }, names)
          return (
            <li key={f.id} className={`queue-file state-${f.importState}`} data-testid="queue-file">
              <span className="row-name">{f.fileName}</span>
              <span className="row-size muted">{formatBytes(f.size)}</span>
              <span className="row-import">{importText(f)}</span>
              {places.length > 0 && <span className="row-uploads places" title={places.map((p) => `${p.name}: ${p.words}`).join('; ')}>{itemPlacesLine(places)}</span>}
            </li>
          )
        })}
      </ul>
    </section>
  )
}
