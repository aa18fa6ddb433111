/** The ntfy-style POST against a real local HTTP server. */
import http from 'node:http'
import type net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { noticeTags, pushToUrl, urlPushRequest } from '../../../src/main/notifications/url-push.js'

interface Received {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

let server: http.Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  server = undefined
})

async function sink(status = 200): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = []
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(status, { 'Content-Type': 'application/json' }).end('{"id":"x"}')
    })
  })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/cradle-topic`, received }
}

describe('pushToUrl', () => {
  it('POSTs the text as the body with Title and Tags headers, as ntfy expects', async () => {
    const s = await sink()
    await pushToUrl(s.url, { title: 'Backup finished', body: '3 photos from Anna’s iPhone are safe.', tag: 'finished:0000-1' })
    expect(s.received).toHaveLength(1)
    const r = s.received[0]!
    expect(r).toMatchObject({ method: 'POST', url: '/cradle-topic', body: '3 photos from Anna’s iPhone are safe.' })
    expect(r.headers).toMatchObject({ title: 'Backup finished', tags: 'cradle,finished', 'content-type': 'text/plain; charset=utf-8' })
    expect(r.headers.authorization).toBeUndefined()
  })

  it('sends a non-ASCII title as one RFC 2047 header line and a token as a bearer token', async () => {
    const s = await sink()
    await pushToUrl(s.url, { title: 'Unlock Anna’s iPhone', body: '' }, { token: 'tk_secret' })
    const r = s.received[0]!
    expect(r.headers.title).toBe(`=?UTF-8?B?${Buffer.from('Unlock Anna’s iPhone').toString('base64')}?=`)
    expect(r.headers.tags).toBe('cradle')
    expect(r.headers.authorization).toBe('Bearer tk_secret')
  })

  it('fails on a 500, a 401 and a redirect, with the host but not the path in the message', async () => {
    let s = await sink(500)
    await expect(pushToUrl(s.url, { title: 't', body: 'b' })).rejects.toMatchObject({ code: 'destination-rejected', message: expect.stringMatching(/^127\.0\.0\.1:\d+ refused the notification \(500/) })
    await expect(pushToUrl(s.url, { title: 't', body: 'b' })).rejects.not.toMatchObject({ message: expect.stringContaining('cradle-topic') })
    server!.close()
    s = await sink(401)
    await expect(pushToUrl(s.url, { title: 't', body: 'b' })).rejects.toMatchObject({ code: 'destination-auth' })
    server!.close()
    s = await sink(302)
    await expect(pushToUrl(s.url, { title: 't', body: 'b' })).rejects.toMatchObject({ code: 'destination-rejected' })
  })

  it('fails when nobody listens', async () => {
    const s = await sink()
    server!.close()
    await new Promise((r) => setImmediate(r))
    await expect(pushToUrl(s.url, { title: 't', body: 'b' })).rejects.toMatchObject({ code: 'destination-unreachable', message: expect.stringMatching(/ECONNREFUSED/) })
  })

  it('builds the documented request', () => {
    expect(urlPushRequest({ title: 'Disk full', body: 'Free space', tag: 'disk-full' })).toEqual({
      method: 'POST',
      headers: { 'Content-Type': 'text/plain; charset=utf-8', Title: 'Disk full', Tags: 'cradle,disk-full' },
      body: 'Free space',
    })
    expect(noticeTags('phone:abc:needs-unlock')).toBe('cradle,phone')
  })
})
