/**
 * Where usbmuxd listens (protocol.md §1.1): `USBMUXD_SOCKET_ADDRESS` in libusbmuxd syntax
 * (`UNIX:/path`, `host:port`, `[ipv6]:port`), plus a bare path as pymobiledevice3 accepts;
 * otherwise the OS default (Unix socket /var/run/usbmuxd, or TCP 127.0.0.1:27015 on Windows).
 */
export type MuxAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number }

/** usbmuxd-proto.h USBMUXD_SOCKET_FILE / USBMUXD_SOCKET_PORT. */
export const DEFAULT_UNIX_PATH = '/var/run/usbmuxd'
export const DEFAULT_TCP_PORT = 27015

export function defaultMuxAddress(platform: NodeJS.Platform = process.platform): MuxAddress {
  return platform === 'win32' ? { kind: 'tcp', host: '127.0.0.1', port: DEFAULT_TCP_PORT } : { kind: 'unix', path: DEFAULT_UNIX_PATH }
}

/** Parses one address; undefined for a value libusbmuxd would ignore. */
export function parseMuxAddress(value: string, platform: NodeJS.Platform = process.platform): MuxAddress | undefined {
  const text = value.trim()
  if (text === '') return undefined
  if (text.toUpperCase().startsWith('UNIX:')) {
    // libusbmuxd ignores the UNIX: form on Windows.
    const path = text.slice(5)
    return platform === 'win32' || path === '' ? undefined : { kind: 'unix', path }
  }
  if (text.startsWith('/') || text.startsWith('.')) return platform === 'win32' ? undefined : { kind: 'unix', path: text }
  const colon = text.lastIndexOf(':')
  if (colon < 0) return platform === 'win32' ? undefined : { kind: 'unix', path: text }
  const portText = text.slice(colon + 1)
  let host = text.slice(0, colon)
  if (!/^\d{1,5}$/.test(portText)) return undefined
  const port = Number(portText)
  if (port < 1 || port > 65535) return undefined
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  if (host === '') return undefined
  return { kind: 'tcp', host, port }
}

/** The address to use, and whether it came from the environment (then no install check applies). */
export function resolveMuxAddress(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): { address: MuxAddress; fromEnv: boolean } {
  const raw = env.USBMUXD_SOCKET_ADDRESS
  const parsed = raw === undefined ? undefined : parseMuxAddress(raw, platform)
  return parsed ? { address: parsed, fromEnv: true } : { address: defaultMuxAddress(platform), fromEnv: false }
}

export function formatMuxAddress(address: MuxAddress): string {
  if (address.kind === 'unix') return `UNIX:${address.path}`
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
}
