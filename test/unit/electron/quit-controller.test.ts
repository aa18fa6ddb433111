import { describe, expect, it } from 'vitest'
import { createQuitController } from '../../../src/main/electron/quit-controller.js'

/** Electron's before-quit event, as far as the controller uses it. */
const quitEvent = () => {
  const e = { prevented: false, preventDefault: () => void (e.prevented = true) }
  return e
}

function setup(stop: () => Promise<void>) {
  const timers: (() => void)[] = []
  const log: string[] = []
  const controller = createQuitController({
    stopEngine: async () => {
      log.push('stop')
      await stop()
      log.push('stopped')
    },
    quit: () => {
      log.push('quit')
      // app.quit() emits before-quit again; Electron quits unless a handler prevents it.
      const e = quitEvent()
      controller.onBeforeQuit(e)
      log.push(e.prevented ? 'prevented' : 'exits')
    },
    timeoutMs: 1000,
    setTimer: (fn) => timers.push(fn),
    onError: (e) => log.push(`error: ${(e as Error).message}`),
  })
  return { controller, log, timers }
}

describe('quit', () => {
  it('waits for the engine to stop, then really quits', async () => {
    let release!: () => void
    const { controller, log } = setup(() => new Promise<void>((r) => (release = r)))
    expect(controller.isQuitting()).toBe(false)
    const first = quitEvent()
    controller.onBeforeQuit(first)
    expect(first.prevented).toBe(true)
    expect(controller.phase).toBe('stopping')
    expect(controller.isQuitting()).toBe(true) // the window may close now
    await Promise.resolve()
    expect(log).toEqual(['stop'])
    release()
    await new Promise((r) => setImmediate(r))
    expect(log).toEqual(['stop', 'stopped', 'quit', 'exits'])
    expect(controller.phase).toBe('stopped')
  })

  it('a second Quit while stopping does not stop twice', async () => {
    let release!: () => void
    const { controller, log } = setup(() => new Promise<void>((r) => (release = r)))
    controller.onBeforeQuit(quitEvent())
    const again = quitEvent()
    controller.onBeforeQuit(again)
    expect(again.prevented).toBe(true)
    release()
    await new Promise((r) => setImmediate(r))
    expect(log.filter((l) => l === 'stop')).toHaveLength(1)
    expect(log.filter((l) => l === 'quit')).toHaveLength(1)
  })

  it('a failing stop is logged and the app still quits', async () => {
    const { controller, log } = setup(() => Promise.reject(new Error('disk gone')))
    controller.onBeforeQuit(quitEvent())
    await new Promise((r) => setImmediate(r))
    expect(log).toEqual(['stop', 'error: disk gone', 'quit', 'exits'])
  })

  it('a stop that hangs gives up after the timeout', async () => {
    const { controller, log, timers } = setup(() => new Promise<void>(() => undefined))
    controller.onBeforeQuit(quitEvent())
    expect(timers).toHaveLength(1)
    timers[0]!()
    expect(log).toEqual(['stop', 'error: engine did not stop within 1000 ms', 'quit', 'exits'])
  })
})
