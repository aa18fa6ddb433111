/**
 * A small SMTP submission client (RFC 5321) for notice e-mails: EHLO, STARTTLS (RFC 3207) when
 * asked — and refusing to go on in the clear when the server cannot —, AUTH PLAIN or LOGIN
 * (RFC 4954) when a user name is set, MAIL FROM, RCPT TO, DATA, QUIT. One message per connection;
 * every step has a timeout and every socket error ends in a rejected promise, never an
 * unhandled 'error' event.
 */
import net from 'node:net'
import os from 'node:os'
import tls from 'node:tls'
import { CradleError, type ErrorCode } from '../../../shared/errors.js'
import type { SmtpSecurity } from '../../../shared/settings.js'
import { dataPayload } from './mail-message.js'

export interface SmtpSend {
  host: string
  port: number
  secure: SmtpSecurity
  from: string
  to: string
  /** The full message (mail-message.ts), without dot-stuffing. */
  message: string
  username?: string
  password?: string
  /** Per step (connect, each reply). */
  timeoutMs?: number
  /** Extra trust anchors (a test's self-signed server); the system's CAs otherwise. */
  ca?: string | Buffer
}

interface Reply {
  code: number
  lines: string[]
}

const DEFAULT_TIMEOUT_MS = 30_000
const MAX_LINE = 4096

const isLoopback = (host: string): boolean => host === 'localhost' || /^127\./.test(host) || host === '::1' || host === '[::1]'

/** Reads SMTP replies (multi-line "250-…" up to "250 …") from whichever socket is current. */
class ReplyReader {
  private buffer = ''
  private readonly replies: Reply[] = []
  private partial: string[] = []
  private waiter: { resolve(r: Reply): void; reject(e: Error): void } | null = null
  private failure: Error | null = null
  private socket: net.Socket | null = null
  private readonly onData = (chunk: Buffer): void => this.feed(chunk.toString('latin1'))
  private readonly onError = (error: Error): void => this.fail(error)
  private readonly onClose = (): void => this.fail(new CradleError('destination-unreachable', `the SMTP server ${this.where} closed the connection`))

  constructor(private readonly where: string, private readonly timeoutMs: number) {}

  attach(socket: net.Socket): void {
    this.socket = socket
    socket.on('data', this.onData)
    socket.on('error', this.onError)
    socket.on('close', this.onClose)
    socket.setTimeout(this.timeoutMs, () => socket.destroy(new CradleError('timeout', `the SMTP server ${this.where} did not answer in ${Math.round(this.timeoutMs / 1000)} s`)))
  }

  /** Lets go of the plain socket before TLS takes it over (its 'error' stays handled). */
  detach(): net.Socket {
    const socket = this.socket!
    socket.off('data', this.onData)
    socket.off('close', this.onClose)
    socket.setTimeout(0)
    // Anything the server sent after its "220 ready for TLS" would be read as if it came over
    // TLS: a known injection attack (CVE-2011-0411). Refuse rather than continue.
    if (this.buffer !== '' || this.replies.length > 0) throw new CradleError('destination-rejected', `the SMTP server ${this.where} sent data before the TLS handshake`)
    this.socket = null
    return socket
  }

  private feed(text: string): void {
    this.buffer += text
    let end: number
    while ((end = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, end)
      this.buffer = this.buffer.slice(end + 2)
      const m = /^(\d{3})([ -])(.*)$/.exec(line) ?? /^(\d{3})()$/.exec(line)
      if (!m) return this.fail(new CradleError('destination-rejected', `the SMTP server ${this.where} sent something that is not an SMTP reply`))
      this.partial.push(m[3] ?? '')
      if (m[2] === '-') continue
      this.replies.push({ code: Number(m[1]), lines: this.partial })
      this.partial = []
    }
    if (this.buffer.length > MAX_LINE) return this.fail(new CradleError('destination-rejected', `the SMTP server ${this.where} sent an over-long line`))
    this.deliver()
  }

  private deliver(): void {
    if (!this.waiter) return
    const reply = this.replies.shift()
    if (reply) {
      const w = this.waiter
      this.waiter = null
      w.resolve(reply)
    } else if (this.failure) {
      const w = this.waiter
      this.waiter = null
      w.reject(this.failure)
    }
  }

  fail(error: Error): void {
    this.failure ??= error
    this.socket?.destroy()
    this.deliver()
  }

  next(): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
      this.deliver()
    })
  }
}

function smtpError(step: string, reply: Reply, where: string): CradleError {
  const text = reply.lines.join(' ').trim()
  const code: ErrorCode = reply.code === 535 || reply.code === 534 || reply.code === 530 ? 'destination-auth' : 'destination-rejected'
  return new CradleError(code, `the SMTP server ${where} refused ${step}: ${reply.code} ${text}`.trim())
}

