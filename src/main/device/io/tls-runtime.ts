/**
 * The TLS library under node:tls differs by runtime: Node ships OpenSSL, Electron's main process
 * ships BoringSSL (electron/electron#21118 removed `process.versions.openssl` there). BoringSSL's
 * cipher-string parser accepts no `@` directive except `@STRENGTH` (ssl_cipher.cc: anything else
 * is SSL_R_INVALID_COMMAND), so OpenSSL's `@SECLEVEL=0` makes tls.connect throw before a byte is
 * sent. BoringSSL has no security levels either: what `@SECLEVEL=0` unlocks on OpenSSL (SHA-1
 * certificates, 1024-bit keys of old pair records) it allows anyway.
 *
 * We detect the flavour once by behaviour (does the runtime accept `@SECLEVEL=0`?) rather than by
 * version strings, and build options that are valid for it. The runtime is an interface so tests
 * can run the device layer's TLS under BoringSSL's rules on a Node build (emulateBoringSsl).
 */
import tls from 'node:tls'

export interface TlsRuntime {
  /** 'openssl', 'boringssl', or 'boringssl (emulated)' — for logs and error details. */
  readonly name: string
  /** OpenSSL's `@SECLEVEL=n` is understood; without it the cipher string must not carry one. */
  readonly securityLevels: boolean
  createSecureContext(options: tls.SecureContextOptions): tls.SecureContext
}

/** Security level 0 accepts the SHA-1 certificates and 1024-bit keys of old pair records. */
const LEVEL_0_PROBE = 'DEFAULT:@SECLEVEL=0'

/** The runtime node:tls gives this process, detected by probing `@SECLEVEL=0` once. */
export function detectTlsRuntime(create: (options: tls.SecureContextOptions) => tls.SecureContext = tls.createSecureContext): TlsRuntime {
  try {
    create({ ciphers: LEVEL_0_PROBE })
    return { name: 'openssl', securityLevels: true, createSecureContext: create }
  } catch {
    return { name: 'boringssl', securityLevels: false, createSecureContext: create }
  }
}

/**
 * `list` at OpenSSL's security level 0 (SHA-1 certificates, 1024-bit keys, TLS 1.0 suites of old
 * records and phones); undefined under BoringSSL, which has no levels and refuses the directive,
 * so its default list serves as it is.
 */
export function levelZeroCiphers(runtime: TlsRuntime, list: 'ALL' | 'DEFAULT'): string | undefined {
  return runtime.securityLevels ? `${list}:@SECLEVEL=0` : undefined
}

let processRuntime: TlsRuntime | undefined

/** The runtime device TLS uses unless a call passes its own (detected on first use). */
export function defaultTlsRuntime(): TlsRuntime {
  processRuntime ??= detectTlsRuntime()
  return processRuntime
}

/** Replaces the process default; the CLI entry uses it for CRADLE_TLS_EMULATE (tests only). */
export function setDefaultTlsRuntime(runtime: TlsRuntime | undefined): void {
  processRuntime = runtime
}

/** The error BoringSSL's parser gives for an `@` command it does not know. */
function invalidCommand(ciphers: string): Error {
  const error = new Error(`error:100000b1:SSL routines:OPENSSL_internal:INVALID_COMMAND (cipher string "${ciphers}")`) as Error & { code: string }
  error.code = 'ERR_SSL_INVALID_COMMAND'
  return error
}

/**
 * BoringSSL's rules on top of this process's OpenSSL, for tests and `CRADLE_TLS_EMULATE=boringssl`:
 * a cipher string with any `@` directive but `@STRENGTH` throws as BoringSSL's parser does, and
 * certificates are not held to a security level (BoringSSL has none), unless
 * `legacyCertificates: false` emulates a runtime that refuses SHA-1 / small-key certificates.
 */
export function emulateBoringSsl(opts: { legacyCertificates?: boolean; base?: (options: tls.SecureContextOptions) => tls.SecureContext } = {}): TlsRuntime {
  const base = opts.base ?? tls.createSecureContext
  const level = opts.legacyCertificates === false ? 2 : 0
  return {
    name: 'boringssl (emulated)',
    securityLevels: false,
    createSecureContext(options) {
      const ciphers = options.ciphers
      if (ciphers !== undefined) {
        for (const match of ciphers.matchAll(/@([^:,; ]*)/g)) if (match[1] !== 'STRENGTH') throw invalidCommand(ciphers)
      }
      return base({ ...options, ciphers: `${ciphers ?? 'DEFAULT'}:@SECLEVEL=${level}` })
    },
  }
}
