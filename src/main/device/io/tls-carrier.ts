/**
 * Client-side TLS on an existing device tunnel (lockdown StartSession, EnableServiceSSL).
 * The TLS socket runs over a thin Duplex "carrier" instead of the raw socket itself, so that
 * after StopSession we can send close_notify and keep talking plaintext on the same tunnel,
 * as libimobiledevice does (protocol.md §2.6): ending the TLS layer ends only the carrier.
 */
import { Duplex } from 'node:stream'
import tls from 'node:tls'
import { CradleError } from '../../../shared/errors.js'
import { guard } from './deadline.js'

/** Forwards bytes between a raw stream and whatever sits on top, without owning the raw stream. */
export class Carrier extends Duplex {
  private attached = true

  constructor(private readonly raw: Duplex, leftover: Buffer) {
    super({ allowHalfOpen: true })
    if (leftover.length > 0) this.push(leftover)
    raw.on('data', this.onData)
    raw.on('end', this.onEnd)
    raw.on('close', this.onEnd)
    raw.on('error', this.onError)
    raw.resume()
  }

  private readonly onData = (chunk: Buffer): void => {
    if (!this.push(chunk)) this.raw.pause()
  }

  private readonly onEnd = (): void => {
    if (this.attached) this.push(null)
  }

  private readonly onError = (error: Error): void => {
    if (this.attached) this.destroy(error)
  }

  override _read(): void {
    if (this.attached) this.raw.resume()
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.attached || this.raw.destroyed) return callback(new CradleError('device-unplugged', 'device tunnel closed'))
    this.raw.write(chunk, callback)
  }

  /** Ending the TLS layer must not end the tunnel underneath. */
  override _final(callback: (error?: Error | null) => void): void {
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.detach()
    callback(error)
  }

  /** Stops forwarding; the raw stream is paused and belongs to the caller again. */
  detach(): void {
    if (!this.attached) return
    this.attached = false
    this.raw.off('data', this.onData)
    this.raw.off('end', this.onEnd)
    this.raw.off('close', this.onEnd)
    this.raw.off('error', this.onError)
    this.raw.pause()
  }
}

export interface TlsCredentials {
  /** PEM certificate and key the host presents (the pair record's HostCertificate + HostPrivateKey). */
  cert: Buffer | string
  key: Buffer | string
  /** iOS < 10 needs TLS 1.0 and OpenSSL security level 0 (protocol.md §2.6). */
  legacy: boolean
}

/** The TLS options for a device: no verification (the device's cert is self-made), level 0 for SHA-1 records. */
export function deviceTlsOptions(creds: TlsCredentials): tls.ConnectionOptions {
  return {
    cert: creds.cert,
    key: creds.key,
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    // Security level 0 accepts the SHA-1 certificates of records made by libimobiledevice 1.3.0.
    ciphers: creds.legacy ? 'ALL:@SECLEVEL=0' : 'DEFAULT:@SECLEVEL=0',
    minVersion: creds.legacy ? 'TLSv1' : 'TLSv1.2',
  }
}

/**
 * Starts TLS as the client on `raw`. Resolves once the handshake is done. An EOF or reset during
 * the handshake means the device refused our certificate: trust was revoked ('pairing-invalid').
 */
export async function startTls(raw: Duplex, leftover: Buffer, creds: TlsCredentials, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<{ socket: tls.TLSSocket; carrier: Carrier }> {
  const carrier = new Carrier(raw, leftover)
  const socket = tls.connect({ ...deviceTlsOptions(creds), socket: carrier })
  const handshake = new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => {
      socket.off('error', onError)
      socket.off('close', onClose)
      resolve()
    })
    const onError = (error: Error): void => reject(error)
    const onClose = (): void => reject(new Error('closed during the TLS handshake'))
    socket.once('error', onError)
    socket.once('close', onClose)
  })
  try {
    await guard(handshake, { timeoutMs: opts.timeoutMs, signal: opts.signal, what: 'TLS handshake', onFail: () => socket.destroy() })
  } catch (error) {
    socket.destroy()
    carrier.detach()
    if (error instanceof CradleError) throw error
    throw new CradleError('pairing-invalid', `the device closed the TLS handshake (${(error as Error).message}); delete the pair record and pair again`, { cause: error })
  }
  return { socket, carrier }
}

/** Sends close_notify and hands the raw tunnel back for plaintext (after StopSession). */
export async function stopTls(socket: tls.TLSSocket, carrier: Carrier, timeoutMs = 1000): Promise<void> {
  const finished = new Promise<void>((resolve) => {
    socket.once('finish', resolve)
    socket.once('close', resolve)
    socket.once('error', () => resolve())
  })
  socket.end()
  await guard(finished, { timeoutMs, what: 'TLS close_notify' }).catch(() => undefined)
  carrier.detach()
  socket.destroy()
}
