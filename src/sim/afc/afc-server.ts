/**
 * The AFC wire loop on one tunnel: reads 40-byte-header packets, runs them one at a time and
 * answers in request order with the request's packet_num (protocol.md §4.1, §4.5). Pipelined
 * requests queue up in the input; reply latency is added by the link, so replies still overlap.
 * Read replies go out as header + pooled data buffer without copying, honouring backpressure.
 */
import { AFC_HEADER_SIZE, decodeAfcHeader, encodeAfcHeader } from '../../main/device/afc/packet-codec.js'
import { createLogger } from '../../main/logging/logger.js'
import type { Tunnel } from '../link/device-link.js'
import { ByteQueue } from '../util/byte-queue.js'
import { AfcSession, type AfcSessionOptions } from './afc-session.js'

const log = createLogger('sim/afc')

/** Stop reading from the socket while this much unprocessed input is queued. */
const INPUT_HIGH_WATER = 8 * 1024 * 1024

export function serveAfc(tunnel: Tunnel, initial: Buffer, options: AfcSessionOptions): AfcSession {
  const session = new AfcSession(options)
  const input = new ByteQueue()
  const socket = tunnel.socket
  let busy = false

  const pump = async (): Promise<void> => {
    if (busy) return
    busy = true
    try {
      while (!tunnel.closed && input.length >= AFC_HEADER_SIZE) {
        const h = decodeAfcHeader(input.peek(AFC_HEADER_SIZE))
        if (input.length < h.entireLength) break
        const packet = input.take(h.entireLength)
        const payload = packet.subarray(AFC_HEADER_SIZE, h.thisLength)
        const data = packet.subarray(h.thisLength)
        const reply = await session.handle(h.operation, payload, data)
        if (tunnel.closed) {
          reply.release?.()
          break
        }
        const p = reply.payload ?? EMPTY
        const d = reply.data ?? EMPTY
        const header = encodeAfcHeader(h.packetNum, reply.op, p.length, d.length)
        const chunks = d.length > 0 ? (p.length > 0 ? [header, p, d] : [header, d]) : p.length > 0 ? [header, p] : [header]
        const wait = tunnel.send(chunks, reply.release)
        if (wait) await wait
        if (socket.isPaused() && input.length < INPUT_HIGH_WATER) socket.resume()
      }
    } catch (error) {
      // A bad magic or an absurd length: the stream cannot be resynchronised, so hang up.
      log.debug('closing AFC connection after a malformed packet', { error })
      tunnel.link.closeTunnel(tunnel, 'destroy', 'malformed AFC packet')
    } finally {
      busy = false
    }
    // Waiting for the rest of a packet: keep reading even past the high-water mark.
    if (socket.isPaused() && !tunnel.closed) socket.resume()
  }

  socket.on('data', (chunk: Buffer) => {
    input.push(chunk)
    // Pipelined requests pile up while one is being served: stop reading past the mark.
    if (busy && input.length >= INPUT_HIGH_WATER) socket.pause()
    void pump()
  })
  tunnel.onClose(() => void session.closeAll())
  if (initial.length > 0) {
    input.push(initial)
    void pump()
  }
  return session
}

const EMPTY = Buffer.alloc(0)
