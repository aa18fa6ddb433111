/**
 * The text of one notice e-mail, as SMTP's DATA carries it (RFC 5322 + MIME): CRLF line ends,
 * Date and Message-ID, a UTF-8 subject as RFC 2047 encoded-words, an ASCII body as 7bit and
 * anything else as base64 (no 8BITMIME needed from the server), and the dot-stuffing of RFC 5321
 * §4.5.2. Pure, so every rule has a test vector.
 */
import { randomBytes } from 'node:crypto'

export interface MailParts {
  from: string
  to: string
  subject: string
  text: string
  date: Date
  /** Without the angle brackets; made from random bytes and the sender's domain when absent. */
  messageId?: string
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const two = (n: number): string => String(n).padStart(2, '0')

/** RFC 5322 §3.3 date-time, in UTC: "Wed, 02 Dec 2026 09:35:48 +0000". */
export function formatMailDate(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`
}

// Printable ASCII and space only: anything else (UTF-8, controls) goes into encoded-words.
const PLAIN_HEADER = /^[\x20-\x7e]*$/
/** 45 bytes → 60 base64 characters → a 72-character encoded-word (RFC 2047 §2: at most 75). */
const WORD_BYTES = 45

/**
 * A header value on one logical line: line breaks become spaces (a title must never start a
 * header of its own), and non-ASCII text becomes `=?UTF-8?B?…?=` words, folded with CRLF SP and
 * never split inside a character.
 */
export function encodeHeaderText(text: string): string {
  const oneLine = text.replace(/[\r\n\t]+/g, ' ')
  if (PLAIN_HEADER.test(oneLine)) return oneLine
  const words: string[] = []
  let chunk = ''
  for (const ch of oneLine) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > WORD_BYTES) {
      words.push(chunk)
      chunk = ''
    }
    chunk += ch
  }
  if (chunk) words.push(chunk)
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ')
}

/** Lines of at most 76 characters (RFC 2045 §6.8). */
function base64Lines(text: string): string {
  const b64 = Buffer.from(text, 'utf8').toString('base64')
  const lines: string[] = []
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76))
  return lines.join('\r\n')
}

/** The whole message (headers, blank line, body), CRLF everywhere, no final terminator. */
export function buildMailMessage(parts: MailParts): string {
  const domain = parts.from.slice(parts.from.lastIndexOf('@') + 1)
  const messageId = parts.messageId ?? `${randomBytes(12).toString('hex')}.${parts.date.getTime()}@${domain}`
  const body = parts.text.replace(/\r\n|\r|\n/g, '\n').split('\n')
  // 7bit needs ASCII and lines of at most 998 characters (RFC 5322 §2.1.1).
  const sevenBit = body.every((l) => /^[\x20-\x7e\t]*$/.test(l) && l.length <= 998)
  const headers = [
    `Date: ${formatMailDate(parts.date)}`,
    `From: ${parts.from}`,
    `To: ${parts.to}`,
    `Subject: ${encodeHeaderText(parts.subject)}`,
    `Message-ID: <${messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Transfer-Encoding: ${sevenBit ? '7bit' : 'base64'}`,
    'Auto-Submitted: auto-generated',
  ]
  return `${headers.join('\r\n')}\r\n\r\n${sevenBit ? body.join('\r\n') : base64Lines(parts.text)}`
}

/** What follows DATA's 354: each line starting with "." gets another, then CRLF "." CRLF. */
export function dataPayload(message: string): string {
  const stuffed = message.split('\r\n').map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n')
  return `${stuffed}\r\n.\r\n`
}
