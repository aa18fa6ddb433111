import type { Duplex } from 'node:stream'

/**
 * A byte stream that changed hands: after a usbmux Connect the socket becomes a raw tunnel to a
 * device port, and any bytes that arrived together with the Connect reply are in `leftover`.
 * The new owner reads `leftover` first, then attaches to `stream` and calls resume().
 */
export interface Channel {
  stream: Duplex
  leftover: Buffer
}
