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
import { errnoCode, isDisconnect } from './socket-errors.js'
import { defaultTlsRuntime, levelZeroCiphers, type TlsRuntime } from './tls-runtime.js'

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
  /** iOS < 10 needs TLS 1.0, which OpenSSL 3 allows only at security level 0 (protocol.md §2.6). */
  legacy: boolean
  /** The TLS library's rules (default: this process's, detected once). */
  runtime?: TlsRuntime
}

/**
 * The secure context for a device: the host's certificate, TLS 1.2+ (1.0+ for old iOS). On OpenSSL
 * security level 0, for the SHA-1 / 1024-bit certificates and TLS 1.0 of old records and phones;
 * BoringSSL has no levels and refuses the directive, so its default list is used as it is.
 */
export function deviceSecureContext(creds: TlsCredentials, runtime: TlsRuntime): tls.SecureContext {
  const minVersion: tls.SecureVersion = creds.legacy ? 'TLSv1' : 'TLSv1.2'
  const ciphers = levelZeroCiphers(runtime, creds.legacy ? 'ALL' : 'DEFAULT')
  return runtime.createSecureContext({ cert: creds.cert, key: creds.key, minVersion, ...(ciphers ? { ciphers } : {}) })
}

/** The TLS options for a device: no verification (the device's certificate is self-made). */
export function deviceTlsOptions(creds: TlsCredentials, runtime: TlsRuntime = creds.runtime ?? defaultTlsRuntime()): tls.ConnectionOptions {
  return {
    secureContext: deviceSecureContext(creds, runtime),
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
  }
}

/**
 * Errors the TLS library raises about OUR certificate or key being too weak for it (or TLS 1.0
 * being off): the pair record cannot be used under this runtime. Everything else that ends a
 * handshake is the connection's or the phone's doing.
 */
const RECORD_TOO_WEAK = new Set(['ERR_SSL_EE_KEY_TOO_SMALL', 'ERR_SSL_CA_KEY_TOO_SMALL', 'ERR_SSL_CA_MD_TOO_WEAK', 'ERR_SSL_KEY_TOO_SMALL', 'ERR_SSL_NO_PROTOCOLS_AVAILABLE'])

/** Why the secure context could not be built: the record's fault (re-pair) or ours (internal). */
function contextError(error: unknown, creds: TlsCredentials, runtime: TlsRuntime): CradleError {
  const code = errnoCode(error) ?? ''
  const detail = (error as Error)?.message ?? String(error)
  if (RECORD_TOO_WEAK.has(code)) return handshakeError(error, creds, runtime)
  if (/^ERR_OSSL_(PEM|ASN1|X509|EVP|RSA)|KEY_VALUES_MISMATCH/.test(code)) {
    return new CradleError('pairing-invalid', `the pair record's certificate or key cannot be loaded (${runtime.name}: ${detail}); pair again`, { cause: error, context: { pairRecord: 'unusable', tlsRuntime: runtime.name } })
  }
  return new CradleError('internal', `the TLS library (${runtime.name}) refused the device TLS options: ${detail}`, { cause: error })
}

/** Why a handshake failed, in the device layer's terms. */
function handshakeError(error: unknown, creds: TlsCredentials, runtime: TlsRuntime): CradleError {
  const code = errnoCode(error)
  const detail = (error as Error)?.message ?? String(error)
  if (code !== undefined && RECORD_TOO_WEAK.has(code)) {
    return new CradleError(
      'pairing-invalid',
      `the pair record's certificate or key${creds.legacy ? ' (or TLS 1.0 for this iOS)' : ''} is too old for this TLS library (${runtime.name}: ${detail}); pair again`,
      { cause: error, context: { pairRecord: 'legacy', tlsRuntime: runtime.name } },
    )
  }
  if (error instanceof CradleError && error.code === 'aborted') return error
  const reason = isDisconnect(error) || (error instanceof CradleError && error.code === 'device-unplugged') ? 'dropped' : error instanceof CradleError ? 'timeout' : 'tls-error'
  return new CradleError('device-handshake-failed', `the TLS handshake with the device failed (${detail})`, { cause: error, context: { tlsFailure: reason, ...(code ? { tlsError: code } : {}) } })
}

/** A socket error nobody listens to any more (its owner already failed) must not end the process. */
function ignoreLateError(): void {}

/**
 * Starts TLS as the client on `raw`. Resolves once the handshake is done. A handshake the device
 * hangs up on, resets, or answers with an alert is 'device-handshake-failed' (a connection
 * problem: the caller retries and keeps the pair record); a record the TLS library cannot use is
 * 'pairing-invalid' with context.pairRecord 'legacy'. On failure `raw` is destroyed.
 * From here on neither `raw`, the carrier nor the TLS socket can emit an unhandled 'error'.
 */
export async function startTls(raw: Duplex, leftover: Buffer, creds: TlsCredentials, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<{ socket: tls.TLSSocket; carrier: Carrier }> {
  const runtime = creds.runtime ?? defaultTlsRuntime()
  // Once per tunnel: a lockdown connection may start and stop TLS many times.
  if (!raw.listeners('error').includes(ignoreLateError)) raw.on('error', ignoreLateError)
  let options: tls.ConnectionOptions
  try {
    options = deviceTlsOptions(creds, runtime)
  } catch (error) {
    raw.destroy()
    throw contextError(error, creds, runtime)
  }
  const carrier = new Carrier(raw, leftover)
  carrier.on('error', ignoreLateError)
  let socket: tls.TLSSocket
  try {
    socket = tls.connect({ ...options, socket: carrier })
  } catch (error) {
    carrier.destroy()
    raw.destroy()
    throw handshakeError(error, creds, runtime)
  }
  socket.on('error', ignoreLateError)
  const handshake = new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error)
    const onClose = (): void => reject(Object.assign(new Error('the device closed the connection during the TLS handshake'), { code: 'ECONNRESET' }))
    socket.once('secureConnect', () => {
      socket.off('error', onError)
      socket.off('close', onClose)
      resolve()
    })
    socket.once('error', onError)
    socket.once('close', onClose)
  })
  try {
    await guard(handshake, { timeoutMs: opts.timeoutMs, signal: opts.signal, what: 'TLS handshake', onFail: () => socket.destroy() })
  } catch (error) {
    socket.destroy()
    carrier.detach()
    raw.destroy()
    throw handshakeError(error, creds, runtime)
  }
  return { socket, carrier }
}

/**
 * Sends close_notify and hands the raw tunnel back for plaintext (after StopSession). When the
 * device already ended TLS with its own close_notify, the TLS socket has answered and closed by
 * itself: nothing is left to wait for.
 */
export async function stopTls(socket: tls.TLSSocket, carrier: Carrier, timeoutMs = 1000): Promise<void> {
  if (!socket.destroyed) {
    const finished = new Promise<void>((resolve) => {
      socket.once('finish', resolve)
      socket.once('close', resolve)
      socket.once('error', () => resolve())
    })
    socket.end()
    await guard(finished, { timeoutMs, what: 'TLS close_notify' }).catch(() => undefined)
  }
  carrier.detach()
  socket.destroy()
}
