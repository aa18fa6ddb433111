/**
 * The few DER (X.690) encoders an X.509 v3 certificate needs. Pure; tested against OpenSSL's
 * parser (node:crypto X509Certificate and the `openssl` tool) in test/unit/device/lockdown.
 */

export function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content])
}

export function derSequence(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items))
}

/** A non-negative INTEGER, minimal encoding with a leading 0 when the top bit is set. */
export function derInteger(value: number | bigint): Buffer {
  let v = BigInt(value)
  if (v < 0n) throw new RangeError('only non-negative integers')
  const bytes: number[] = []
  do {
    bytes.unshift(Number(v & 0xffn))
    v >>= 8n
  } while (v > 0n)
  if (bytes[0]! & 0x80) bytes.unshift(0)
  return tlv(0x02, Buffer.from(bytes))
}

export function derOid(oid: string): Buffer {
  const parts = oid.split('.').map(Number)
  if (parts.length < 2 || parts.some((p) => !Number.isInteger(p) || p < 0)) throw new RangeError(`bad OID ${oid}`)
  const out: number[] = [parts[0]! * 40 + parts[1]!]
  for (const part of parts.slice(2)) {
    const chunk: number[] = []
    let v = part
    do {
      chunk.unshift(v & 0x7f)
      v = Math.floor(v / 128)
    } while (v > 0)
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80
    out.push(...chunk)
  }
  return tlv(0x06, Buffer.from(out))
}

export const DER_NULL = Buffer.from([0x05, 0x00])

export function derBoolean(value: boolean): Buffer {
  return Buffer.from([0x01, 0x01, value ? 0xff : 0x00])
}

export function derBitString(content: Buffer, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]))
}

export function derOctetString(content: Buffer): Buffer {
  return tlv(0x04, content)
}

/** [n] EXPLICIT, constructed context-specific tag. */
export function derExplicit(n: number, content: Buffer): Buffer {
  return tlv(0xa0 + n, content)
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function derTime(date: Date): Buffer {
  const iso = date.toISOString() // YYYY-MM-DDTHH:MM:SS.sssZ
  const compact = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`
  const year = date.getUTCFullYear()
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(compact.slice(2), 'ascii'))
  return tlv(0x18, Buffer.from(compact, 'ascii'))
}

export function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`
}
