/**
 * The AFC wire loop on one tunnel: reads 40-byte-header packets and answers in request order
 * with the request's packet_num (protocol.md §4.1, §4.5). Pipelined reads on read-only handles
 * overlap their disk reads (up to READ_AHEAD at once; each reserved its byte range when it
 * started); every other request runs alone, after the ones before it. The link adds what a phone
 * costs (latency, its per-request service time, one reply at a time through a bounded window), so
 * on a shaped link the next reply waits until this one has left the phone. Read replies go out as
 * header + pooled data buffer without copying, honouring backpressure.
 */
import { AFC_HEADER_SIZE, decodeAfcHeader, encodeAfcHeader } from '../../main/device/afc/packet-codec.js'
import { createLogger } from '../../main/logging/logger.js'
import type { Tunnel } from '../link/device-link.js'
import { ChunkBuffer } from '../../main/device/io/chunk-buffer.js'
import { AfcSession, type AfcReply, type AfcSessionOptions } from './afc-session.js'

const log = createLogger('sim/afc')

/** Stop reading from the socket while this much unprocessed input is queued. */
const INPUT_HIGH_WATER = 8 * 1024 * 1024
/** Disk reads in flight per connection. */
const READ_AHEAD = 4

interface InFlight {
  packetNum: bigint
  overlap: boolean
  reply: Promise<AfcReply>
  /** When the request's last byte reached the phone (link clock): its service time counts from then at the earliest. */
  arrivedAt: number
}

export function serveAfc(tunnel: Tunnel, initial: Buffer, options: AfcSessionOptions): AfcSession {
  const session = new AfcSession(options)
  const input = new ChunkBuffer()
  const socket = tunnel.socket
  const inflight: InFlight[] = []
  let busy = false
  // When input bytes arrived, so a request parsed later still knows its own arrival time.
  let received = 0
  let consumed = 0
  const arrivals: { upto: number; at: number }[] = []
  const arrivalOf = (end: number): number => {
    while (arrivals.length > 1 && arrivals[0]!.upto < end) arrivals.shift()
    return arrivals[0]?.at ?? tunnel.link.now()
  }

  /** Starts every request that may start now (reads overlap; anything else waits for the ones before it). */
  const startMore = (): void => {
    while (input.length >= AFC_HEADER_SIZE) {
      const h = decodeAfcHeader(input.peek(AFC_HEADER_SIZE))
      if (input.length < h.entireLength) return
      const packet = input.peek(h.entireLength)
      const payload = packet.subarray(AFC_HEADER_SIZE, h.thisLength)
      const overlap = session.canOverlap(h.operation, payload)
      const allowed = inflight.length === 0 || (overlap && inflight.length < READ_AHEAD && inflight.every((x) => x.overlap))
      if (!allowed) return
      input.skip(h.entireLength)
      consumed += h.entireLength
      const arrivedAt = arrivalOf(consumed)
      // handle() runs synchronously up to its first await: a read reserves its range right here.
      inflight.push({ packetNum: h.packetNum, overlap, reply: session.handle(h.operation, payload, packet.subarray(h.thisLength)), arrivedAt })
    }
  }

  const pump = async (): Promise<void> => {
    if (busy) return
    busy = true
    try {
      for (;;) {
        if (tunnel.closed) break
        startMore()
        const head = inflight.shift()
        if (!head) break
        const reply = await head.reply
        if (tunnel.closed) {
          reply.release?.()
          break
        }
        const p = reply.payload ?? EMPTY
        const d = reply.data ?? EMPTY
        const header = encodeAfcHeader(head.packetNum, reply.op, p.length, d.length)
        const chunks = d.length > 0 ? (p.length > 0 ? [header, p, d] : [header, d]) : p.length > 0 ? [header, p] : [header]
        const wait = tunnel.reply(chunks, reply.release, head.arrivedAt)
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

  const take = (chunk: Buffer): void => {
    input.push(chunk)
    received += chunk.length
    arrivals.push({ upto: received, at: tunnel.link.now() })
  }

  socket.on('data', (chunk: Buffer) => {
    take(chunk)
    // Pipelined requests pile up while others are served: stop reading past the mark.
    if (busy && input.length >= INPUT_HIGH_WATER) socket.pause()
    void pump()
  })
  tunnel.onClose(() => {
    // Replies still reading from disk give their buffers back when they finish.
    for (const x of inflight.splice(0)) void x.reply.then((r) => r.release?.())
    void session.closeAll()
  })
  if (initial.length > 0) {
    take(initial)
    void pump()
  }
  return session
}

const EMPTY = Buffer.alloc(0)
