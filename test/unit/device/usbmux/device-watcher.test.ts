import type net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { watchDevices, type DeviceEvent } from '../../../../src/main/device/usbmux/device-watcher.js'
import { MuxClient } from '../../../../src/main/device/usbmux/mux-client.js'
import type { PlistDict } from '../../../../src/main/device/plist/plist-codec.js'
import { attached, frame, result, startScriptedMux, type ScriptedMux } from '../peers/scripted-mux.js'

let mux: ScriptedMux | undefined
afterEach(async () => {
  await mux?.close()
  mux = undefined
})

/** A usbmuxd whose device set the test changes; Listen sockets get live events. */
async function restartableMux(devices: Map<number, string>): Promise<{ mux: ScriptedMux; listeners: Set<net.Socket>; push: (dict: PlistDict) => void }> {
  const listeners = new Set<net.Socket>()
  const m = await startScriptedMux((req) => {
    if (req.MessageType === 'ListDevices') return { reply: { DeviceList: [...devices].map(([id, udid]) => attached(id, udid)) } }
    if (req.MessageType === 'Listen') {
      return {
        takeover: (socket, tag) => {
          listeners.add(socket)
          socket.on('close', () => listeners.delete(socket))
          socket.write(Buffer.concat([frame(result(0), tag), ...[...devices].map(([id, udid]) => frame(attached(id, udid), 0))]))
        },
      }
    }
    return { reply: result(1) }
  })
  return { mux: m, listeners, push: (dict) => listeners.forEach((s) => s.write(frame(dict, 0))) }
}

const describeEvent = (e: DeviceEvent): string => (e.type === 'mux-up' ? 'up' : e.type === 'mux-down' ? `down:${e.error.code}` : `${e.type}:${e.device.deviceId}`)

describe('watchDevices', () => {
  it('survives a usbmuxd restart: no duplicate attach, detach for devices gone meanwhile', async () => {
    const devices = new Map([[3, 'AAAA'], [4, 'BBBB']])
    const env = await restartableMux(devices)
    mux = env.mux
    const events: string[] = []
    const client = new MuxClient({ address: mux.address })
    // Listen attempts counted, so the test can wait for failed reconnects instead of sleeping.
    let listens = 0
    const listen = client.listen.bind(client)
    client.listen = (...args: Parameters<typeof listen>) => {
      listens++
      return listen(...args)
    }
    const watcher = watchDevices(client, (e) => events.push(describeEvent(e)), { minBackoffMs: 30, maxBackoffMs: 100 })
    await expect.poll(() => events).toEqual(['up', 'attached:3', 'attached:4'])
    await expect.poll(() => env.listeners.size).toBe(1)

    await mux.stop()
    await expect.poll(() => events.at(-1)).toBe('down:usbmuxd-not-running')
    devices.delete(3) // unplugged while usbmuxd was away
    devices.set(5, 'CCCC') // plugged in meanwhile
    const listensWhenDown = listens
    await expect.poll(() => listens).toBeGreaterThanOrEqual(listensWhenDown + 3) // a few failed reconnects
    await mux.start()
    await expect.poll(() => events.length).toBe(7)
    // Listen's burst reports 4 (already known: not repeated) and 5; the re-list finds 3 gone.
    expect(events.slice(3)).toEqual(['down:usbmuxd-not-running', 'up', 'attached:5', 'detached:3'])
    expect(events.filter((e) => e === 'down:usbmuxd-not-running')).toHaveLength(1) // reported once, not per retry
    expect(watcher.devices().map((d) => d.deviceId).sort()).toEqual([4, 5])

    env.push({ MessageType: 'Paired', DeviceID: 4 })
    env.push({ MessageType: 'Detached', DeviceID: 5 })
    env.push({ MessageType: 'Detached', DeviceID: 99 }) // unknown: ignored
    await expect.poll(() => events.slice(7)).toEqual(['paired:4', 'detached:5'])
    watcher.close()
    await watcher.done
    expect(watcher.devices().map((d) => d.deviceId)).toEqual([4])
  })

  it('reports mux-down when usbmuxd is not there at start, then mux-up when it appears', async () => {
    const env = await restartableMux(new Map([[8, 'DDDD']]))
    mux = env.mux
    await mux.stop()
    const events: string[] = []
    const ac = new AbortController()
    const watcher = watchDevices(new MuxClient({ address: mux.address }), (e) => events.push(describeEvent(e)), { minBackoffMs: 20, maxBackoffMs: 40, signal: ac.signal })
    await expect.poll(() => events).toEqual(['down:usbmuxd-not-running'])
    await mux.start()
    await expect.poll(() => events).toEqual(['down:usbmuxd-not-running', 'up', 'attached:8'])
    ac.abort()
    await watcher.done
    expect(watcher.muxUp).toBe(true)
  })
})
