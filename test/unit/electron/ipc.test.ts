import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { configureLogging, type LogRecord } from '../../../src/main/logging/logger.js'
import { COMMAND_NAMES, IPC, type CommandHandler, type CommandName } from '../../../src/shared/contract.js'
import { CradleError } from '../../../src/shared/errors.js'
import type { AppState } from '../../../src/shared/state.js'
import { registerCommandHandlers, routeCommand, type IpcRegistry } from '../../../src/main/electron/ipc/ipc-router.js'
import { isTrustedSender, type SenderInfo } from '../../../src/main/electron/ipc/trusted-sender.js'
import { appState } from './state-fixture.js'

type Listener = (event: SenderInfo, ...args: unknown[]) => unknown

/** An ipcMain-like registry: handle/removeHandler as Electron documents them (one handler per channel). */
function fakeRegistry(): IpcRegistry & { handlers: Map<string, Listener> } {
  const handlers = new Map<string, Listener>()
  return {
    handlers,
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
      handlers.set(channel, listener)
    },
    removeHandler: (channel) => void handlers.delete(channel),
  }
}

/** A command handler that records what reached it. */
function recordingHandler(behaviour: Partial<Record<CommandName, (input: unknown) => unknown>> = {}): CommandHandler & { calls: [string, unknown][] } {
  const calls: [string, unknown][] = []
  const state: AppState = appState()
  return {
    calls,
    async handle(name, input) {
      calls.push([name, input])
      const fn = behaviour[name]
      return (fn ? await fn(input) : undefined) as never
    },
    subscribe: () => () => undefined,
    current: () => state,
    thumbnail: () => Promise.resolve(null),
    libraryFile: () => Promise.reject(new Error('no files here')),
  }
}

const logged: LogRecord[] = []
beforeEach(() => {
  logged.length = 0
  configureLogging({ sink: (r) => logged.push(r), level: 'debug' })
})
afterAll(() => configureLogging({ level: 'warn', sink: (r) => process.stderr.write(`${JSON.stringify(r)}\n`) }))

const WINDOW_ID = 7
const fromWindow: SenderInfo = { sender: { id: WINDOW_ID }, senderFrame: { url: 'app://cradle/index.html', parent: null } }

