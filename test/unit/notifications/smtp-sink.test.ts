/**
 * Our SMTP sink must be at least as strict as a real server, or the client tests prove little:
 * a raw socket sends what a careless client would, and the sink refuses it.
 */
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../fakes/smtp-sink.js'

let sink: SmtpSink | undefined
afterEach(async () => {
  await sink?.close()
  sink = undefined
})

/** Sends each chunk after the previous reply arrived; resolves with every reply line. */
async function converse(options: SmtpSinkOptions, chunks: string[]): Promise<string[]> {
  sink = await startSmtpSink(options)
  const socket = net.connect(sink.port, '127.0.0.1')
  socket.on('error', () => undefined)
  const lines: string[] = []
  let buffer = ''
  let waiting: (() => void) | null = null
  socket.on('data', (d: Buffer) => {
    buffer += d.toString('latin1')
    let end: number
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      lines.push(line)
      if (/^\d{3} /.test(line)) waiting?.()
    }
  })
  const closed = new Promise<void>((r) => socket.on('close', () => r()))
  const reply = (): Promise<void> => new Promise((r) => (waiting = r))
  await Promise.race([reply(), closed])
  for (const chunk of chunks) {
    socket.write(chunk)
    await Promise.race([reply(), closed])
  }
  socket.destroy()
  return lines
}

describe('the SMTP sink is strict', () => {
  it('refuses a bare LF', async () => {
    const lines = await converse({}, ['EHLO x\n'])
    expect(lines.at(-1)).toMatch(/^500 /)
    expect(sink!.violations).toEqual([expect.stringMatching(/^bare LF/)])
  })

  it('refuses MAIL before EHLO, and MAIL without the STARTTLS or AUTH it requires', async () => {
    expect((await converse({}, ['MAIL FROM:<a@b.example>\r\n'])).at(-1)).toMatch(/^503 /)
    await sink!.close()
    expect((await converse({ tls: { key: '', cert: '' }, requireTls: true }, ['EHLO x\r\n', 'MAIL FROM:<a@b.example>\r\n'])).at(-1)).toMatch(/^530 /)
    await sink!.close()
    expect((await converse({ auth: { username: 'u', password: 'p' } }, ['EHLO x\r\n', 'MAIL FROM:<a@b.example>\r\n'])).at(-1)).toMatch(/^530 /)
  })

  it('refuses 8-bit data without 8BITMIME and undoes dot-stuffing in what it accepts', async () => {
    const start = ['EHLO x\r\n', 'MAIL FROM:<a@b.example>\r\n', 'RCPT TO:<c@d.example>\r\n', 'DATA\r\n']
    expect((await converse({}, [...start, 'Subject: Grüße\r\n\r\nhi\r\n.\r\n'])).at(-1)).toMatch(/^554 /)
    expect(sink!.messages).toEqual([])
    await sink!.close()
    expect((await converse({}, [...start, 'Subject: x\r\n\r\n..dot\r\n.\r\n'])).at(-1)).toMatch(/^250 /)
    expect(sink!.messages[0]!.data).toBe('Subject: x\r\n\r\n.dot')
  })
})
