// @vitest-environment jsdom
import { screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { DeviceCard } from '../../../src/renderer/components/device-card.js'
import { DevicesSection } from '../../../src/renderer/components/devices-section.js'
import { toWireError } from '../../../src/shared/error-text.js'
import { buildAppState, buildDevice, buildProgress, T0 } from '../../fakes/app-state-builder.js'
import { renderWithStore } from './render-app.js'

const UDID = buildDevice().udid

describe('device card', () => {
  it('shows who the phone is, its battery and connection, and what is safe', () => {
    renderWithStore(<DeviceCard udid={UDID} />, { state: buildAppState({ devices: [buildDevice({ itemsOnPhone: 3_600, photos: { onPhone: 3_511, safe: 2_307, inICloudOnly: 41, unreadable: 0, inRecentlyDeleted: 0 } })] }) })
    const card = screen.getByRole('article', { name: "Anna's iPhone" })
    expect(within(card).getByText('iPhone 15 · iOS 17.5 · Battery 57 %, charging · USB')).toBeTruthy()
    expect(within(card).getByTestId('device-counts').textContent).toBe('3,511 photos and videos on this iPhone · 2,307 safe')
    expect(within(card).getByTestId('device-icloud').textContent).toBe("41 photos and videos are in iCloud only (Optimize iPhone Storage). They'll be backed up when the iPhone downloads them.")
    expect(within(card).getByText(/^Last backup /)).toBeTruthy()
  })

  it('says apart how many the phone refused ("couldn\'t read"), and never that everything is safe then', () => {
    renderWithStore(<DeviceCard udid={UDID} />, { state: buildAppState({ devices: [buildDevice({ phase: 'done', photos: { onPhone: 50, safe: 44, inICloudOnly: 4, unreadable: 2, inRecentlyDeleted: 0 } })] }) })
    expect(screen.getByTestId('device-unreadable').textContent).toBe("Couldn't read 2 photos and videos from this iPhone. Cradle tries them again the next time it's connected.")
    expect(screen.getByTestId('device-icloud').textContent).toMatch(/^4 photos and videos are in iCloud only/)
    expect(screen.getByTestId('device-status').textContent).toBe("Backed up, except 2 photos and videos Cradle couldn't read.")
  })

  it('answers from the phone\'s Photos library whether every photo is safe, or says why it cannot', () => {
    const library = {
      available: true, note: null, photosOnPhone: 12_000, videosOnPhone: 431, photosSafe: 12_000, videosSafe: 431, inICloudOnly: 2,
      inRecentlyDeletedNotCopied: 37, unknownFiles: [], unknownFileCount: 0, missingFiles: [], missingFileCount: 0,
    }
    const { unmount } = renderWithStore(<DeviceCard udid={UDID} />, { state: buildAppState({ devices: [buildDevice({ photoLibrary: library })] }) })
    expect(screen.getByTestId('device-completeness').textContent).toBe('All 12,431 photos and videos are safe · 2 in iCloud only · 37 in Recently Deleted not copied')
    expect(screen.queryByTestId('device-photos-note')).toBeNull()
    unmount()
    const note = 'Albums and favorites are unavailable for this iPhone: the iPhone refused to share its Photos library (PERM_DENIED)'
    renderWithStore(<DeviceCard udid={UDID} />, { state: buildAppState({ devices: [buildDevice({ photoLibrary: { ...library, available: false, note } })] }) })
    expect(screen.getByTestId('device-photos-note').textContent).toBe(note)
    expect(screen.queryByTestId('device-completeness')).toBeNull()
  })

  it('gives the instruction for a phone waiting for Trust, then drops it once trusted', () => {
    const r = renderWithStore(<DeviceCard udid={UDID} />, { state: buildAppState({ devices: [buildDevice({ phase: 'needs-trust', trust: 'pending' })] }) })
    expect(screen.getByTestId('device-instruction').textContent).toBe('Tap Trust on your iPhone, then enter its passcode.')
    r.push(buildAppState({ seq: 2, devices: [buildDevice({ phase: 'ready' })] }))
    expect(screen.queryByTestId('device-instruction')).toBeNull()
    expect(screen.getByTestId('device-status').textContent).toBe('Connected and ready to back up.')
  })

  it('exposes progress as labelled progressbars: the phone\'s photos and videos safe (the card\'s count) and the data of this backup', () => {
    renderWithStore(<DeviceCard udid={UDID} />, { state: buildAppState({ devices: [buildDevice({ phase: 'importing', lastBackupAt: null, progress: buildProgress() })] }) })
    const items = screen.getByRole('progressbar', { name: 'Photos and videos safe' })
    expect([items.getAttribute('aria-valuemin'), items.getAttribute('aria-valuemax'), items.getAttribute('aria-valuenow')]).toEqual(['0', '3511', '2307'])
    expect(items.getAttribute('aria-valuetext')).toBe('2,307 of 3,511 photos and videos safe')
    // One count: the bar's label says what the card's count line says.
    expect(screen.getByTestId('items-progress').textContent).toBe('2,307 of 3,511 photos and videos safe')
    expect(screen.getByTestId('device-counts').textContent).toBe('3,511 photos and videos on this iPhone · 2,307 safe')
    const bytes = screen.getByRole('progressbar', { name: 'Data copied in this backup' })
    expect([bytes.getAttribute('aria-valuemax'), bytes.getAttribute('aria-valuenow'), bytes.getAttribute('aria-valuetext')]).toEqual(['100', '42', '4.2 GB of 9.8 GB copied in this backup'])
    expect(screen.getByTestId('bytes-progress').textContent).toBe('4.2 GB of 9.8 GB copied in this backup')
    expect(screen.getByTestId('device-last-backup').textContent).toBe('First backup in progress')
    expect(screen.getByTestId('job-line').textContent).toBe('IMG_4471.HEIC · 31 MB/s · about 4 min left')
  })

  it('an unplugged run keeps its progress, says so, and drops speed and time left', () => {
    const device = buildDevice({ connected: false, connection: null, battery: null, phase: 'disconnected', progress: buildProgress(), problem: toWireError('device-unplugged', { deviceName: "Anna's iPhone" }) })
    renderWithStore(<DeviceCard udid={UDID} />, { state: buildAppState({ devices: [device] }) })
    expect(screen.getByTestId('device-status').textContent).toBe("Anna's iPhone was unplugged")
    expect(screen.getByTestId('device-instruction').textContent).toBe('Plug it in again; the backup continues where it stopped.')
    expect(screen.getByText('iPhone 15 · iOS 17.5 · Not connected')).toBeTruthy()
    expect(screen.getByTestId('job-line').textContent).toBe('Stopped at IMG_4471.HEIC')
  })
})

describe('phones section', () => {
  it('without a phone says how to start and when known phones were last backed up', () => {
    const known = buildDevice({ connected: false, phase: 'disconnected', lastBackupAt: T0 })
    const never = buildDevice({ udid: 'x', name: "Ben's iPhone", connected: false, phase: 'disconnected', lastBackupAt: null })
    renderWithStore(<DevicesSection />, { state: buildAppState({ devices: [known, never] }) })
    expect(screen.getByTestId('empty-state').querySelector('.lead')!.textContent).toBe('Connect your iPhone with a cable. Cradle starts by itself.')
    const list = screen.getByRole('list', { name: 'Known phones' })
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      expect.stringMatching(/^Anna's iPhone: last backup /),
      "Ben's iPhone: not backed up yet",
    ])
    expect(screen.queryByRole('article')).toBeNull()
  })
})
