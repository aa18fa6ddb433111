import { describe, expect, it } from 'vitest'
import { formatSocketAddress, parseSocketAddress } from '../../../src/sim/address.js'

describe('socket addresses (USBMUXD_SOCKET_ADDRESS syntax)', () => {
  it('reads UNIX:/path, plain paths, host:port and [ipv6]:port', () => {
    expect(parseSocketAddress('UNIX:/tmp/mux.sock')).toEqual({ kind: 'unix', path: '/tmp/mux.sock' })
    expect(parseSocketAddress('/var/run/usbmuxd')).toEqual({ kind: 'unix', path: '/var/run/usbmuxd' })
    expect(parseSocketAddress('mux.sock')).toEqual({ kind: 'unix', path: 'mux.sock' })
    expect(parseSocketAddress('127.0.0.1:27015')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 27015 })
    expect(parseSocketAddress('[::1]:27015')).toEqual({ kind: 'tcp', host: '::1', port: 27015 })
    expect(parseSocketAddress(':0')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 0 })
  })

  it('refuses empty paths and bad ports', () => {
    expect(() => parseSocketAddress('UNIX:')).toThrow(RangeError)
    expect(() => parseSocketAddress('')).toThrow(RangeError)
    expect(() => parseSocketAddress('localhost:http')).toThrow(RangeError)
    expect(() => parseSocketAddress('localhost:70000')).toThrow(RangeError)
  })

  it('formats what libusbmuxd and our client read back', () => {
    expect(formatSocketAddress({ kind: 'unix', path: '/tmp/x' })).toBe('UNIX:/tmp/x')
    expect(formatSocketAddress({ kind: 'tcp', host: '127.0.0.1', port: 5 })).toBe('127.0.0.1:5')
    expect(formatSocketAddress({ kind: 'tcp', host: '::1', port: 5 })).toBe('[::1]:5')
  })
})
