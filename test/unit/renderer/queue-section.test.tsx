// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { DestinationsSection } from '../../../src/renderer/components/destinations-section.js'
import { QueueSection } from '../../../src/renderer/components/queue-section.js'
import { toWireError } from '../../../src/shared/error-text.js'
import type { QueueFilter } from '../../../src/shared/state.js'
import { buildAppState, buildDestination, buildQueueItem } from '../../fakes/app-state-builder.js'
import { renderWithStore } from './render-app.js'
import { TestTransport } from './test-transport.js'

const counts = { all: 50_000, pending: 2, failed: 3, notOnPhone: 41, done: 49_954, importPending: 2, importFailed: 3 }

function queueTransport() {
  return new TestTransport().answer('listQueue', ({ filter, offset, limit }) => {
    const total = filter === 'failed' ? 3 : 50_000
    const items = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) =>
      buildQueueItem(offset + i, filter === 'failed'
        ? { importState: 'done', uploads: [{ destinationId: 'immich-1', state: 'failed', error: toWireError('destination-rejected', { destinationName: 'Immich' }) }] }
        : offset + i === 0 ? { importState: 'importing', importPercent: 62 } : {}))
    return { total, offset, items, revision: 1 }
  })
}

const flush = () => act(async () => new Promise((r) => setTimeout(r, 0)))

