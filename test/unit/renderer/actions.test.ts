import { describe, expect, it } from 'vitest'
import { connectStore, createAppStore } from '../../../src/renderer/store/store.js'
import type { Environment } from '../../../src/renderer/transport/choose-transport.js'
import { buildAppState, buildDestination } from '../../fakes/app-state-builder.js'
import { TestTransport } from './test-transport.js'

function setup(environment: Environment = 'browser') {
  const transport = new TestTransport()
  const opened: string[] = []
  const store = createAppStore({ transport, environment, openUrl: (u) => opened.push(u) })
  connectStore(store, { transport })
  transport.push(buildAppState())
  return { transport, store, opened }
}

describe('actions', () => {
  it('backupNow sends the phone and says why when nothing started', async () => {
    const { transport, store } = setup()
    transport.answer('backupNow', () => ({ started: false, reason: 'Already backing up.' }))
    await store.getState().backupNow('u1')
    expect(transport.callsOf('backupNow')).toEqual([{ udid: 'u1' }])
    expect(store.getState().notice).toMatchObject({ tone: 'info', text: 'Already backing up.' })
  })

  it('turns a refusal into describeError words and clears busy', async () => {
    const { transport, store } = setup()
    transport.refuse('pause', 'busy')
    const pending = store.getState().pause()
    expect(store.getState().busy.pause).toBe(true)
    await pending
    expect(store.getState().busy.pause).toBeUndefined()
    expect(store.getState().notice).toMatchObject({ tone: 'error', text: 'Cradle is busy with that already' })
  })

  it('a network failure says something went wrong, not a stack trace', async () => {
    const { transport, store } = setup()
    transport.answer('resume', () => {
      throw new TypeError('fetch failed')
    })
    await store.getState().resume()
    expect(store.getState().notice?.text).toBe('Something went wrong inside Cradle. Try again; if it keeps happening, the log has details.')
  })

  it('remembers a refused token so the window can explain the access link', async () => {
    const { transport, store } = setup()
    transport.refuse('getState', 'access-denied')
    await store.getState().run('getState', undefined)
    expect(store.getState().accessDenied).toBe(true)
  })

  it('signIn opens the consent page in a browser, and leaves it to the shell in the app', async () => {
    const browser = setup('browser')
    browser.transport.answer('signIn', () => ({ url: 'https://accounts.google.com/o/oauth2/v2/auth?x=1' }))
    await browser.store.getState().signIn('g1')
    expect(browser.opened).toEqual(['https://accounts.google.com/o/oauth2/v2/auth?x=1'])
    const desktop = setup('desktop')
    desktop.transport.answer('signIn', () => ({ url: 'https://accounts.google.com/o/oauth2/v2/auth?x=1' }))
    await desktop.store.getState().signIn('g1')
    expect(desktop.opened).toEqual([])
  })

  it('removeDestination reports success and failure', async () => {
    const { transport, store } = setup()
    expect(await store.getState().removeDestination('immich-1')).toBe(true)
    transport.refuse('removeDestination', 'not-found')
    expect(await store.getState().removeDestination('gone')).toBe(false)
  })

  it('retryFailed says how many it retried', async () => {
    const { transport, store } = setup()
    transport.answer('retryFailed', () => ({ retried: 3 }))
    await store.getState().retryFailed('immich-1')
    expect(transport.callsOf('retryFailed')).toEqual([{ destinationId: 'immich-1' }])
    expect(store.getState().notice?.text).toBe('Retrying 3 files.')
  })

  it('keeps the snapshot as pushed and the connection as reported', () => {
    const { transport, store } = setup()
    transport.push(buildAppState({ seq: 9, destinations: [buildDestination({ name: 'X' })] }))
    expect(store.getState().snapshot?.seq).toBe(9)
    transport.setConnected(false)
    expect(store.getState().connected).toBe(false)
  })
})
