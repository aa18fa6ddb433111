/**
 * Two connected real sockets (through a Unix socket in a temp folder), so the clients under test
 * run over the same net.Socket code paths as against usbmuxd.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

export function tempSocketPath(name = 'sock'): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cradle-dev-'))
  return { path: path.join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const tmp = tempSocketPath()
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(tmp.path, resolve))
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve))
  const client = net.connect(tmp.path)
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve)
    client.once('error', reject)
  })
  const peer = await accepted
  server.close()
  tmp.cleanup()
  return [client, peer]
}
