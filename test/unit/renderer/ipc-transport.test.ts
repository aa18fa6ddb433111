// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { chooseTransport, takeToken, TOKEN_STORAGE_KEY } from '../../../src/renderer/transport/choose-transport.js'
import { CommandError } from '../../../src/renderer/transport/command-error.js'
import { HttpTransport } from '../../../src/renderer/transport/http-transport.js'
import { IpcTransport } from '../../../src/renderer/transport/ipc-transport.js'
import type { CradleBridge, Wire } from '../../../src/shared/contract.js'
import { toWireError } from '../../../src/shared/error-text.js'
import type { AppState } from '../../../src/shared/state.js'
import { buildAppState } from '../../fakes/app-state-builder.js'

/** The preload's bridge as CradleBridge describes it: Wire replies, pushed snapshots. */
function bridge(getState: () => Promise<Wire<AppState>>) {
  const listeners = new Set<(s: AppState) => void>()
  const b: CradleBridge & { push(s: AppState): void; listeners: number } = {
    invoke: (async (name: string) => (name === 'getState' ? getState() : name === 'pause' ? { ok: true } : { ok: false, error: toWireError('not-found') })) as CradleBridge['invoke'],
    onState: (cb) => {
      listeners.add(cb)
      return () => listeners.delete(cb)
    },
    push: (s) => listeners.forEach((l) => l(s)),
    get listeners() {
      return listeners.size
    },
  }
  return b
}

describe('IpcTransport', () => {
  it('unwraps Wire replies and throws refusals as CommandError', async () => {
    const t = new IpcTransport(bridge(async () => ({ ok: true, value: buildAppState() })))
    await expect(t.invoke('pause', undefined)).resolves.toBeUndefined()
    const err = await t.invoke('removeDestination', { id: 'x' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CommandError)
    expect((err as CommandError).code).toBe('not-found')
  })

  it('starts with the current snapshot and never goes back to an older one', async () => {
    let answer!: (w: Wire<AppState>) => void
    const b = bridge(() => new Promise((r) => (answer = r)))
    const t = new IpcTransport(b)
    const seqs: number[] = []
    const off = t.onState((s) => seqs.push(s.seq))
    b.push(buildAppState({ seq: 5 })) // a push overtakes the getState reply
    answer({ ok: true, value: buildAppState({ seq: 4 }) })
    await new Promise((r) => setTimeout(r, 0))
    b.push(buildAppState({ seq: 6 }))
    expect(seqs).toEqual([5, 6])
    const late: number[] = []
    t.onState((s) => late.push(s.seq))
    expect(late).toEqual([6])
    off()
    expect(b.listeners).toBe(1)
  })

  it('says it is always connected', () => {
    const seen: boolean[] = []
    new IpcTransport(bridge(async () => ({ ok: true, value: buildAppState() }))).onConnection((c) => seen.push(c))
    expect(seen).toEqual([true])
  })
})

describe('choosing the transport', () => {
  it('uses the bridge when the preload exposed one', () => {
    const win = Object.assign(Object.create(window), { cradle: bridge(async () => ({ ok: true, value: buildAppState() })) }) as Window
    const chosen = chooseTransport(win)
    expect(chosen.environment).toBe('desktop')
    expect(chosen.transport).toBeInstanceOf(IpcTransport)
  })

  it('uses HTTP in a browser, taking the token from the URL fragment once', () => {
    window.history.replaceState(null, '', '/#token=abc%2Bdef')
    const chosen = chooseTransport(window)
    expect(chosen.environment).toBe('browser')
    expect(chosen.transport).toBeInstanceOf(HttpTransport)
    expect(window.location.hash).toBe('')
    expect(window.localStorage.getItem(TOKEN_STORAGE_KEY)).toBe('abc+def')
    expect(takeToken(window)).toBe('abc+def') // remembered for the next load
    window.localStorage.clear()
    expect(takeToken(window)).toBeNull()
  })
})
