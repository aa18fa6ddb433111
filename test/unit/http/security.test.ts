import { describe, expect, it } from 'vitest'
import { hostAllowed, hostName, isLoopbackHost, originAllowed, requestToken, tokenMatches, tokenProblem } from '../../../src/main/headless/http/security.js'
import { resolveStaticPath, contentType } from '../../../src/main/headless/http/static-files.js'
import { statusFor } from '../../../src/main/headless/http/command-route.js'
import { toWireError } from '../../../src/shared/error-text.js'

describe('loopback', () => {
  it('knows the loopback addresses and nothing else', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', 'LOCALHOST']) expect(isLoopbackHost(h), h).toBe(true)
    for (const h of ['0.0.0.0', '::', '192.168.1.2', '10.0.0.1', 'localhost.evil.test', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false)
  })
})

describe('Host header', () => {
  const loopback = { loopbackOnly: true, allowedHosts: [] }
  const lan = { loopbackOnly: false, allowedHosts: ['nas.local'] }

  it('splits names from ports, IPv6 in brackets', () => {
    expect(hostName('Example.COM:8420')).toBe('example.com')
    expect(hostName('[::1]:8420')).toBe('[::1]')
    expect(hostName('bad host')).toBeNull()
    expect(hostName(undefined)).toBeNull()
    expect(hostName('a.b:99999999')).toBeNull()
  })

  it('on loopback accepts only loopback names (DNS rebinding defence)', () => {
    expect(hostAllowed('127.0.0.1:8420', loopback)).toBe(true)
    expect(hostAllowed('localhost', loopback)).toBe(true)
    expect(hostAllowed('evil.example:8420', loopback)).toBe(false)
    expect(hostAllowed('192.168.1.5:8420', loopback)).toBe(false)
    expect(hostAllowed(undefined, loopback)).toBe(false)
  })

  it('beyond loopback accepts IP literals and configured names', () => {
    expect(hostAllowed('192.168.1.5:8420', lan)).toBe(true)
    expect(hostAllowed('[fe80::1]:8420', lan)).toBe(true)
    expect(hostAllowed('NAS.local:8420', lan)).toBe(true)
    expect(hostAllowed('rebind.attacker.test', lan)).toBe(false)
  })
})

describe('Origin', () => {
  const host = '127.0.0.1:8420'
  it('accepts its own origin and requests without one', () => {
    expect(originAllowed({ origin: 'http://127.0.0.1:8420', host })).toBe(true)
    expect(originAllowed({ host })).toBe(true)
    expect(originAllowed({ host, 'sec-fetch-site': 'same-origin' })).toBe(true)
    expect(originAllowed({ host, 'sec-fetch-site': 'none' })).toBe(true)
  })

  it('refuses other origins, "null" and cross-site fetches', () => {
    expect(originAllowed({ origin: 'http://evil.example', host })).toBe(false)
    expect(originAllowed({ origin: 'http://127.0.0.1:9999', host })).toBe(false)
    expect(originAllowed({ origin: 'null', host })).toBe(false)
    expect(originAllowed({ origin: 'file://', host })).toBe(false)
    expect(originAllowed({ host, 'sec-fetch-site': 'cross-site' })).toBe(false)
    expect(originAllowed({ host, 'sec-fetch-site': 'same-site' })).toBe(false)
    expect(originAllowed({ origin: 'http://127.0.0.1:8420' })).toBe(false)
  })
})

describe('token', () => {
  it('reads the bearer header, and nothing else (a cookie is no credential)', () => {
    expect(requestToken({ authorization: 'Bearer abc' })).toBe('abc')
    expect(requestToken({ authorization: 'bearer  abc ' })).toBe('abc')
    expect(requestToken({ authorization: 'Basic Zm9v', cookie: 'cradle_token=c' } as { authorization: string })).toBeNull()
    expect(requestToken({ cookie: 'cradle_token=xyz' } as object)).toBeNull()
    expect(requestToken({})).toBeNull()
  })

  it('compares in constant time, any length', () => {
    expect(tokenMatches('secret', 'secret')).toBe(true)
    expect(tokenMatches('secreT', 'secret')).toBe(false)
    expect(tokenMatches('s', 'secret')).toBe(false)
    expect(tokenMatches(null, 'secret')).toBe(false)
  })
})

describe('static paths', () => {
  it('maps / to index.html and stays inside the root', () => {
    expect(resolveStaticPath('/srv/r', '/')).toBe('/srv/r/index.html')
    expect(resolveStaticPath('/srv/r', '/assets/a.js')).toBe('/srv/r/assets/a.js')
    expect(resolveStaticPath('/srv/r', '/../x')).toBeNull()
    expect(resolveStaticPath('/srv/r', '/%2e%2e/x')).toBeNull()
    expect(resolveStaticPath('/srv/r', '/a%00b')).toBeNull()
    expect(resolveStaticPath('/srv/r', '/%E0%A4%A')).toBeNull()
    expect(resolveStaticPath('/srv/r', '/..%5cx')).toBeNull()
  })

  it('names content types, unknown ones as bytes', () => {
    expect(contentType('a.js')).toBe('text/javascript; charset=utf-8')
    expect(contentType('a.CSS')).toBe('text/css; charset=utf-8')
    expect(contentType('a.exe')).toBe('application/octet-stream')
  })
})

describe('status codes for Wire errors', () => {
  it('mirrors the error in the HTTP status', () => {
    expect(statusFor(null)).toBe(200)
    expect(statusFor(toWireError('invalid-input'))).toBe(400)
    expect(statusFor(toWireError('not-found'))).toBe(404)
    expect(statusFor(toWireError('destination-auth'))).toBe(422)
    expect(statusFor(toWireError('internal'))).toBe(500)
  })
})

describe('a chosen token', () => {
  it('is accepted at 128 bits or more', () => {
    for (const t of ['0123456789abcdef0123456789abcdef', 'ABCDEFGHIJKLMNOPQRSTUVWXYZAB', 'Zx9_-aQ3bR7cS1dT5eU8fV', 'abcdefghijklmnopqrstuvwxyzab']) expect(tokenProblem(t), t).toBeNull()
  })

  it('is refused under 128 bits, by the alphabet it draws on', () => {
    expect(tokenProblem('0123456789abcdef0123456789abcde')).toMatch(/^is too weak \(at most 124 bits/) // 31 hex digits
    expect(tokenProblem('Zx9_-aQ3bR7cS1dT5eU8f')).toMatch(/at most 126 bits/) // 21 base64url characters
    expect(tokenProblem('hunter2')).toMatch(/too weak/)
    expect(tokenProblem('x'.repeat(200))).toMatch(/too weak/) // long, but one character
  })

  it('is printable ASCII without spaces (it travels in a header and a URL)', () => {
    for (const t of ['', 'correct horse battery staple 12345', 'tab\there-0123456789abcdefABCDEF', 'é0123456789abcdefABCDEF0123']) expect(tokenProblem(t), t).toMatch(/printable ASCII/)
  })
})
