import { describe, expect, it } from 'vitest'
import { buildMailMessage, dataPayload, encodeHeaderText, formatMailDate } from '../../../src/main/notifications/email/mail-message.js'

const DATE = new Date(Date.UTC(2026, 11, 2, 9, 5, 8))

describe('notice e-mail text', () => {
  it('dates as RFC 5322 in UTC', () => {
    expect(formatMailDate(DATE)).toBe('Wed, 02 Dec 2026 09:05:08 +0000')
    expect(formatMailDate(new Date(Date.UTC(2027, 0, 31, 23, 59, 59)))).toBe('Sun, 31 Jan 2027 23:59:59 +0000')
  })

  it('keeps a plain ASCII subject and flattens line breaks so no header can be injected', () => {
    expect(encodeHeaderText('Backup finished')).toBe('Backup finished')
    expect(encodeHeaderText('a\r\nBcc: x@example.org')).toBe('a Bcc: x@example.org')
  })

  it('encodes a UTF-8 subject as RFC 2047 words of at most 75 characters, never splitting a character', () => {
    expect(encodeHeaderText('Unlock Anna’s iPhone')).toBe(`=?UTF-8?B?${Buffer.from('Unlock Anna’s iPhone').toString('base64')}?=`)
    const long = 'Ünïcødé 📷 '.repeat(8)
    const words = encodeHeaderText(long).split('\r\n ')
    expect(words.length).toBeGreaterThan(1)
    for (const w of words) {
      expect(w.length).toBeLessThanOrEqual(75)
      expect(w).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/)
    }
    const decoded = words.map((w) => Buffer.from(w.slice(10, -2), 'base64').toString('utf8'))
    expect(decoded.join('')).toBe(long)
    expect(decoded.every((d) => !d.includes('\uFFFD'))).toBe(true)
  })

  it('builds headers and a 7bit body with CRLF line ends', () => {
    const msg = buildMailMessage({ from: 'cradle@home.example', to: 'me@example.org', subject: 'Backup finished', text: '3 photos are safe.\nSecond line', date: DATE, messageId: 'abc@home.example' })
    expect(msg).toBe([
      'Date: Wed, 02 Dec 2026 09:05:08 +0000',
      'From: cradle@home.example',
      'To: me@example.org',
      'Subject: Backup finished',
      'Message-ID: <abc@home.example>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 7bit',
      'Auto-Submitted: auto-generated',
      '',
      '3 photos are safe.',
      'Second line',
    ].join('\r\n'))
  })

  it('sends a non-ASCII body as base64 in lines of at most 76, and makes a Message-ID in the sender\'s domain', () => {
    const text = 'Annas iPhone – 1 234 Fotos sind sicher. '.repeat(5)
    const msg = buildMailMessage({ from: 'cradle@home.example', to: 'me@example.org', subject: 's', text, date: DATE })
    expect(msg).toContain('Content-Transfer-Encoding: base64')
    expect(msg).toMatch(/\r\nMessage-ID: <[0-9a-f]{24}\.\d+@home\.example>\r\n/)
    const body = msg.split('\r\n\r\n')[1]!
    expect(body.split('\r\n').every((l) => l.length <= 76)).toBe(true)
    expect(Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8')).toBe(text)
  })

  it('dot-stuffs lines that start with a dot and ends DATA with CRLF . CRLF', () => {
    expect(dataPayload('a\r\n.b\r\n..c\r\n.')).toBe('a\r\n..b\r\n...c\r\n..\r\n.\r\n')
  })
})
