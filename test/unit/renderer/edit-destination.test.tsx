// @vitest-environment jsdom
/**
 * Editing a destination from its row: the Edit button (named "Update key" when the key was
 * refused) opens the filled-in form; the secret shows "unchanged" and is kept unless retyped.
 */
import { act, fireEvent, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { App } from '../../../src/renderer/app.js'
import { toWireError } from '../../../src/shared/error-text.js'
import { buildAppState, buildDestination } from '../../fakes/app-state-builder.js'
import { renderWithStore } from './render-app.js'
import { TestTransport } from './test-transport.js'

const refused = buildDestination({
  id: 'imm', name: 'Home Immich', kind: 'immich', target: 'https://photos.home.lan', config: { url: 'https://photos.home.lan' },
  status: 'error', problem: toWireError('destination-auth', { destinationName: 'Home Immich', destinationKind: 'immich' }),
})

describe('edit a destination', () => {
  it('a refused key says so, and "Update key" opens the form filled in with the key field empty', async () => {
    const transport = new TestTransport()
      .answer('updateDestination', ({ id, draft }) => buildDestination({ id, name: draft.name, config: draft.config }))
      .answer('testDestination', () => ({ ok: true, message: 'Home Immich answered.' }))
    const r = renderWithStore(<App />, { state: buildAppState({ destinations: [refused] }), transport })
    const row = screen.getByRole('listitem', { name: 'Home Immich' })
    expect(within(row).getByTestId('destination-detail').textContent).toBe('Home Immich refused the API key. Update the API key.')
    await act(async () => fireEvent.click(within(row).getByRole('button', { name: 'Update key for Home Immich' })))

    const dialog = screen.getByRole('dialog', { name: 'Edit Home Immich' })
    expect((within(dialog).getByLabelText('Kind') as HTMLSelectElement).disabled).toBe(true)
    expect((within(dialog).getByLabelText('Name') as HTMLInputElement).value).toBe('Home Immich')
    expect((within(dialog).getByLabelText('Server address') as HTMLInputElement).value).toBe('https://photos.home.lan')
    const key = within(dialog).getByLabelText('API key') as HTMLInputElement
    expect(key.value).toBe('')
    expect(key.placeholder).toBe('unchanged')
    expect(document.activeElement).toBe(key)

    // Tested with the stored key (none typed), then saved with a new one.
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Test connection' })))
    expect(transport.callsOf('testDestination')).toEqual([{ id: 'imm', draft: { kind: 'immich', name: 'Home Immich', config: { url: 'https://photos.home.lan' } } }])
    fireEvent.change(key, { target: { value: 'new-key' } })
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Save' })))
    expect(transport.callsOf('updateDestination')).toEqual([{ id: 'imm', draft: { kind: 'immich', name: 'Home Immich', config: { url: 'https://photos.home.lan' }, secret: 'new-key' } }])
    expect(r.store.getState().dialog).toBeNull()
  })

  it('Edit keeps the secret unless retyped, and keeps settings the form does not show', async () => {
    const s3 = buildDestination({
      id: 's3', name: 'Bucket', kind: 's3', target: 's3://photos',
      config: { endpoint: 'https://r2.example', bucket: 'photos', accessKeyId: 'AK', region: 'auto', prefix: 'anna', pathStyle: false, checksumsWhenRequired: true },
    })
    const transport = new TestTransport().answer('updateDestination', ({ id }) => buildDestination({ id }))
    renderWithStore(<App />, { state: buildAppState({ destinations: [s3] }), transport })
    const row = screen.getByRole('listitem', { name: 'Bucket' })
    await act(async () => fireEvent.click(within(row).getByRole('button', { name: 'Edit Bucket' })))
    const dialog = screen.getByRole('dialog', { name: 'Edit Bucket' })
    fireEvent.change(within(dialog).getByLabelText('Folder in the bucket (optional)'), { target: { value: 'family' } })
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Save' })))
    expect(transport.callsOf('updateDestination')).toEqual([{
      id: 's3',
      draft: { kind: 's3', name: 'Bucket', config: { endpoint: 'https://r2.example', bucket: 'photos', accessKeyId: 'AK', region: 'auto', prefix: 'family', pathStyle: false, checksumsWhenRequired: true } },
    }])
  })
})
