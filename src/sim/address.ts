/**
 * Where the simulated usbmuxd listens. Accepts the libusbmuxd syntax of USBMUXD_SOCKET_ADDRESS
 * (protocol.md §1.1): `UNIX:/path`, `host:port` (port after the last colon), `[ipv6]:port`,
 * plus a plain path (contains a `/` or no colon) for a Unix socket.
 */
export type SocketAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number }

export function parseSocketAddress(text: string): SocketAddress {
  if (text.startsWith('UNIX:')) {
    const path = text.slice(5)
    if (path === '') throw new RangeError('UNIX: address needs a path')
    return { kind: 'unix', path }
  }
  const colon = text.lastIndexOf(':')
  if (colon < 0 || text.includes('/')) {
    if (text === '') throw new RangeError('empty socket address')
    return { kind: 'unix', path: text }
  }
  let host = text.slice(0, colon)
  const portText = text.slice(colon + 1)
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  if (!/^\d+$/.test(portText)) throw new RangeError(`bad port in socket address "${text}"`)
  const port = Number(portText)
  // Port 0 asks the OS for a free port (tests); libusbmuxd itself accepts 1–65535.
  if (port > 65535) throw new RangeError(`port out of range in socket address "${text}"`)
  return { kind: 'tcp', host: host === '' ? '127.0.0.1' : host, port }
}

/** The USBMUXD_SOCKET_ADDRESS value a libimobiledevice tool (or our client) needs. */
export function formatSocketAddress(address: SocketAddress): string {
  if (address.kind === 'unix') return `UNIX:${address.path}`
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
}