describe('queue section', () => {
  it('shows a window of rows out of 50,000 with their import and upload states', async () => {
    renderWithStore(<QueueSection />, { state: buildAppState({ queue: { counts, revision: 1 } }), transport: queueTransport() })
    await flush()
    expect(screen.getByText('50,000 photos and videos')).toBeTruthy()
    const list = screen.getByRole('list', { name: 'Queue items' })
    const rows = within(list).getAllByRole('listitem')
    expect(rows.length).toBeLessThan(40)
    expect(rows[0]!.getAttribute('aria-setsize')).toBe('50000')
    expect(rows[0]!.textContent).toContain('IMG_0001.HEIC')
    expect(rows[0]!.textContent).toContain('Live Photo')
    expect(rows[0]!.textContent).toContain('Importing 62 %')
    expect(within(rows[1]!).getByTestId('item-places').textContent).toMatch(/^Library ✓ · Immich ✓Library: in the library, checked .*; Immich: uploaded$/)
    expect(list.getAttribute('tabindex')).toBe('0') // the scrolling region is reachable by keyboard
  })

  it('shows the phone\'s albums and favorite on a row, in words for screen readers too', async () => {
    const transport = new TestTransport().answer('listQueue', ({ offset }) => ({
      total: 2,
      offset,
      revision: 1,
      items: [
        buildQueueItem(0, { id: '21', fileName: 'IMG_0001.HEIC', favorite: true, albums: ['Berlin', 'Été 2024 🌊'] }),
        buildQueueItem(1, { id: '22', fileName: 'IMG_0002.HEIC' }),
      ],
    }))
    renderWithStore(<QueueSection />, { state: buildAppState({ queue: { counts: { ...counts, all: 2 }, revision: 1 } }), transport })
    await flush()
    const rows = within(screen.getByRole('list', { name: 'Queue items' })).getAllByRole('listitem')
    expect(within(rows[0]!).getByTestId('item-albums').textContent).toBe(' In albums: Berlin · Été 2024 🌊')
    expect(within(rows[0]!).getByTestId('item-favorite').textContent).toBe(' ★ Favorite')
    expect(within(rows[1]!).queryByTestId('item-albums')).toBeNull()
    expect(within(rows[1]!).queryByTestId('item-favorite')).toBeNull()
  })

  it('shows the engine\'s thumbnail where the item has one, else the kind of file; a broken image falls back', async () => {
    const transport = new TestTransport().answer('listQueue', ({ offset }) => ({
      total: 3,
      offset,
      revision: 1,
      items: [
        buildQueueItem(0, { id: '11', fileName: 'IMG_0001.JPG', libraryPath: '2025/2025-03/IMG_0001.JPG', thumbnail: true }),
        buildQueueItem(1, { id: '12', fileName: 'IMG_0002.MOV', thumbnail: false }),
        buildQueueItem(2, { id: '13', fileName: 'IMG_0003.HEIC', thumbnail: false }),
      ],
    }))
    renderWithStore(<QueueSection />, { state: buildAppState({ queue: { counts: { ...counts, all: 3 }, revision: 1 } }), transport })
    await flush()
    const rows = within(screen.getByRole('list', { name: 'Queue items' })).getAllByRole('listitem')
    const img = rows[0]!.querySelector('img')!
    expect(img.getAttribute('src')).toBe('/api/thumbnails/11')
    expect(img.getAttribute('alt')).toBe('') // decorative: the file name is the row's name
    expect(img.getAttribute('loading')).toBe('lazy')
    expect(rows[1]!.querySelector('img')).toBeNull()
    expect(rows[1]!.querySelector('.row-thumb')!.textContent).toBe('Video')
    expect(rows[2]!.querySelector('.row-thumb')!.textContent).toBe('HEIC')
    await act(async () => fireEvent.error(img))
    expect(rows[0]!.querySelector('img')).toBeNull()
    expect(rows[0]!.querySelector('.row-thumb')!.textContent).toBe('JPG')
  })

  it('shows a thumbnail the transport fetched (headless: with the token in a header) from a blob: URL, freed when the row goes', async () => {
    const created: Blob[] = []
    const revoked: string[] = []
    const original = { create: URL.createObjectURL, revoke: URL.revokeObjectURL }
    URL.createObjectURL = (blob: Blob) => `blob:test/${created.push(blob)}`
    URL.revokeObjectURL = (url: string) => void revoked.push(url)
    try {
      const picture = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' })
      const asked: string[] = []
      const transport = Object.assign(new TestTransport().answer('listQueue', ({ offset }) => ({
        total: 1, offset, revision: 1,
        items: [buildQueueItem(0, { id: '11', fileName: 'IMG_0001.JPG', thumbnail: true })],
      })), {
        thumbnail: async (itemId: string) => {
          asked.push(itemId)
          return picture
        },
      })
      const view = renderWithStore(<QueueSection />, { state: buildAppState({ queue: { counts: { ...counts, all: 1 }, revision: 1 } }), transport })
      await flush()
      await flush()
      const row = within(screen.getByRole('list', { name: 'Queue items' })).getAllByRole('listitem')[0]!
      expect(asked).toEqual(['11'])
      expect(created).toEqual([picture])
      expect(row.querySelector('img')!.getAttribute('src')).toBe('blob:test/1')
      view.unmount()
      expect(revoked).toEqual(['blob:test/1'])
    } finally {
      URL.createObjectURL = original.create
      URL.revokeObjectURL = original.revoke
    }
  })

  it('filters: Failed N sends the filter and rows show the failure', async () => {
    const transport = queueTransport()
    const r = renderWithStore(<QueueSection />, { state: buildAppState({ queue: { counts, revision: 1 } }), transport })
    await flush()
    const failed = screen.getByRole('button', { name: 'Failed 3' })
    expect(screen.getByRole('button', { name: 'All' }).getAttribute('aria-pressed')).toBe('true')
    await act(async () => fireEvent.click(failed))
    await flush()
    expect(failed.getAttribute('aria-pressed')).toBe('true')
    expect((transport.callsOf('listQueue').at(-1) as { filter: QueueFilter }).filter).toBe('failed')
    expect(within(screen.getByRole('list', { name: 'Queue items' })).getAllByRole('listitem')).toHaveLength(3)
    expect(screen.getByText('3 photos and videos')).toBeTruthy()
    const places = screen.getAllByTestId('item-places')[0]!
    expect(places.querySelector('[aria-hidden="true"]')!.textContent).toBe('Library ✓ · Immich ✗')
    expect(places.querySelector('.visually-hidden')!.textContent).toMatch(/; Immich: failed: Immich did not accept a file\. See the file in the queue for the reason\.$/)
    expect(r.store.getState().queueFilter).toBe('failed')
    expect(screen.getByRole('button', { name: 'In iCloud only 41' })).toBeTruthy()
  })
})

