/**
 * The SMTP client against our own strict SMTP sink (test/fakes/smtp-sink.ts) over real sockets:
 * plain, STARTTLS and TLS from the start, AUTH PLAIN and LOGIN, and the refusals a real server
 * gives (550 recipient, 535 password, no STARTTLS, an untrusted certificate, nobody listening).
 */
import net from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildMailMessage } from '../../../src/main/notifications/email/mail-message.js'
import { sendMail, type SmtpSend } from '../../../src/main/notifications/email/smtp-client.js'
import { selfSignedCert, startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../fakes/smtp-sink.js'

let cert: { key: string; cert: string }
beforeAll(() => {
  cert = selfSignedCert()
})

let sink: SmtpSink | undefined
afterEach(async () => {
  await sink?.close()
  sink = undefined
})

const message = buildMailMessage({
  from: 'cradle@home.example', to: 'me@example.org', subject: 'Entsperre Annas iPhone 📱', date: new Date(Date.UTC(2026, 11, 2)),
  text: 'Line one\n.a line starting with a dot\n.\n..two dots',
})

async function send(sinkOptions: SmtpSinkOptions, o: Partial<SmtpSend> = {}): Promise<SmtpSink> {
  sink = await startSmtpSink(sinkOptions)
  await sendMail({ host: '127.0.0.1', port: sink.port, secure: 'none', from: 'cradle@home.example', to: 'me@example.org', message, timeoutMs: 10_000, ...o })
  return sink
}

describe('sendMail', () => {
  it('delivers over a plain connection: the sink gets the message exactly, dot-stuffing undone, no violations', async () => {
    const s = await send({})
    expect(s.messages).toHaveLength(1)
    expect(s.messages[0]).toMatchObject({ from: 'cradle@home.example', to: ['me@example.org'], tls: false, user: null })
    expect(s.messages[0]!.data).toBe(message)
    expect(s.messages[0]!.data).toContain('\r\n.a line starting with a dot\r\n.\r\n..two dots')
    expect(s.violations).toEqual([])
    expect(s.transcript.at(-1)).toBe('QUIT')
  })

  it('upgrades with STARTTLS, says EHLO again and signs in with AUTH PLAIN', async () => {
    const s = await send({ tls: cert, requireTls: true, auth: { username: 'u@home.example', password: 'pä ss:word' } }, { secure: 'starttls', ca: cert.cert, username: 'u@home.example', password: 'pä ss:word' })
    expect(s.messages[0]).toMatchObject({ tls: true, user: 'u@home.example' })
    expect(s.transcript.filter((l) => l.startsWith('EHLO'))).toHaveLength(2)
    expect(s.violations).toEqual([])
  })

  it('speaks TLS from the first byte and signs in with AUTH LOGIN when PLAIN is not offered', async () => {
    const s = await send({ tls: cert, implicitTls: true, auth: { username: 'u', password: 'secret-1', mechanisms: ['LOGIN'] } }, { secure: 'tls', ca: cert.cert, username: 'u', password: 'secret-1' })
    expect(s.messages[0]).toMatchObject({ tls: true, user: 'u' })
    expect(s.transcript).toContain('AUTH LOGIN')
    expect(s.violations).toEqual([])
  })

  it('refuses to go on in the clear when STARTTLS was asked for and the server does not offer it', async () => {
    await expect(send({}, { secure: 'starttls' })).rejects.toMatchObject({ code: 'destination-config', message: expect.stringMatching(/does not offer STARTTLS/) })
    expect(sink!.messages).toEqual([])
    expect(sink!.transcript).not.toContain('MAIL FROM:<cradle@home.example>')
  })

  it('refuses a server whose certificate it does not trust', async () => {
    await expect(send({ tls: cert }, { secure: 'starttls' })).rejects.toMatchObject({ code: 'destination-unreachable', message: expect.stringMatching(/STARTTLS .* failed/) })
    expect(sink!.messages).toEqual([])
  })

  it('reports a 550 for the recipient with the server\'s words', async () => {
    await expect(send({ rcptReply: '550 5.1.1 no such user here' })).rejects.toMatchObject({ code: 'destination-rejected', message: expect.stringMatching(/refused the recipient me@example\.org: 550 5\.1\.1 no such user here/) })
    expect(sink!.messages).toEqual([])
  })

  it('reports a wrong password as a sign-in problem', async () => {
    await expect(send({ tls: cert, auth: { username: 'u', password: 'right' } }, { secure: 'starttls', ca: cert.cert, username: 'u', password: 'wrong' })).rejects.toMatchObject({ code: 'destination-auth' })
    expect(sink!.messages).toEqual([])
  })

  it('reports nobody listening as unreachable', async () => {
    const probe = net.createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
    const port = (probe.address() as net.AddressInfo).port
    await new Promise<void>((r) => probe.close(() => r()))
    await expect(sendMail({ host: '127.0.0.1', port, secure: 'none', from: 'a@b.example', to: 'c@d.example', message })).rejects.toMatchObject({ code: 'destination-unreachable', message: expect.stringMatching(/ECONNREFUSED/) })
  })

  it('times out a server that never greets', async () => {
    const silent = net.createServer(() => undefined)
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    try {
      const port = (silent.address() as net.AddressInfo).port
      await expect(sendMail({ host: '127.0.0.1', port, secure: 'none', from: 'a@b.example', to: 'c@d.example', message, timeoutMs: 200 })).rejects.toMatchObject({ code: 'timeout' })
    } finally {
      await new Promise<void>((r) => silent.close(() => r()))
    }
  })
})
