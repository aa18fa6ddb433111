/**
 * Lockdown's transport on one tunnel: u32be-length plist frames (protocol.md §2.1), in plaintext
 * or inside a TLS session that starts right after the StartSession reply, on the same socket,
 * with the phone as TLS server (§2.6). After StopSession the host sends a TLS close_notify and
 * may carry on in plaintext or hang up (§2.6, libimobiledevice idevice_connection_disable_ssl),
 * so the transport skips TLS records up to that alert and then reads plaintext again.
 * By default the phone never answers with its own close_notify; the `closeNotify` switch sends one
 * after the StopSession reply (the host must skip it before reading plaintext again). The
 * `drop` rule closes the tunnel mid-handshake, and `verifyHost` checks the host's certificate
 * after the handshake (hanging up when it is not trusted), as the TLS switches ask.
 */
import { Duplex } from 'node:stream'
import type { X509Certificate } from 'node:crypto'
import { TLSSocket, type SecureContext } from 'node:tls'
import { decodePlistDict, encodeXmlPlist, type PlistDict } from '../../main/device/plist/plist-codec.js'
import { PLIST_SERVICE_MAX_FRAME } from '../../main/device/plist-service/plist-service-codec.js'
import type { Tunnel } from '../link/device-link.js'
import { ChunkBuffer } from '../../main/device/io/chunk-buffer.js'

/** TLS record content types (RFC 5246 §6.2.1). */
const TLS_ALERT = 21
const TLS_FIRST_TYPE = 20
const TLS_LAST_TYPE = 23

type Mode = 'plain' | 'tls' | 'after-tls'

/** What the phone does in one TLS session (see tls-behaviour.ts). */
export interface TlsSessionRules {
  /** Close the tunnel once the phone's first handshake flight has gone out. */
  drop?: boolean
  /** Ask for the host's certificate; hang up after the handshake when this says no. */
  verifyHost?: (presented: X509Certificate | undefined) => boolean
  /** Send the phone's own close_notify after the StopSession reply. */
  closeNotify?: boolean
  /** The handshake completed (and the host's certificate, if checked, was accepted). */
  onSecure?: () => void
  /** The host's certificate was refused. */
  onRefused?: () => void
}

export class PlistTransport {
  private mode: Mode = 'plain'
  private readonly raw = new ChunkBuffer()
  private readonly clear = new ChunkBuffer()
  private tls: TLSSocket | undefined
  private tlsInput: Duplex | undefined
  private tlsOutputOpen = false
  private closeNotify = false
  private closed = false

  /** `onMessage` runs synchronously per request, so replies keep request order. */
  constructor(
    private readonly tunnel: Tunnel,
    private readonly onMessage: (dict: PlistDict) => void,
    private readonly onFailure: (reason: string) => void,
  ) {
    tunnel.socket.on('data', (chunk: Buffer) => this.onRaw(chunk))
    tunnel.onClose(() => {
      this.closed = true
      this.tls?.destroy()
    })
  }

  get secure(): boolean {
    return this.mode === 'tls'
  }

  /** Feeds bytes that arrived with the mux Connect (before the tunnel's 'data' listener). */
  feed(initial: Buffer): void {
    if (initial.length > 0) this.onRaw(initial)
  }

  /** Sends one plist (XML, which libimobiledevice requires to start with "<?xml"). */
  send(dict: PlistDict): void {
    if (this.closed) return
    const frame = frameOf(dict)
    if (this.mode === 'tls' && this.tls) this.tls.write(frame)
    else void this.tunnel.send([frame])
  }