describe('IPC routing', () => {
  it('registers exactly one handler per command of the contract, and removes them', () => {
    const registry = fakeRegistry()
    const dispose = registerCommandHandlers({ registry, handler: recordingHandler(), isTrusted: () => true, platform: 'linux' })
    expect([...registry.handlers.keys()].sort()).toEqual(COMMAND_NAMES.map((n) => IPC.command(n)).sort())
    dispose()
    expect(registry.handlers.size).toBe(0)
  })

  it('passes validated input to the engine and the result back as Wire data', async () => {
    const registry = fakeRegistry()
    const handler = recordingHandler({ backupNow: () => ({ started: true, reason: null }) })
    registerCommandHandlers({ registry, handler, isTrusted: () => true, platform: 'linux' })
    const result = await registry.handlers.get(IPC.command('backupNow'))!(fromWindow, { udid: 'abc' })
    expect(result).toEqual({ ok: true, value: { started: true, reason: null } })
    expect(handler.calls).toEqual([['backupNow', { udid: 'abc' }]])
  })

  it('refuses bad input with the failing key, and the engine never sees it', async () => {
    const handler = recordingHandler()
    const bad = await routeCommand(handler, 'updateSettings', [{ startAtLogin: 'yes' }], 'linux')
    expect(bad).toEqual({ ok: false, error: expect.objectContaining({ code: 'invalid-input', message: '"startAtLogin" is not valid', action: 'startAtLogin must be true or false.' }) })
    expect(await routeCommand(handler, 'listQueue', [{ filter: 'everything', offset: 0, limit: 10 }], 'linux')).toMatchObject({ ok: false, error: { code: 'invalid-input', context: { key: 'filter' } } })
    expect(await routeCommand(handler, 'pause', [{ extra: 1 }], 'linux')).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
    expect(await routeCommand(handler, 'pause', [undefined, 'second argument'], 'linux')).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
    expect(handler.calls).toEqual([])
  })

  it('turns engine errors into Wire errors with the sentence for the OS', async () => {
    const handler = recordingHandler({
      backupNow: () => { throw new CradleError('usbmuxd-missing', 'connect ENOENT /var/run/usbmuxd') },
      pause: () => { throw new TypeError('boom') },
    })
    expect(await routeCommand(handler, 'backupNow', [{}], 'win32')).toEqual({
      ok: false,
      error: { code: 'usbmuxd-missing', message: 'The iPhone connection service is not installed', action: 'Install Apple Devices from the Microsoft Store (or iTunes).', context: {} },
    })
    const internal = await routeCommand(handler, 'pause', [undefined], 'linux')
    expect(internal).toMatchObject({ ok: false, error: { code: 'internal' } })
    expect(JSON.stringify(internal)).not.toContain('boom') // the detail goes to the log, not the window
    expect(logged.find((r) => r.level === 'error')).toMatchObject({ message: 'command failed', fields: { command: 'pause', code: 'internal' } })
  })

  it('rejects calls from anyone but our window, before the engine sees them', async () => {
    const registry = fakeRegistry()
    const handler = recordingHandler()
    registerCommandHandlers({ registry, handler, isTrusted: (e) => isTrustedSender(e, WINDOW_ID), platform: 'linux' })
    const pause = registry.handlers.get(IPC.command('pause'))!
    await expect(pause({ sender: { id: 99 }, senderFrame: fromWindow.senderFrame }, undefined)).rejects.toThrow('not allowed')
    expect(handler.calls).toEqual([])
    expect(logged.map((r) => r.message)).toContain('ipc from an untrusted sender dropped')
    await expect(pause(fromWindow, undefined)).resolves.toEqual({ ok: true, value: undefined })
  })

  it('shows every successful result to onResult (sign-in URLs), and no failures', async () => {
    const registry = fakeRegistry()
    const seen: [string, unknown][] = []
    const handler = recordingHandler({ signIn: () => ({ url: 'https://accounts.google.com/o/oauth2/v2/auth?x=1' }) })
    registerCommandHandlers({ registry, handler, isTrusted: () => true, platform: 'linux', onResult: (n, v) => seen.push([n, v]) })
    await registry.handlers.get(IPC.command('signIn'))!(fromWindow, { id: 'g' })
    await registry.handlers.get(IPC.command('signIn'))!(fromWindow, {})
    expect(seen).toEqual([['signIn', { url: 'https://accounts.google.com/o/oauth2/v2/auth?x=1' }]])
  })
})

describe('trusted sender', () => {
  it('accepts only the main frame of our window showing our app', () => {
    expect(isTrustedSender(fromWindow, WINDOW_ID)).toBe(true)
    expect(isTrustedSender(fromWindow, null)).toBe(false) // no window yet
    expect(isTrustedSender({ ...fromWindow, sender: { id: 8 } }, WINDOW_ID)).toBe(false)
    expect(isTrustedSender({ ...fromWindow, senderFrame: null }, WINDOW_ID)).toBe(false)
    expect(isTrustedSender({ ...fromWindow, senderFrame: { url: 'app://cradle/index.html', parent: {} } }, WINDOW_ID)).toBe(false)
    expect(isTrustedSender({ ...fromWindow, senderFrame: { url: 'https://evil.example/', parent: null } }, WINDOW_ID)).toBe(false)
    expect(isTrustedSender({ ...fromWindow, senderFrame: { url: 'file:///tmp/index.html', parent: null } }, WINDOW_ID)).toBe(false)
    expect(isTrustedSender({ ...fromWindow, senderFrame: { url: 'app://other/index.html', parent: null } }, WINDOW_ID)).toBe(false)
  })
})
