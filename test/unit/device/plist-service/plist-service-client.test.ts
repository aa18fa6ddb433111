import { afterEach, describe, expect, it } from 'vitest'
import type net from 'node:net'
import { PlistServiceClient } from '../../../../src/main/device/plist-service/plist-service-client.js'
import { encodePlistServiceFrame } from '../../../../src/main/device/plist-service/plist-service-codec.js'
import { socketPair } from '../peers/socket-pair.js'

let sockets: net.Socket[] = []
afterEach(() => {
  sockets.forEach((s) => s.destroy())
  sockets = []
})

async function setup(timeoutMs = 1000): Promise<{ client: PlistServiceClient; peer: net.Socket }> {
  const [a, b] = await socketPair()
  sockets.push(a, b)
  b.on('error', () => undefined)
  return { client: new PlistServiceClient({ stream: a, leftover: Buffer.alloc(0) }, 'test', { timeoutMs }), peer: b }
}

describe('PlistServiceClient', () => {
  it('answers requests one at a time, in order, even when the reply arrives in pieces', async () => {
    const { client, peer } = await setup()
    peer.on('data', () => {
      const bytes = encodePlistServiceFrame({ Request: 'X', Value: 1 })
      peer.write(bytes.subarray(0, 3))
      setTimeout(() => peer.write(bytes.subarray(3)), 10)
    })
    const [a, b] = await Promise.all([client.request({ Request: 'X' }), client.request({ Request: 'X' })])
    expect(a).toEqual({ Request: 'X', Value: 1 })
    expect(b).toEqual({ Request: 'X', Value: 1 })
  })

  it.each<[string, Buffer]>([
    ['a frame nobody asked for', encodePlistServiceFrame({ Request: 'Surprise' })],
    ['a 4 GiB length', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x3c])],
    ['an empty frame', Buffer.from([0, 0, 0, 0])],
  ])('closes with device-protocol on %s', async (_name, bytes) => {
    const { client, peer } = await setup()
    peer.write(bytes)
    await expect.poll(() => client.closed).toBe(true)
    await expect(client.request({ Request: 'QueryType' })).rejects.toMatchObject({ code: 'device-protocol' })
  })

  it('rejects an invalid plist body as device-protocol', async () => {
    const { client, peer } = await setup()
    peer.on('data', () => peer.write(Buffer.concat([Buffer.from([0, 0, 0, 5]), Buffer.from('hello')])))
    await expect(client.request({ Request: 'QueryType' })).rejects.toMatchObject({ code: 'device-protocol' })
  })

  it('times out a silent device and reports EOF as device-unplugged', async () => {
    const slow = await setup(100)
    await expect(slow.client.request({ Request: 'QueryType' })).rejects.toMatchObject({ code: 'device-timeout' })
    const gone = await setup()
    gone.peer.on('data', () => gone.peer.end())
    await expect(gone.client.request({ Request: 'QueryType' })).rejects.toMatchObject({ code: 'device-unplugged' })
  })

  it('honours an AbortSignal', async () => {
    const { client } = await setup()
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 20)
    await expect(client.request({ Request: 'QueryType' }, { signal: ac.signal })).rejects.toMatchObject({ code: 'aborted' })
  })
})