  /** Call right after sending the StartSession reply: the next bytes from the host are a ClientHello. */
  startTls(context: SecureContext, rules: TlsSessionRules = {}): void {
    let dropping = rules.drop === true
    const duplex = new Duplex({
      read() {},
      write: (chunk: Buffer, _enc, cb) => {
        if (!this.tlsOutputOpen) return cb()
        const wait = this.tunnel.send([chunk])
        if (dropping) {
          // The phone's first flight (ServerHello…) is out: hang up before the host's answer, so
          // the host writes into a closed tunnel (EPIPE / ECONNRESET on its side).
          dropping = false
          this.tlsOutputOpen = false
          process.nextTick(() => this.hangUpAfterFlush('dropped the TLS handshake (switch)'))
        }
        if (wait) void wait.then(() => cb())
        else cb()
      },
      final(cb) {
        cb()
      },
    })
    this.tlsOutputOpen = true
    this.closeNotify = rules.closeNotify === true
    const verify = rules.verifyHost
    const tls = new TLSSocket(duplex as never, { isServer: true, secureContext: context, requestCert: verify !== undefined, rejectUnauthorized: false })
    tls.on('data', (chunk: Buffer) => {
      this.clear.push(chunk)
      this.drainFrames(this.clear)
    })
    tls.on('error', (error: Error) => {
      if (this.tls === tls) this.fail(`TLS: ${error.message}`)
    })
    // close_notify without StopSession, or EOF inside TLS: the host is gone.
    tls.on('end', () => {
      if (this.tls === tls) this.fail('TLS session ended by the host')
    })
    tls.once('secure', () => {
      if (verify && !verify(tls.getPeerX509Certificate())) {
        rules.onRefused?.()
        return this.fail('the host presented a certificate the pair record does not vouch for')
      }
      rules.onSecure?.()
    })
    this.tls = tls
    this.tlsInput = duplex
    this.mode = 'tls'
    const pending = this.raw.takeAll()
    if (pending.length > 0) duplex.push(pending)
  }

  /**
   * Sends the StopSession reply as the last TLS record, then leaves TLS: once the record is
   * encrypted and queued, TLS output is cut so nothing else reaches the host — except the
   * phone's own close_notify when that switch is on.
   */
  sendAndStopTls(reply: PlistDict): void {
    const tls = this.tls
    if (!tls || this.mode !== 'tls') return this.send(reply)
    this.mode = 'after-tls'
    this.tls = undefined
    this.tlsInput = undefined
    const cut = (): void => {
      this.tlsOutputOpen = false
      tls.destroy()
    }
    tls.write(frameOf(reply), () => {
      if (this.closeNotify) tls.end(cut)
      else cut()
    })
  }

  /** Closes the tunnel once what was sent so far has left (FIN), then drops it (later host bytes get RST). */
  private hangUpAfterFlush(reason: string): void {
    const socket = this.tunnel.socket
    this.tunnel.link.closeTunnel(this.tunnel, 'end', reason)
    socket.once('finish', () => socket.destroy())
  }

  private onRaw(chunk: Buffer): void {
    if (this.closed) return
    if (this.mode === 'tls') {
      this.tlsInput?.push(chunk)
      return
    }
    this.raw.push(chunk)
    if (this.mode === 'after-tls') this.skipTlsRecords()
    if (this.mode === 'plain') this.drainFrames(this.raw)
  }

  /** Drops the host's remaining TLS records (its close_notify) until plaintext shows up. */
  private skipTlsRecords(): void {
    while (this.raw.length >= 5) {
      const h = this.raw.peek(5)
      const type = h[0]!
      if (type < TLS_FIRST_TYPE || type > TLS_LAST_TYPE || h[1] !== 3) {
        this.mode = 'plain'
        return
      }
      const len = h.readUInt16BE(3)
      if (this.raw.length < 5 + len) return
      this.raw.skip(5 + len)
      if (type === TLS_ALERT) {
        this.mode = 'plain'
        return
      }
    }
  }

  private drainFrames(q: ChunkBuffer): void {
    const mode = this.mode
    while (!this.closed && this.mode === mode && q.length >= 4) {
      const length = q.peek(4).readUInt32BE(0)
      if (length === 0 || length > PLIST_SERVICE_MAX_FRAME) return this.fail(`bad plist frame length ${length}`)
      if (q.length < 4 + length) return
      q.skip(4)
      let dict: PlistDict
      try {
        dict = decodePlistDict(q.take(length))
      } catch (error) {
        return this.fail(`unreadable plist: ${(error as Error).message}`)
      }
      this.onMessage(dict)
    }
    // A request switched modes (StartSession): bytes after it belong to the new mode.
    if (!this.closed && this.mode !== mode && q === this.raw && q.length > 0) {
      const rest = q.takeAll()
      this.onRaw(rest)
    }
  }

  private fail(reason: string): void {
    if (this.closed) return
    this.closed = true
    this.onFailure(reason)
  }
}

function frameOf(dict: PlistDict): Buffer {
  const body = encodeXmlPlist(dict)
  const header = Buffer.alloc(4)
  header.writeUInt32BE(body.length, 0)
  return Buffer.concat([header, body])
}
