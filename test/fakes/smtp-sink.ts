/**
 * A strict SMTP server of our own for tests (RFC 5321/3207/4954), listening on 127.0.0.1: it
 * refuses bare LF line ends, commands out of order, MAIL before a required STARTTLS or AUTH,
 * 8-bit data (it does not offer 8BITMIME) and over-long lines, undoes dot-stuffing, and records
 * every accepted message with how it came (TLS, signed-in user). Anything a real server would
 * answer with 5xx is also kept in `violations`, so a test can assert there were none.
 */
import { execFileSync } from 'node:child_process'
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'

export interface SinkMessage {
  from: string
  to: string[]
  /** The message as the client meant it (dot-stuffing undone), CRLF line ends. */
  data: string
  tls: boolean
  user: string | null
}

export interface SmtpSinkOptions {
  /** Key and certificate: offers STARTTLS, or speaks TLS from the start with `implicitTls`. */
  tls?: { key: string; cert: string }
  implicitTls?: boolean
  /** Refuses MAIL until STARTTLS (530), as submission servers do. */
  requireTls?: boolean
  /** Refuses MAIL until signed in (530); offers these mechanisms. */
  auth?: { username: string; password: string; mechanisms?: Array<'PLAIN' | 'LOGIN'> }
  /** Answers every RCPT TO with this reply instead of 250 (e.g. "550 5.1.1 no such user"). */
  rcptReply?: string
}

export interface SmtpSink {
  port: number
  messages: SinkMessage[]
  violations: string[]
  /** Every command line received (AUTH payloads included: a test may look for a password there). */
  transcript: string[]
  /** Resolves with the n-th accepted message (1-based), now or when it arrives. */
  message(n: number): Promise<SinkMessage>
  close(): Promise<void>
}