describe('destinations section', () => {
  it('shows each destination’s state and reason, with sign-in only where it applies', async () => {
    const state = buildAppState({
      destinations: [
        buildDestination({ status: 'error', problem: toWireError('destination-unreachable', { destinationName: 'Immich' }) }),
        buildDestination({ id: 'g', name: 'Google Photos', kind: 'google-photos', target: 'Google Photos', status: 'needs-sign-in', problem: toWireError('destination-auth', { destinationName: 'Google Photos' }) }),
      ],
    })
    const transport = new TestTransport().answer('signIn', () => ({ url: 'https://accounts.google.com/o/oauth2/v2/auth?s=g' }))
    const r = renderWithStore(<DestinationsSection />, { state, transport })
    const immich = screen.getByRole('listitem', { name: 'Immich' })
    expect(within(immich).getByTestId('destination-detail').textContent).toBe("Can't reach Immich. Cradle retries by itself when the network is back.")
    expect(within(immich).queryByRole('button', { name: /Sign in/ })).toBeNull()
    const google = screen.getByRole('listitem', { name: 'Google Photos' })
    expect(within(google).getByTestId('destination-detail').textContent).toBe('Google Photos needs you to sign in again. Sign in again.')
    await act(async () => fireEvent.click(within(google).getByRole('button', { name: 'Sign in to Google Photos' })))
    expect(transport.callsOf('signIn')).toEqual([{ id: 'g' }])
    expect(r.opened).toEqual(['https://accounts.google.com/o/oauth2/v2/auth?s=g'])
    await act(async () => fireEvent.click(within(immich).getByRole('button', { name: 'Remove Immich' })))
    expect(r.store.getState().dialog).toEqual({ kind: 'remove-destination', id: 'immich-1' })
  })

  it('shows a Live Photo as one row that opens to list its two files, each with its own state', async () => {
    const file = (id: string, fileName: string, importState: 'done' | 'not-on-phone') => ({
      id, fileName, size: 1_000, importState, importPercent: null, libraryPath: importState === 'done' ? `2025/${fileName}` : null, uploads: [],
      error: importState === 'not-on-phone' ? toWireError('file-not-on-device') : null,
    })
    const transport = new TestTransport().answer('listQueue', ({ offset }) => ({
      total: 2,
      offset,
      revision: 1,
      items: [
        buildQueueItem(0, { id: '31', fileName: 'IMG_0001.HEIC', groupKind: 'live', importState: 'not-on-phone', files: [file('31', 'IMG_0001.HEIC', 'done'), file('32', 'IMG_0001.MOV', 'not-on-phone')] }),
        buildQueueItem(1, { id: '33', fileName: 'IMG_0002.HEIC', groupKind: 'single' }),
      ],
    }))
    renderWithStore(<QueueSection />, { state: buildAppState({ queue: { counts: { ...counts, all: 2 }, revision: 1 } }), transport })
    await flush()
    expect(screen.getByText('2 photos and videos')).toBeTruthy()
    const rows = within(screen.getByRole('list', { name: 'Queue items' })).getAllByRole('listitem')
    expect(rows).toHaveLength(2)
    // A one-file row has no files to list.
    expect(within(rows[1]!).queryByRole('button', { name: /files of/ })).toBeNull()
    const toggle = within(rows[0]!).getByRole('button', { name: 'Show the 2 files of IMG_0001.HEIC' })
    expect(toggle.textContent).toBe('Live Photo · 2 files')
    expect(screen.queryByTestId('queue-files')).toBeNull()
    await act(async () => fireEvent.click(toggle))
    expect(toggle.getAttribute('aria-expanded')).toBe('true')
    const files = screen.getByRole('region', { name: 'Files of IMG_0001.HEIC' })
    expect(within(files).getAllByTestId('queue-file').map((li) => li.querySelector('.row-name')!.textContent + ' ' + li.querySelector('.row-import')!.textContent))
      .toEqual(['IMG_0001.HEIC In the library', 'IMG_0001.MOV In iCloud only'])
    await act(async () => fireEvent.click(within(files).getByRole('button', { name: 'Close' })))
    expect(screen.queryByTestId('queue-files')).toBeNull()
  })
})
