// @vitest-environment jsdom
/**
 * The safety ledger and the library check in the window: per phone on its card, in total above the
 * destinations, per item in the queue; the scrub's last result, progress and damaged files.
 */
import { act, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { DestinationsSection } from '../../../src/renderer/components/destinations-section.js'
import { DeviceCard } from '../../../src/renderer/components/device-card.js'
import { QueueSection } from '../../../src/renderer/components/queue-section.js'
import { placesLine, safetySentence, scrubLine } from '../../../src/shared/safety-text.js'
import { buildAppState, buildDestination, buildDevice, buildQueueItem, buildSafety, T0 } from '../../fakes/app-state-builder.js'
import { renderWithStore } from './render-app.js'
import { TestTransport } from './test-transport.js'

const UDID = buildDevice().udid
const flush = () => act(async () => new Promise((r) => setTimeout(r, 0)))

describe('safety words', () => {
  it('say how many photos, in how many places, and what is only in iCloud', () => {
    const s = buildSafety({
      items: 12_431,
      onlyInICloud: 2,
      safeIn: 3,
      places: [
        { id: 'library', name: 'Library', safe: 12_429, of: 12_429, verifiedAt: T0 },
        { id: 'nas', name: 'NAS', safe: 12_429, of: 12_429, verifiedAt: null },
        { id: 'immich', name: 'Immich', safe: 12_429, of: 12_429, verifiedAt: null },
      ],
    }).total
    expect(safetySentence(s)).toBe('12,431 photos and videos · safe in 3 places · 2 in iCloud only')
    expect(placesLine(s.places)).toBe('Library ✓ · NAS ✓ · Immich ✓')
  })

  it('never give a ✓ to a place that lacks something, and say what the library lacks', () => {
    const s = buildSafety({
      items: 100,
      safeIn: 0,
      places: [
        { id: 'library', name: 'Library', safe: 98, of: 100, verifiedAt: T0 },
        { id: 'immich', name: 'Immich', safe: 40, of: 100, verifiedAt: null },
      ],
    }).total
    expect(safetySentence(s)).toBe('100 photos and videos · 2 not safe in the library yet')
    expect(placesLine(s.places)).toBe('Library 98 of 100 · Immich 40 of 100')
  })

  it('the scrub: running, its last result, damaged files, waiting for power', () => {
    const now = T0 + 60_000
    expect(scrubLine({ progress: { checked: 1_204, total: 12_430, bytesDone: 1, bytesTotal: 2 }, last: null, waiting: null, nextAt: null, damaged: 0 })).toBe('Checking the library: 1,204 of 12,430 files')
    expect(scrubLine({ progress: null, last: { finishedAt: T0, checked: 12_430, corrupt: 0, missing: 0 }, waiting: null, nextAt: null, damaged: 0 }, now)).toMatch(/^Last check today [\d:]+( [AP]M)?: 12,430 files, all match$/)
    expect(scrubLine({ progress: null, last: { finishedAt: T0, checked: 12_430, corrupt: 1, missing: 1 }, waiting: 'power', nextAt: null, damaged: 2 }, now))
      .toMatch(/^Last check today [\d:]+( [AP]M)?: 12,430 files, 2 damaged · 2 files need a backup from the iPhone to be restored · next check waits for AC power$/)
    expect(scrubLine({ progress: null, last: null, waiting: null, nextAt: null, damaged: 0 })).toBe('Checked when imported')
    expect(scrubLine({ progress: null, last: null, waiting: null, nextAt: T0 + 30 * 86_400_000, damaged: 0 }, now)).toMatch(/^Checked when imported · next check (11 Apr|Apr 11) [\d:]+( [AP]M)?$/)
  })
})

describe('the window', () => {
  it('a phone card says where its photos are safe', () => {
    const safety = buildSafety({ items: 3_511, onlyInICloud: 41, safeIn: 2 })
    renderWithStore(<DeviceCard udid={UDID} />, { state: buildAppState({ safety }) })
    const card = screen.getByRole('article', { name: "Anna's iPhone" })
    expect(within(card).getByTestId('device-safety').textContent).toBe('3,511 photos and videos · safe in 2 places · 41 in iCloud only')
    expect(within(card).getByTestId('device-places').textContent).toBe('Library ✓ · Immich ✓')
  })

  it('the destinations show the total, and the library row the check and its progress', () => {
    const state = buildAppState({
      safety: buildSafety({ items: 12_431, onlyInICloud: 2 }),
      scrub: { progress: { checked: 10, total: 40, bytesDone: 1, bytesTotal: 4 }, last: null, waiting: null, nextAt: null, damaged: 0 },
    })
    renderWithStore(<DestinationsSection />, { state })
    expect(screen.getByTestId('safety-total').textContent).toBe('12,431 photos and videos · safe in 2 places · 2 in iCloud only')
    expect(screen.getByTestId('safety-places').textContent).toBe('Library ✓ · Immich ✓')
    expect(screen.getByTestId('scrub-line').textContent).toBe('Checking the library: 10 of 40 files')
    const bar = screen.getByRole('progressbar', { name: 'Library check' })
    expect([bar.getAttribute('value'), bar.getAttribute('max')]).toEqual(['10', '40'])
  })

  it('a queue row shows where the item is safe; a damaged library copy gets ✗, not ✓', async () => {
    const transport = new TestTransport().answer('listQueue', ({ offset }) => ({
      total: 2,
      offset,
      revision: 1,
      items: [
        buildQueueItem(0, { uploads: [{ destinationId: 'immich-1', state: 'done', error: null }, { destinationId: 'nas', state: 'pending', error: null }] }),
        buildQueueItem(1, { libraryCopy: { damage: 'corrupt', verifiedAt: T0 }, uploads: [{ destinationId: 'immich-1', state: 'done', error: null }] }),
      ],
    }))
    const state = buildAppState({ destinations: [buildDestination(), buildDestination({ id: 'nas', name: 'NAS', kind: 'folder' })], queue: { counts: { all: 2, pending: 0, failed: 0, notOnPhone: 0, done: 2, importPending: 0, importFailed: 0 }, revision: 1 } })
    renderWithStore(<QueueSection />, { state, transport })
    await flush()
    const rows = within(screen.getByRole('list', { name: 'Queue items' })).getAllByRole('listitem')
    const visible = (row: HTMLElement): string => within(row).getByTestId('item-places').querySelector('[aria-hidden="true"]')!.textContent!
    expect(visible(rows[0]!)).toBe('Library ✓ · Immich ✓ · NAS …')
    expect(visible(rows[1]!)).toBe('Library ✗ · Immich ✓')
    expect(within(rows[1]!).getByTestId('item-places').querySelector('.visually-hidden')!.textContent).toBe('Library: damaged in the library; Immich: uploaded')
  })
})
