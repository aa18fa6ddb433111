// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react'
import { useState } from 'react'
import { describe, expect, it } from 'vitest'
import { AddDestinationDialog } from '../../../src/renderer/components/add-destination-dialog.js'
import { Dialog } from '../../../src/renderer/components/dialog.js'
import { SettingsDialog } from '../../../src/renderer/components/settings-dialog.js'
import { buildAppState, buildDestination } from '../../fakes/app-state-builder.js'
import { renderWithStore } from './render-app.js'
import { TestTransport } from './test-transport.js'

function Opener() {
  const [open, setOpen] = useState(false)
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>Open</button>
      {open && (
        <Dialog title="Things" onClose={() => setOpen(false)}>
          <input aria-label="First" />
          <button type="button">Last</button>
        </Dialog>
      )}
    </>
  )
}

describe('dialog', () => {
  it('takes focus, keeps Tab inside, closes on Esc and gives focus back', () => {
    renderWithStore(<Opener />)
    const opener = screen.getByRole('button', { name: 'Open' })
    opener.focus()
    fireEvent.click(opener)
    const dialog = screen.getByRole('dialog', { name: 'Things' })
    expect(dialog.getAttribute('aria-modal')).toBe('true')
    expect(document.activeElement).toBe(screen.getByLabelText('First'))
    screen.getByRole('button', { name: 'Last' }).focus()
    fireEvent.keyDown(dialog, { key: 'Tab' })
    expect(document.activeElement).toBe(screen.getByLabelText('First'))
    fireEvent.keyDown(dialog, { key: 'Tab', shiftKey: true })
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Last' }))
    fireEvent.keyDown(dialog, { key: 'Escape' })
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(document.activeElement).toBe(opener)
  })
})

describe('add-destination dialog', () => {
  it('shows the failing field and sends nothing until the form is valid', async () => {
    const transport = new TestTransport().answer('addDestination', (draft) => buildDestination({ id: 'new', name: draft.name }))
    const r = renderWithStore(<AddDestinationDialog />, { state: buildAppState(), transport })
    act(() => r.store.getState().openDialog({ kind: 'add-destination' }))
    const dialog = screen.getByRole('dialog', { name: 'Add a destination' })
    fireEvent.change(within(dialog).getByLabelText('Server address'), { target: { value: 'ftp://nas' } })
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Save' })))
    const field = within(dialog).getByLabelText('Server address')
    expect(field.getAttribute('aria-invalid')).toBe('true')
    expect(within(dialog).getByText('Server address must start with http:// or https://')).toBeTruthy()
    expect(field.getAttribute('aria-describedby')).toContain(within(dialog).getByText('Server address must start with http:// or https://').id)
    expect(transport.callsOf('addDestination')).toEqual([])

    fireEvent.change(field, { target: { value: 'https://photos.home.lan' } })
    fireEvent.change(within(dialog).getByLabelText('API key'), { target: { value: 'secret-key' } })
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Save' })))
    expect(transport.callsOf('addDestination')).toEqual([{ kind: 'immich', name: 'Immich', config: { url: 'https://photos.home.lan' }, secret: 'secret-key' }])
    expect(r.store.getState().dialog).toBeNull()
  })

  it('switching the kind asks for that kind’s fields', () => {
    renderWithStore(<AddDestinationDialog />, { state: buildAppState() })
    fireEvent.change(screen.getByLabelText('Kind'), { target: { value: 's3' } })
    for (const label of ['Endpoint', 'Bucket', 'Access key ID', 'Secret access key', 'Region (optional)']) expect(screen.getByLabelText(label)).toBeTruthy()
    expect(screen.queryByLabelText('API key')).toBeNull()
  })

  it('tests a draft and shows the answer', async () => {
    const transport = new TestTransport().answer('testDestination', () => ({ ok: false, message: "Can't reach Immich" }))
    renderWithStore(<AddDestinationDialog />, { state: buildAppState(), transport })
    fireEvent.change(screen.getByLabelText('Server address'), { target: { value: 'https://x.example' } })
    fireEvent.change(screen.getByLabelText('API key'), { target: { value: 'k' } })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Test connection' })))
    expect(transport.callsOf('testDestination')).toEqual([{ draft: { kind: 'immich', name: 'Immich', config: { url: 'https://x.example' }, secret: 'k' } }])
    expect(screen.getByTestId('test-result').textContent).toBe("Can't reach Immich")
  })
})

describe('settings dialog', () => {
  it('validates before saving and sends only what changed', async () => {
    const transport = new TestTransport().answer('updateSettings', (patch) => ({ ...buildAppState().settings, ...patch }))
    const r = renderWithStore(<SettingsDialog />, { state: buildAppState(), transport })
    act(() => r.store.getState().openDialog({ kind: 'settings' }))
    fireEvent.click(screen.getByLabelText('Wait for a minimum battery level'))
    fireEvent.change(screen.getByLabelText('Battery minimum (%)'), { target: { value: '0' } })
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save' })))
    expect(screen.getByText('Battery minimum must be a whole number from 1 to 100, or off')).toBeTruthy()
    expect(document.activeElement).toBe(screen.getByLabelText('Battery minimum (%)'))
    expect(transport.callsOf('updateSettings')).toEqual([])

    fireEvent.change(screen.getByLabelText('Battery minimum (%)'), { target: { value: '40' } })
    fireEvent.click(screen.getByLabelText('Upload only when this computer is on AC power'))
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save' })))
    expect(transport.callsOf('updateSettings')).toEqual([{ minBatteryPercent: 40, uploadOnlyOnAcPower: false }])
    expect(r.store.getState().dialog).toBeNull()
  })

  it('offers "Start Cradle at login" only in the desktop app', () => {
    const web = renderWithStore(<SettingsDialog />, { state: buildAppState(), environment: 'browser' })
    expect(screen.queryByLabelText('Start Cradle at login')).toBeNull()
    web.unmount()
    renderWithStore(<SettingsDialog />, { state: buildAppState(), environment: 'desktop' })
    expect((screen.getByLabelText('Start Cradle at login') as HTMLInputElement).checked).toBe(true)
  })
})
