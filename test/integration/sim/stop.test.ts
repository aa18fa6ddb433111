/**
 * `cradle sim` with a generated phone stops on SIGTERM while a client holds a usbmux Listen open
 * (issue 19: stopping must be prompt in every state). The test's own timeout is the bound; the
 * time itself is measured by hand (docs/sim.md).
 */
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import net from 'node:net'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import { spawnCli } from '../../helpers/cli.js'

function listenRequest(): Buffer {
  const xml = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
      '<plist version="1.0"><dict><key>MessageType</key><string>Listen</string><key>ClientVersionString</key><string>stop-test</string><key>ProgName</key><string>stop-test</string></dict></plist>',
  )
  const header = Buffer.alloc(16)
  header.writeUInt32LE(16 + xml.length, 0)
  header.writeUInt32LE(1, 4) // version 1: plist
  header.writeUInt32LE(8, 8) // message type 8: plist
  header.writeUInt32LE(1, 12) // tag
  return Buffer.concat([header, xml])
}

describe('cradle sim stop', () => {
  it('exits with status 0 on SIGTERM while a client listens, closing it and removing its socket', async () => {
    const child = spawnCli(['sim', '--photos', '3000'])
    try {
      const [line] = await once(createInterface({ input: child.stdout! }), 'line')
      const ready = JSON.parse(line as string) as { socket: string; devices: { items: number }[] }
      expect(ready.devices[0]!.items).toBe(3000)
      const socketPath = ready.socket.replace(/^UNIX:/, '')
      const client = net.connect(socketPath)
      await once(client, 'connect')
      client.write(listenRequest())
      await once(client, 'data') // the Listen reply, then the Attached event: the connection is live
      const clientClosed = once(client, 'close')
      child.kill('SIGTERM')
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null]
      expect({ code, signal }).toEqual({ code: 0, signal: null })
      await clientClosed
      expect(existsSync(socketPath)).toBe(false)
    } finally {
      child.kill('SIGKILL')
    }
  }, 120_000)
})