function connect(o: SmtpSend, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = o.secure === 'tls'
      ? tls.connect({ host: o.host, port: o.port, servername: net.isIP(o.host) ? undefined : o.host, ...(o.ca ? { ca: o.ca } : {}) })
      : net.connect({ host: o.host, port: o.port })
    const ready = o.secure === 'tls' ? 'secureConnect' : 'connect'
    const timer = setTimeout(() => socket.destroy(new CradleError('timeout', `no connection to the SMTP server ${o.host}:${o.port} in ${Math.round(timeoutMs / 1000)} s`)), timeoutMs)
    const onError = (error: Error): void => {
      clearTimeout(timer)
      reject(error instanceof CradleError ? error : new CradleError('destination-unreachable', `cannot reach the SMTP server ${o.host}:${o.port}: ${error.message}`, { cause: error }))
    }
    socket.once('error', onError)
    socket.once(ready, () => {
      clearTimeout(timer)
      socket.off('error', onError)
      resolve(socket)
    })
  })
}

function upgrade(plain: net.Socket, o: SmtpSend): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ socket: plain, servername: net.isIP(o.host) ? undefined : o.host, ...(o.ca ? { ca: o.ca } : {}) })
    const onError = (error: Error): void => {
      plain.destroy()
      reject(new CradleError('destination-unreachable', `STARTTLS with ${o.host}:${o.port} failed: ${error.message}`, { cause: error }))
    }
    socket.once('error', onError)
    socket.once('secureConnect', () => {
      socket.off('error', onError)
      resolve(socket)
    })
  })
}

/** The EHLO keywords, upper-cased, with their parameters: "AUTH" → ["PLAIN", "LOGIN"]. */
function extensions(reply: Reply): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const line of reply.lines.slice(1)) {
    const [keyword, ...params] = line.trim().split(/[\s=]+/)
    if (keyword) out.set(keyword.toUpperCase(), params.map((p) => p.toUpperCase()))
  }
  return out
}

/** Sends one message; resolves once the server has accepted it (250 after DATA). */
export async function sendMail(o: SmtpSend): Promise<void> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const where = `${o.host}:${o.port}`
  const reader = new ReplyReader(where, timeoutMs)
  let socket: net.Socket = await connect(o, timeoutMs)
  reader.attach(socket)
  const clientName = /^[A-Za-z0-9.-]+$/.test(os.hostname()) ? os.hostname() : 'localhost'

  const command = async (line: string, expect: number[], step: string): Promise<Reply> => {
    socket.write(`${line}\r\n`)
    const reply = await reader.next()
    if (!expect.includes(reply.code)) throw smtpError(step, reply, where)
    return reply
  }

  try {
    const greeting = await reader.next()
    if (greeting.code !== 220) throw smtpError('the connection', greeting, where)
    let ehlo = await command(`EHLO ${clientName}`, [250], 'EHLO')
    let secure = o.secure === 'tls'
    if (o.secure === 'starttls') {
      if (!extensions(ehlo).has('STARTTLS')) throw new CradleError('destination-config', `the SMTP server ${where} does not offer STARTTLS; choose "tls" (usually port 465) or check the port`)
      await command('STARTTLS', [220], 'STARTTLS')
      socket = await upgrade(reader.detach(), o)
      reader.attach(socket)
      secure = true
      ehlo = await command(`EHLO ${clientName}`, [250], 'EHLO')
    }
    if (o.username !== undefined) {
      if (!secure && !isLoopback(o.host)) throw new CradleError('destination-config', `not sending the SMTP password to ${where} unencrypted; choose "tls" or "starttls"`)
      if (o.password === undefined) throw new CradleError('destination-auth', `no SMTP password is stored for ${o.username}`)
      const auth = extensions(ehlo).get('AUTH') ?? []
      if (auth.includes('PLAIN')) {
        const token = Buffer.from(`\0${o.username}\0${o.password}`, 'utf8').toString('base64')
        await command(`AUTH PLAIN ${token}`, [235], 'the user name or password')
      } else if (auth.includes('LOGIN')) {
        await command('AUTH LOGIN', [334], 'AUTH LOGIN')
        await command(Buffer.from(o.username, 'utf8').toString('base64'), [334], 'the user name')
        await command(Buffer.from(o.password, 'utf8').toString('base64'), [235], 'the user name or password')
      } else {
        throw new CradleError('destination-config', `the SMTP server ${where} offers no sign-in Cradle knows (PLAIN or LOGIN)`)
      }
    }
    await command(`MAIL FROM:<${o.from}>`, [250], `the sender ${o.from}`)
    await command(`RCPT TO:<${o.to}>`, [250, 251], `the recipient ${o.to}`)
    await command('DATA', [354], 'DATA')
    socket.write(dataPayload(o.message))
    const accepted = await reader.next()
    if (accepted.code !== 250) throw smtpError('the message', accepted, where)
    // The message is accepted; a server that drops the line before answering QUIT changes nothing.
    await command('QUIT', [221], 'QUIT').catch(() => undefined)
  } finally {
    reader.fail(new CradleError('aborted', 'done'))
    socket.destroy()
  }
}
