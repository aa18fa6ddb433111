import { describe, expect, it } from 'vitest'
import { defaultMuxAddress, formatMuxAddress, parseMuxAddress, resolveMuxAddress } from '../../../../src/main/device/usbmux/address.js'
import { isMuxInstalled, muxOpenError } from '../../../../src/main/device/usbmux/mux-install.js'

describe('usbmuxd address (libusbmuxd syntax)', () => {
  it.each([
    ['UNIX:/tmp/mux', { kind: 'unix', path: '/tmp/mux' }],
    ['unix:/tmp/mux', { kind: 'unix', path: '/tmp/mux' }],
    ['/var/run/other', { kind: 'unix', path: '/var/run/other' }],
    ['127.0.0.1:27015', { kind: 'tcp', host: '127.0.0.1', port: 27015 }],
    ['localhost:1', { kind: 'tcp', host: 'localhost', port: 1 }],
    ['[::1]:5000', { kind: 'tcp', host: '::1', port: 5000 }],
    ['fe80::1:5000', { kind: 'tcp', host: 'fe80::1', port: 5000 }], // port = after the last colon
  ])('parses %s', (text, expected) => {
    expect(parseMuxAddress(text, 'linux')).toEqual(expected)
  })

  it.each(['host:0', 'host:65536', 'host:abc', ':27015', 'UNIX:', ''])('ignores %j like libusbmuxd', (text) => {
    expect(parseMuxAddress(text, 'linux')).toBeUndefined()
  })

  it('ignores the UNIX: form on Windows and uses the OS defaults', () => {
    expect(parseMuxAddress('UNIX:/tmp/x', 'win32')).toBeUndefined()
    expect(defaultMuxAddress('win32')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 27015 })
    expect(defaultMuxAddress('darwin')).toEqual({ kind: 'unix', path: '/var/run/usbmuxd' })
    expect(resolveMuxAddress({}, 'linux')).toEqual({ address: { kind: 'unix', path: '/var/run/usbmuxd' }, fromEnv: false })
    expect(resolveMuxAddress({ USBMUXD_SOCKET_ADDRESS: 'h:1' }, 'linux')).toEqual({ address: { kind: 'tcp', host: 'h', port: 1 }, fromEnv: true })
    expect(resolveMuxAddress({ USBMUXD_SOCKET_ADDRESS: 'h:x' }, 'linux').fromEnv).toBe(false)
  })

  it('formats addresses back', () => {
    expect(formatMuxAddress({ kind: 'tcp', host: '::1', port: 5 })).toBe('[::1]:5')
    expect(formatMuxAddress({ kind: 'unix', path: '/a' })).toBe('UNIX:/a')
  })
})

describe('usbmuxd missing or not running', () => {
  const refused = Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' })
  const unix = { kind: 'unix', path: '/var/run/usbmuxd' } as const

  it('is "missing" on Linux when no usbmuxd binary exists, "not running" when it does', () => {
    const none = (): boolean => false
    const some = (p: string): boolean => p === '/usr/sbin/usbmuxd'
    expect(isMuxInstalled('linux', { PATH: '/usr/bin' }, none)).toBe(false)
    expect(muxOpenError(refused, unix, { fromEnv: false, platform: 'linux', env: {}, exists: none })).toMatchObject({ code: 'usbmuxd-missing', context: { address: 'UNIX:/var/run/usbmuxd' } })
    expect(muxOpenError(refused, unix, { fromEnv: false, platform: 'linux', env: {}, exists: some }).code).toBe('usbmuxd-not-running')
  })

  it('never guesses "missing" for an address from the environment, or on macOS', () => {
    expect(muxOpenError(refused, unix, { fromEnv: true, platform: 'linux', env: {}, exists: () => false }).code).toBe('usbmuxd-not-running')
    expect(muxOpenError(refused, unix, { fromEnv: false, platform: 'darwin', env: {}, exists: () => false }).code).toBe('usbmuxd-not-running')
  })

  it('looks for Apple Mobile Device Support on Windows', () => {
    const env = { CommonProgramFiles: 'C:\\Program Files\\Common Files' }
    const exists = (p: string): boolean => p === 'C:\\Program Files\\Common Files\\Apple\\Mobile Device Support'
    expect(isMuxInstalled('win32', env, exists)).toBe(true)
    expect(isMuxInstalled('win32', env, () => false)).toBe(false)
  })
})
