// @vitest-environment jsdom
import { act, fireEvent, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { FolderPickerDialog } from '../../../src/renderer/components/folder-picker.js'
import { SettingsDialog } from '../../../src/renderer/components/settings-dialog.js'
import { QueueSection } from '../../../src/renderer/components/queue-section.js'
import type { Environment } from '../../../src/renderer/transport/choose-transport.js'
import { buildAppState, buildQueueItem } from '../../fakes/app-state-builder.js'
import { renderWithStore } from './render-app.js'
import { TestTransport } from './test-transport.js'

const flush = () => act(async () => new Promise((r) => setTimeout(r, 0)))

const ITEMS = [
  buildQueueItem(0, { id: '1', fileName: 'IMG_0001.JPG', importState: 'done' }),
  buildQueueItem(1, { id: '2', fileName: 'IMG_0002.HEIC', importState: 'pending', libraryPath: null, libraryCopy: null }),
  buildQueueItem(2, { id: '3', fileName: 'IMG_0003.HEIC', importState: 'not-on-phone', libraryPath: null, libraryCopy: null }),
  buildQueueItem(3, { id: '4', fileName: 'IMG_0004.HEIC', importState: 'done', libraryCopy: { damage: 'missing', verifiedAt: 1 } }),
]

async function renderQueue(environment: Environment) {
  const transport = new TestTransport()
    .answer('listQueue', ({ offset }) => ({ total: ITEMS.length, offset, revision: 1, items: ITEMS.slice(offset) }))
    .answer('openItem', ({ id }) => (environment === 'desktop' ? { by: 'shell' } : { by: 'window', url: `/api/files/${id}?expires=1&sig=x` }))
  const rendered = renderWithStore(<QueueSection />, { environment, transport, state: buildAppState({ queue: { counts: { all: 4, pending: 1, failed: 0, notOnPhone: 1, done: 2, importPending: 1, importFailed: 0 }, revision: 1 } }) })
  await flush()
  const rows = within(screen.getByRole('list', { name: 'Queue items' })).getAllByRole('listitem')
  return { ...rendered, rows }
}

describe('opening a queue row\'s file', () => {
  it('in a browser: a click on the row opens the link the engine gave in a new tab; no "Show in folder"', async () => {
    const { rows, transport, opened } = await renderQueue('browser')
    await act(async () => fireEvent.click(rows[0]!.querySelector('.row-size')!))
    expect(transport.callsOf('openItem')).toEqual([{ id: '1' }])
    expect(opened).toEqual(['/api/files/1?expires=1&sig=x'])
    expect(within(rows[0]!).queryByRole('button', { name: /in its folder/ })).toBeNull()
  })

  it('the name is a button (keyboard: Enter) that opens it', async () => {
    const { rows, transport } = await renderQueue('browser')
    const open = within(rows[0]!).getByRole('button', { name: 'Open IMG_0001.JPG' })
    await act(async () => fireEvent.click(open))
    expect(transport.callsOf('openItem')).toEqual([{ id: '1' }]) // once, not again by the row
  })

  it('in the app: the shell opens it, and "Show in folder" reveals it', async () => {
    const { rows, transport, opened } = await renderQueue('desktop')
    await act(async () => fireEvent.click(within(rows[0]!).getByRole('button', { name: 'Show IMG_0001.JPG in its folder' })))
    expect(transport.callsOf('openItem')).toEqual([{ id: '1', reveal: true }])
    await act(async () => fireEvent.click(within(rows[0]!).getByRole('button', { name: 'Open IMG_0001.JPG' })))
    expect(transport.callsOf('openItem')).toEqual([{ id: '1', reveal: true }, { id: '1' }])
    expect(opened).toEqual([])
  })

  it('offers nothing for a file not in the library: waiting, in iCloud only, or found missing', async () => {
    const { rows, transport } = await renderQueue('desktop')
    for (const row of rows.slice(1)) {
      expect(within(row).queryAllByRole('button')).toEqual([])
      await act(async () => fireEvent.click(row))
    }
    expect(transport.callsOf('openItem')).toEqual([])
  })
})

describe('the headless folder picker', () => {
  function pickerTransport() {
    return new TestTransport()
      .answer('listFolders', ({ path }) => {
        if (path === undefined) return { path: null, parent: null, folders: [{ name: '/home/anna', path: '/home/anna' }], truncated: false }
        if (path === '/home/anna') return { path, parent: null, folders: [{ name: 'Backups', path: '/home/anna/Backups' }], truncated: false }
        if (path === '/home/anna/Backups') return { path, parent: '/home/anna', folders: [], truncated: false }
        throw new Error('unexpected')
      })
  }

  it('walks into a folder, back Up, and chooses one', async () => {
    const chosen: string[] = []
    const transport = pickerTransport()
    renderWithStore(<FolderPickerDialog startAt={undefined} onChoose={(p) => chosen.push(p)} onCancel={() => undefined} />, { transport })
    await flush()
    const dialog = screen.getByRole('dialog', { name: 'Choose a folder' })
    expect(within(dialog).getByRole('button', { name: 'Choose' }).hasAttribute('disabled')).toBe(true)
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: '/home/anna' })))
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Backups' })))
    expect(screen.getByTestId('picker-path').textContent).toBe('/home/anna/Backups')
    expect(within(dialog).getByText('No folders here.')).toBeTruthy()
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Up' })))
    expect(screen.getByTestId('picker-path').textContent).toBe('/home/anna')
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Choose' })))
    expect(chosen).toEqual(['/home/anna'])
  })

  it('starts from the places offered when the field\'s folder may not be shown, and says why a folder was refused', async () => {
    const transport = new TestTransport()
      .refuse('listFolders', 'folder-not-allowed', { path: '/etc' })
    renderWithStore(<FolderPickerDialog startAt="/etc" onChoose={() => undefined} onCancel={() => undefined} />, { transport })
    await flush()
    expect(transport.callsOf('listFolders')).toEqual([{ path: '/etc' }, {}])
    expect(screen.getByRole('alert').textContent).toBe('/etc is outside the folders Cradle may show. Choose a folder in your home folder, next to the library, or under /media or /mnt, or type the path.')
  })
})

describe('Browse in the app', () => {
  it('asks the system\'s folder dialog (from the field\'s folder) and fills the field; a cancel leaves it', async () => {
    let answer: string | null = '/mnt/photos/Cradle'
    const transport = new TestTransport().answer('chooseFolder', () => ({ path: answer }))
    renderWithStore(<SettingsDialog />, { environment: 'desktop', transport, state: buildAppState() })
    const field = screen.getByLabelText('Library folder') as HTMLInputElement
    const before = field.value
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Browse…' })))
    expect(transport.callsOf('chooseFolder')).toEqual([{ startAt: before }])
    expect(field.value).toBe('/mnt/photos/Cradle')
    expect(screen.queryByRole('dialog', { name: 'Choose a folder' })).toBeNull()
    answer = null
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Browse…' })))
    expect(field.value).toBe('/mnt/photos/Cradle')
  })
})
