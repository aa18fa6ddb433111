// @vitest-environment jsdom
import { act, fireEvent, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { JobControls } from '../../../src/renderer/components/devices-section.js'
import { buildAppState, buildDevice } from '../../fakes/app-state-builder.js'
import { renderWithStore } from './render-app.js'
import { TestTransport } from './test-transport.js'

const backUpNow = () => screen.getByRole('button', { name: 'Back up now' })

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
    renderWithStore(<JobControls />, { state: buildAppState({ devices: [buildDevice({ phase: 'needs-unlock', trust: 'locked' })] }) })
    expect((backUpNow() as HTMLButtonElement).disabled).toBe(true)
    const reason = screen.getByTestId('backup-reason')
    expect(reason.textContent).toBe('Unlock your iPhone to continue.')
    expect(backUpNow().getAttribute('aria-describedby')).toBe(reason.id)
  })

  it('Pause becomes Resume when paused', async () => {
    const transport = new TestTransport()
    const r = renderWithStore(<JobControls />, { state: buildAppState(), transport })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Pause' })))
    expect(transport.callsOf('pause')).toHaveLength(1)
    r.push(buildAppState({ seq: 2, paused: true }))
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Resume' })))
    expect(transport.callsOf('resume')).toHaveLength(1)
    expect(screen.getByTestId('backup-reason').textContent).toBe('Paused. Press Resume to continue.')
  })

  it('before the first snapshot nothing can be pressed', () => {
    renderWithStore(<JobControls />)
    expect((backUpNow() as HTMLButtonElement).disabled).toBe(true)
    expect((screen.getByRole('button', { name: 'Pause' }) as HTMLButtonElement).disabled).toBe(true)
  })
})