const MAILBOX = /^<([^<>\s]*)>$/

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = []
  const violations: string[] = []
  const transcript: string[] = []
  const events = new EventEmitter()
  const sockets = new Set<net.Socket>()

  const serve = (raw: net.Socket, startTls: boolean): void => {
    let socket: net.Socket = raw
    let secure = startTls
    let buffer = ''
    let helo = false
    let user: string | null = null
    let from: string | null = null
    let to: string[] = []
    let mode: 'command' | 'data' | 'auth-login-user' | 'auth-login-pass' | 'auth-plain' | 'tls' = 'command'
    let dataLines: string[] = []
    let dataBad: string | null = null
    let loginUser = ''

    const reply = (line: string): void => {
      if (!socket.destroyed) socket.write(`${line}\r\n`)
    }
    const refuse = (line: string, why: string): void => {
      violations.push(why)
      reply(line)
    }
    const checkAuth = (u: string, p: string): void => {
      if (options.auth && u === options.auth.username && p === options.auth.password) {
        user = u
        reply('235 2.7.0 Authentication successful')
      } else refuse('535 5.7.8 Authentication credentials invalid', `bad credentials for ${u}`)
      mode = 'command'
    }
    const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8')

    const command = (line: string): void => {
      transcript.push(line)
      if (mode === 'auth-plain') {
        const [, u = '', p = ''] = decode(line).split('\0')
        return checkAuth(u, p)
      }
      if (mode === 'auth-login-user') {
        loginUser = decode(line)
        mode = 'auth-login-pass'
        return reply(`334 ${Buffer.from('Password:').toString('base64')}`)
      }
      if (mode === 'auth-login-pass') return checkAuth(loginUser, decode(line))
      const verb = line.split(' ')[0]!.toUpperCase()
      const arg = line.slice(verb.length).trim()
      switch (verb) {
        case 'EHLO': {
          if (!arg) return refuse('501 5.5.4 EHLO needs a domain', 'EHLO without a domain')
          helo = true
          from = null
          to = []
          const ext = ['250-sink.test greets you', '250-PIPELINING', '250-SIZE 10240000']
          if (options.tls && !secure && !options.implicitTls) ext.push('250-STARTTLS')
          if (options.auth && (secure || !options.tls)) ext.push(`250-AUTH ${(options.auth.mechanisms ?? ['PLAIN', 'LOGIN']).join(' ')}`)
          ext.push('250 ENHANCEDSTATUSCODES')
          return reply(ext.join('\r\n'))
        }
        case 'STARTTLS': {
          if (!options.tls || secure) return refuse('502 5.5.1 STARTTLS not available', 'STARTTLS when not offered')
          if (!helo) return refuse('503 5.5.1 EHLO first', 'STARTTLS before EHLO')
          if (buffer !== '') return refuse('554 5.5.1 data after STARTTLS', 'pipelined data after STARTTLS')
          reply('220 2.0.0 Ready to start TLS')
          mode = 'tls'
          socket.removeAllListeners('data')
          const upgraded = new tls.TLSSocket(socket, { isServer: true, key: options.tls.key, cert: options.tls.cert })
          upgraded.on('error', () => upgraded.destroy())
          upgraded.once('secure', () => {
            socket = upgraded
            sockets.add(upgraded)
            secure = true
            helo = false // RFC 3207 §4.2: the client must EHLO again
            user = null
            mode = 'command'
            upgraded.on('data', onData)
          })
          return
        }
        case 'AUTH': {
          const [mech = '', initial] = arg.split(' ')
          if (!options.auth || (options.tls && !secure)) return refuse('503 5.5.1 AUTH not available', 'AUTH when not offered')
          if (!helo) return refuse('503 5.5.1 EHLO first', 'AUTH before EHLO')
          if (user) return refuse('503 5.5.1 already authenticated', 'AUTH twice')
          if (!(options.auth.mechanisms ?? ['PLAIN', 'LOGIN']).includes(mech.toUpperCase() as 'PLAIN')) return refuse('504 5.5.4 mechanism not supported', `AUTH ${mech} not offered`)
          if (mech.toUpperCase() === 'PLAIN') {
            if (initial) {
              const [, u = '', p = ''] = decode(initial).split('\0')
              return checkAuth(u, p)
            }
            mode = 'auth-plain'
            return reply('334 ')
          }
          mode = 'auth-login-user'
          return reply(`334 ${Buffer.from('Username:').toString('base64')}`)
        }
        case 'MAIL': {
          if (!helo) return refuse('503 5.5.1 EHLO first', 'MAIL before EHLO')
          if (options.requireTls && !secure) return refuse('530 5.7.0 Must issue a STARTTLS command first', 'MAIL without TLS')
          if (options.auth && !user) return refuse('530 5.7.0 Authentication required', 'MAIL without AUTH')
          if (from !== null) return refuse('503 5.5.1 nested MAIL', 'MAIL twice')
          const m = /^FROM:(<[^>]*>)/i.exec(arg)
          if (!m || !MAILBOX.test(m[1]!)) return refuse('501 5.1.7 bad sender syntax', `bad MAIL argument ${arg}`)
          from = MAILBOX.exec(m[1]!)![1]!
          return reply('250 2.1.0 Ok')
        }
        case 'RCPT': {
          if (from === null) return refuse('503 5.5.1 need MAIL first', 'RCPT before MAIL')
          const m = /^TO:(<[^>]*>)$/i.exec(arg)
          if (!m || !MAILBOX.test(m[1]!)) return refuse('501 5.1.3 bad recipient syntax', `bad RCPT argument ${arg}`)
          if (options.rcptReply) return reply(options.rcptReply)
          to.push(MAILBOX.exec(m[1]!)![1]!)
          return reply('250 2.1.5 Ok')
        }
        case 'DATA': {
          if (arg) return refuse('501 5.5.4 DATA takes no argument', 'DATA with an argument')
          if (to.length === 0) return refuse('503 5.5.1 need RCPT first', 'DATA before RCPT')
          mode = 'data'
          dataLines = []
          dataBad = null
          return reply('354 End data with <CR><LF>.<CR><LF>')
        }
        case 'RSET':
          from = null
          to = []
          return reply('250 2.0.0 Ok')
        case 'NOOP':
          return reply('250 2.0.0 Ok')
        case 'QUIT':
          reply('221 2.0.0 Bye')
          socket.end()
          return
        default:
          return refuse('500 5.5.2 command not recognised', `unknown command ${verb}`)
      }
    }

    const dataLine = (line: string): void => {
      if (line === '.') {
        mode = 'command'
        if (dataBad) return refuse(`554 5.6.0 ${dataBad}`, dataBad)
        messages.push({ from: from!, to, data: dataLines.join('\r\n'), tls: secure, user })
        from = null
        to = []
        reply('250 2.0.0 Ok: queued')
        events.emit('message')
        return
      }
      if (line.length > 998) dataBad ??= 'line longer than 998 characters'
      if (/[^\x00-\x7f]/.test(line)) dataBad ??= '8-bit data without 8BITMIME'
      dataLines.push(line.startsWith('.') ? line.slice(1) : line)
    }

    const onData = (chunk: Buffer): void => {
      if (mode === 'tls') return
      buffer += chunk.toString('latin1')
      let end: number
      while ((end = buffer.indexOf('\n')) >= 0) {
        const raw = buffer.slice(0, end)
        buffer = buffer.slice(end + 1)
        if (!raw.endsWith('\r')) {
          refuse('500 5.5.2 bare LF is not allowed', `bare LF after ${JSON.stringify(raw.slice(0, 40))}`)
          socket.destroy()
          return
        }
        const line = raw.slice(0, -1)
        if (mode === 'data') dataLine(line)
        else {
          command(line)
          if ((mode as string) === 'tls') return // command() may have switched it
        }
      }
    }

    socket.on('data', onData)
    socket.on('error', () => socket.destroy())
    reply('220 sink.test ESMTP')
  }

  const server = options.implicitTls && options.tls
    ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, (s) => serve(s, true))
    : net.createServer((s) => serve(s, false))
  server.on('connection', (s: net.Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.on('tlsClientError', () => undefined)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port

  return {
    port,
    messages,
    violations,
    transcript,
    message: (n) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (messages.length >= n) {
            events.off('message', check)
            resolve(messages[n - 1]!)
          }
        }
        events.on('message', check)
        check()
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A throw-away key and self-signed certificate for localhost / 127.0.0.1 (openssl, a few ms). */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-cert-'))
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' })
    return { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
