// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { App } from '../../../src/renderer/app.js'
import { DeviceCard } from '../../../src/renderer/components/device-card.js'
import { JobControls } from '../../../src/renderer/components/devices-section.js'
import { buildAppState, buildDestination, buildDevice } from '../../fakes/app-state-builder.js'
import { renderWithStore } from './render-app.js'
import { TestTransport } from './test-transport.js'

const backUpNow = () => screen.getByRole('button', { name: /^Back up now$/ })

describe('job controls', () => {
  it('"Back up now" is enabled for a ready phone and sends backupNow', async () => {
    const transport = new TestTransport().answer('backupNow', () => ({ started: true, reason: null }))
    renderWithStore(<JobControls />, { state: buildAppState(), transport })
    expect((backUpNow() as HTMLButtonElement).disabled).toBe(false)
    expect(backUpNow().getAttribute('aria-describedby')).toBeNull()
    await act(async () => fireEvent.click(backUpNow()))
    expect(transport.callsOf('backupNow')).toEqual([{}])
  })

  it('is disabled with the reason shown and linked when it cannot start', () => {
    renderWithStore(<JobControls />, { state: buildAppState({ devices: [buildDevice({ phase: 'ready', connection: 'network' })] }) })
    expect((backUpNow() as HTMLButtonElement).disabled).toBe(true)
    const reason = screen.getByTestId('backup-reason')
    expect(reason.textContent).toBe('Connect your iPhone with a USB cable to back it up.')
    expect(backUpNow().getAttribute('aria-describedby')).toBe(reason.id)
  })

  it('a locked phone: the instruction is said once, on the card, and the button points at it', () => {
    const state = buildAppState({ devices: [buildDevice({ udid: 'u1', phase: 'needs-unlock', trust: 'locked', itemsOnPhone: 0, itemsSafe: 0, photos: null })] })
    renderWithStore(<><DeviceCard udid="u1" /><JobControls /></>, { state })
    expect((backUpNow() as HTMLButtonElement).disabled).toBe(true)
    expect(screen.queryByTestId('backup-reason')).toBeNull()
    expect(screen.getAllByText('Unlock your iPhone to continue.')).toHaveLength(1)
    expect(backUpNow().getAttribute('aria-describedby')).toBe(screen.getByTestId('device-instruction').id)
    expect(screen.getByTestId('device-counts').textContent).toBe('Photos and videos on this iPhone: not counted yet')
  })

  it('while the phone is not charging, "Back up now" asks "Back up anyway?" and backs up when confirmed', async () => {
    const transport = new TestTransport().answer('backupNow', () => ({ started: true, reason: null }))
    const state = buildAppState({ devices: [buildDevice({ udid: 'u1', phase: 'waiting-power', itemsOnPhone: 0, itemsSafe: 0, photos: null })] })
    renderWithStore(<App />, { state, transport })
    expect(screen.getByTestId('headline').textContent).toBe("Anna's iPhone is not charging")
    expect(screen.getByTestId('device-counts').textContent).toBe('Photos and videos on this iPhone: not counted yet')
    await act(async () => fireEvent.click(backUpNow()))
    const dialog = screen.getByRole('dialog', { name: 'Back up anyway?' })
    expect(transport.callsOf('backupNow')).toEqual([])
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' })))
    expect(transport.callsOf('backupNow')).toEqual([])
    await act(async () => fireEvent.click(backUpNow()))
    await act(async () => fireEvent.click(within(screen.getByRole('dialog', { name: 'Back up anyway?' })).getByRole('button', { name: 'Back up anyway' })))
    expect(transport.callsOf('backupNow')).toEqual([{ udid: 'u1', anyway: true }])
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  it('Pause all sits in the header, becomes Resume all, and the headline counts what it holds back', async () => {
    const transport = new TestTransport()
    const r = renderWithStore(<App />, { state: buildAppState(), transport })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Pause all' })))
    expect(transport.callsOf('pause')).toHaveLength(1)
    r.push(buildAppState({ seq: 2, paused: true, destinations: [buildDestination({ counts: { done: 0, pending: 210, failed: 0 } })] }))
    expect(screen.getByTestId('headline').textContent).toBe('Paused — 210 uploads waiting')
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Resume all' })))
    expect(transport.callsOf('resume')).toHaveLength(1)
    expect(screen.getByTestId('backup-reason').textContent).toBe('Paused. Press Resume all to continue.')
  })

  it('before the first snapshot nothing can be pressed', () => {
    renderWithStore(<App />)
    expect((backUpNow() as HTMLButtonElement).disabled).toBe(true)
    expect((screen.getByRole('button', { name: 'Pause all' }) as HTMLButtonElement).disabled).toBe(true)
  })
})
