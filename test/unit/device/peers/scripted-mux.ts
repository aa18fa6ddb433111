/**
 * A scripted usbmuxd for unit tests, written from protocol.md §1 (the real daemon has its own
 * tests in test/integration/device/usbmuxd-daemon.test.ts; the full simulator is src/sim).
 * Each request goes to `onRequest`, which answers with a plist, raw bytes, nothing (stall) or
 * takes the socket over (Connect tunnels, Listen streams).
 */
import net from 'node:net'
import { decodeMuxFrame } from '../../../../src/main/device/usbmux/frame-codec.js'
import { encodePlistFrame, framePlist } from '../../../../src/main/device/usbmux/messages.js'
import type { PlistDict } from '../../../../src/main/device/plist/plist-codec.js'
import { tempSocketPath } from './socket-pair.js'

export type MuxAnswer =
  | { reply: PlistDict }
  | { raw: Buffer }
  | { stall: true }
  | { takeover: (socket: net.Socket, tag: number) => void }

export interface ScriptedMux {
  readonly path: string
  readonly address: string
  readonly requests: PlistDict[]
  readonly sockets: Set<net.Socket>
  close(): Promise<void>
  /** Stops accepting (ECONNREFUSED/ENOENT for new clients) and drops every socket. */
  stop(): Promise<void>
  /** Listens again on the same path (a usbmuxd restart). */
  start(): Promise<void>
}

export function frame(dict: PlistDict, tag: number): Buffer {
  return encodePlistFrame(dict, tag)
}

export function result(n: number): PlistDict {
  return { MessageType: 'Result', Number: n }
}

export async function startScriptedMux(onRequest: (req: PlistDict, tag: number, socket: net.Socket) => MuxAnswer | Promise<MuxAnswer>): Promise<ScriptedMux> {
  const tmp = tempSocketPath('usbmuxd')
  const requests: PlistDict[] = []
  const sockets = new Set<net.Socket>()
  let server: net.Server | undefined

  const serve = (socket: net.Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    let buf: Buffer = Buffer.alloc(0)
    let chain = Promise.resolve()
    let done = false
    const onData = (chunk: Buffer): void => {
      chain = chain.then(() => (done ? undefined : process(chunk))).catch(() => void socket.destroy())
    }
    const process = async (chunk: Buffer): Promise<void> => {
      buf = Buffer.concat([buf, chunk])
      for (;;) {
        const decoded = decodeMuxFrame(buf)
        if ('need' in decoded) return
        buf = decoded.rest
        const req = framePlist(decoded.frame)
        requests.push(req)
        const answer = await onRequest(req, decoded.frame.tag, socket)
        if ('reply' in answer) socket.write(frame(answer.reply, decoded.frame.tag))
        else if ('raw' in answer) socket.write(answer.raw)
        else if ('takeover' in answer) {
          socket.off('data', onData)
          done = true
          answer.takeover(socket, decoded.frame.tag)
          if (buf.length) socket.unshift(buf)
          return
        }
      }
    }
    socket.on('data', onData)
  }

  const mux: ScriptedMux = {
    path: tmp.path,
    address: `UNIX:${tmp.path}`,
    requests,
    sockets,
    async start() {
      server = net.createServer(serve)
      await new Promise<void>((resolve) => server!.listen(tmp.path, resolve))
    },
    async stop() {
      for (const s of sockets) s.destroy()
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()))
      server = undefined
    },
    async close() {
      await mux.stop()
      tmp.cleanup()
    },
  }
  await mux.start()
  return mux
}

/** Properties as Linux usbmuxd 1.1.1 sends them (protocol.md §1.5). */
export function usbProps(id: number, udid: string, extra: PlistDict = {}): PlistDict {
  return { ConnectionSpeed: 480000000, ConnectionType: 'USB', DeviceID: id, LocationID: 0, ProductID: 0x12a8, SerialNumber: udid, ...extra }
}

export function attached(id: number, udid: string, extra: PlistDict = {}): PlistDict {
  return { MessageType: 'Attached', DeviceID: id, Properties: usbProps(id, udid, extra) }
}
