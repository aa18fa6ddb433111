/**
 * XML property lists ⇄ JS values, without a general XML parser. A plist is a tiny, regular subset
 * of XML (dict, array, key, string, integer, real, true, false, date, data), so it is read in one
 * pass straight into values: no DOM, and only this module to load on every usbmux and lockdown
 * message. What real plists carry besides is accepted: the XML declaration and other processing
 * instructions, the DOCTYPE (without an internal subset: no entity definitions, so no entity
 * expansion), comments, CDATA, the five named entities and numeric character references.
 * Anything else is a PlistSyntaxError naming what and where; nesting is bounded and the reader
 * never recurses, so no input can exhaust the stack or loop.
 */
import type { PlistDict, PlistValue } from './plist-value.js'

/** Deeper than any message of the protocol, as deep as the binary guard allows (BPLIST_MAX_DEPTH). */
export const XML_PLIST_MAX_DEPTH = 128

/** A malformed XML plist; `offset` is the character position where reading stopped. */
export class PlistSyntaxError extends Error {
  constructor(detail: string, readonly offset: number) {
    super(`${detail} (at character ${offset})`)
    this.name = 'PlistSyntaxError'
  }
}

/** Seconds-precision ISO 8601 as Apple writes it; toISOString's six-digit years too. */
const DATE = /^(?:\d{4}|[+-]\d{6})-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/
const INTEGER = /^[+-]?\d+$/
const REAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const NAME = /[A-Za-z_:][\w.:-]*/y
const SPACE = /[ \t\n\r]*/y
const DOCTYPE = /<!DOCTYPE plist PUBLIC "[^"]*" "[^"]*">/y
const INT_MIN = -(2n ** 63n)
const INT_LIMIT = 2n ** 64n

type Frame = { tag: 'array'; value: PlistValue[] } | { tag: 'dict'; value: PlistDict; key: string | undefined }

/** Sets an own property even for "__proto__", which plain assignment would take as the prototype. */
export function setKey(dict: PlistDict, key: string, value: PlistValue): void {
  if (key === '__proto__') Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true })
  else dict[key] = value
}

function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)
}

class Reader {
  pos = 0
  constructor(private readonly text: string) {}

  fail(detail: string, at = this.pos): never {
    throw new PlistSyntaxError(detail, at)
  }

  document(): PlistValue {
    this.misc(true)
    if (this.pos >= this.text.length) this.fail('no <plist> element')
    const root = this.startTag()
    if (root.name !== 'plist') this.fail(`the root element is <${root.name}>, not <plist>`, root.at)
    if (root.empty) this.fail('empty <plist>', root.at)
    const value = this.values()
    this.skipSpaceAndComments()
    const end = this.pos
    if (this.pos < this.text.length && !this.text.startsWith('</', end)) this.fail('more than one value in <plist>', end)
    if (this.endTag() !== 'plist') this.fail('</plist> expected', end)
    this.misc(false)
    if (this.pos < this.text.length) this.fail('content after </plist>')
    return value
  }

  /** Whitespace, comments, processing instructions and (before the root) the DOCTYPE. */
  private misc(prolog: boolean): void {
    for (;;) {
      this.skipSpace()
      if (this.text.startsWith('<?', this.pos)) this.pos = this.after('?>', 'processing instruction')
      else if (this.text.startsWith('<!--', this.pos)) this.pos = this.after('-->', 'comment', 4)
      else if (prolog && this.text.startsWith('<!DOCTYPE', this.pos)) this.doctype()
      else return
    }
  }

  private doctype(): void {
    const at = this.pos
    // Apple's DOCTYPE, as every plist writer puts it: no scan character by character.
    DOCTYPE.lastIndex = at
    if (DOCTYPE.test(this.text)) {
      this.pos = DOCTYPE.lastIndex
      return
    }
    let i = at + 9
    for (; i < this.text.length; i++) {
      const c = this.text[i]
      if (c === '>') {
        this.pos = i + 1
        return
      }
      if (c === '[') this.fail('a DOCTYPE with an internal subset (entity definitions) is not accepted', at)
      if (c === '"' || c === "'") {
        const close = this.text.indexOf(c, i + 1)
        if (close < 0) break
        i = close
      }
    }
    this.fail('unterminated DOCTYPE', at)
  }

  private after(end: string, what: string, skip = 2): number {
    const close = this.text.indexOf(end, this.pos + skip)
    if (close < 0) this.fail(`unterminated ${what}`)
    return close + end.length
  }

  private skipSpace(): void {
    SPACE.lastIndex = this.pos
    SPACE.test(this.text)
    this.pos = SPACE.lastIndex
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      this.skipSpace()
      if (!this.text.startsWith('<!--', this.pos)) return
      this.pos = this.after('-->', 'comment', 4)
    }
  }

  private name(): string {
    NAME.lastIndex = this.pos
    const m = NAME.exec(this.text)
    if (!m) this.fail('expected an element name')
    this.pos = NAME.lastIndex
    return m[0]
  }

  /** At '<': the element's name and whether it is `<x/>`; attributes are read over and ignored. */
  private startTag(): { name: string; empty: boolean; at: number } {
    const at = this.pos
    if (this.text[this.pos] !== '<') this.fail('expected an element')
    this.pos++
    const name = this.name()
    for (;;) {
      const before = this.pos
      this.skipSpace()
      const c = this.text[this.pos]
      if (c === '>') {
        this.pos++
        return { name, empty: false, at }
      }
      if (c === '/' && this.text[this.pos + 1] === '>') {
        this.pos += 2
        return { name, empty: true, at }
      }
      if (c === undefined) this.fail(`unterminated <${name}>`, at)
      if (this.pos === before) this.fail(`expected an attribute, > or /> in <${name}>`)
      this.name()
      this.skipSpace()
      if (this.text[this.pos] !== '=') this.fail(`attribute without a value in <${name}>`)
      this.pos++
      this.skipSpace()
      const quote = this.text[this.pos]
      if (quote !== '"' && quote !== "'") this.fail(`unquoted attribute value in <${name}>`)
      const close = this.text.indexOf(quote, this.pos + 1)
      if (close < 0) this.fail(`unterminated attribute value in <${name}>`)
      this.pos = close + 1
    }
  }

  /** At '</': the name, past the '>'. */
  private endTag(): string {
    if (!this.text.startsWith('</', this.pos)) this.fail(this.pos >= this.text.length ? 'unexpected end of input' : 'expected an end tag')
    this.pos += 2
    const name = this.name()
    this.skipSpace()
    if (this.text[this.pos] !== '>') this.fail(`bad end tag </${name}`)
    this.pos++
    return name
  }

  /** The character data of a scalar element up to its end tag: text, entities, CDATA; comments dropped. */
  private content(tag: string): string {
    let out = ''
    for (;;) {
      const lt = this.text.indexOf('<', this.pos)
      if (lt < 0) this.fail(`unterminated <${tag}>`)
      if (lt > this.pos) out += this.entities(this.text.slice(this.pos, lt), this.pos)
      this.pos = lt
      if (this.text.startsWith('<![CDATA[', lt)) {
        const close = this.text.indexOf(']]>', lt + 9)
        if (close < 0) this.fail('unterminated CDATA section')
        out += this.text.slice(lt + 9, close)
        this.pos = close + 3
      } else if (this.text.startsWith('<!--', lt)) {
        this.pos = this.after('-->', 'comment', 4)
      } else if (this.text.startsWith('</', lt)) {
        const name = this.endTag()
        if (name !== tag) this.fail(`</${name}> closes <${tag}>`, lt)
        return out
      } else {
        this.fail(`an element inside <${tag}>`)
      }
    }
  }

  private entities(chunk: string, at: number): string {
    if (!chunk.includes('&')) return chunk
    return chunk.replace(/&([^;]*);?/g, (whole, ent: string, index: number) => {
      if (!whole.endsWith(';') || ent.length > 10) this.fail('a bare & (write &amp;)', at + index)
      switch (ent) {
        case 'amp': return '&'
        case 'lt': return '<'
        case 'gt': return '>'
        case 'quot': return '"'
        case 'apos': return "'"
      }
      const m = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(ent)
      if (!m) this.fail(`unknown entity &${ent};`, at + index)
      const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10)
      if (!isXmlChar(code)) this.fail(`&${ent}; is not a character XML can carry`, at + index)
      return String.fromCodePoint(code)
    })
  }

  private scalar(tag: string, empty: boolean, at: number): PlistValue {
    const text = empty ? '' : this.content(tag)
    switch (tag) {
      case 'string':
        return text
      case 'true':
      case 'false':
        if (text.trim() !== '') this.fail(`<${tag}> with content`, at)
        return tag === 'true'
      case 'integer': {
        const t = text.trim()
        if (!INTEGER.test(t)) this.fail(`<integer> holds "${t.slice(0, 40)}"`, at)
        const n = BigInt(t)
        if (n < INT_MIN || n >= INT_LIMIT) this.fail(`<integer> ${t.slice(0, 40)} is outside 64 bits`, at)
        return Number(n)
      }
      case 'real': {
        const t = text.trim()
        if (REAL.test(t)) return Number(t)
        const special = /^([+-]?)(nan|inf|infinity)$/i.exec(t)
        if (!special) this.fail(`<real> holds "${t.slice(0, 40)}"`, at)
        if (special[2]!.toLowerCase() === 'nan') return NaN
        return special[1] === '-' ? -Infinity : Infinity
      }
      case 'date': {
        const t = text.trim()
        const date = new Date(t)
        if (!DATE.test(t) || Number.isNaN(date.getTime())) this.fail(`<date> holds "${t.slice(0, 40)}"`, at)
        return date
      }
      case 'data': {
        const b64 = text.replace(/[ \t\n\r]+/g, '')
        if (!BASE64.test(b64)) this.fail('<data> is not base64', at)
        return Buffer.from(b64, 'base64')
      }
      default:
        this.fail(`unknown element <${tag}>`, at)
    }
  }

  /** The one value inside <plist>, containers on an explicit stack. */
  private values(): PlistValue {
    const stack: Frame[] = []
    let result: { value: PlistValue } | undefined
    const deliver = (value: PlistValue): void => {
      const top = stack[stack.length - 1]
      if (top === undefined) result = { value }
      else if (top.tag === 'array') top.value.push(value)
      else {
        setKey(top.value, top.key!, value)
        top.key = undefined
      }
    }
    while (result === undefined) {
      this.skipSpaceAndComments()
      const at = this.pos
      if (this.text.startsWith('</', at)) {
        const name = this.endTag()
        const top = stack.pop()
        if (top === undefined) this.fail(name === 'plist' ? 'empty <plist>' : `unexpected </${name}>`, at)
        if (name !== top.tag) this.fail(`</${name}> closes <${top.tag}>`, at)
        if (top.tag === 'dict' && top.key !== undefined) this.fail(`<key>${top.key.slice(0, 40)}</key> has no value`, at)
        deliver(top.value)
        continue
      }
      if (at >= this.text.length) this.fail(stack.length ? `unterminated <${stack[stack.length - 1]!.tag}>` : 'unexpected end of input')
      if (this.text[at] !== '<') this.fail('text outside a value element')
      const { name, empty } = this.startTag()
      const top = stack[stack.length - 1]
      if (name === 'key') {
        if (top?.tag !== 'dict') this.fail('<key> outside a <dict>', at)
        if (top.key !== undefined) this.fail(`<key>${top.key.slice(0, 40)}</key> has no value`, at)
        top.key = empty ? '' : this.content('key')
        continue
      }
      if (top?.tag === 'dict' && top.key === undefined) this.fail(`<${name}> in a <dict> without a <key>`, at)
      if (name === 'dict' || name === 'array') {
        if (empty) deliver(name === 'dict' ? {} : [])
        else if (stack.length >= XML_PLIST_MAX_DEPTH) this.fail(`nested more than ${XML_PLIST_MAX_DEPTH} deep`, at)
        else stack.push(name === 'dict' ? { tag: 'dict', value: {}, key: undefined } : { tag: 'array', value: [] })
      } else {
        deliver(this.scalar(name, empty, at))
      }
    }
    return result.value
  }
}

/** Parses an XML plist document (a string: the caller decodes the bytes and any BOM). */
export function parseXmlPlist(text: string): PlistValue {
  // XML reads every CR LF and lone CR as LF; a CR in a value travels as &#13;.
  return new Reader(text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text).document()
}

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n'

function escape(s: string): string {
  return /[&<>\r]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;') : s
}

/** The integers <integer> and bplist integers carry: whole, not -0, within int64 ∪ uint64. */
export function isPlistInteger(n: number): boolean {
  return Number.isInteger(n) && !Object.is(n, -0) && n >= -(2 ** 63) && n < 2 ** 64
}

function real(n: number): string {
  if (Number.isNaN(n)) return 'nan'
  if (n === Infinity) return '+infinity'
  if (n === -Infinity) return '-infinity'
  return Object.is(n, -0) ? '-0.0' : String(n)
}

function write(value: PlistValue, indent: string, out: string[]): void {
  if (typeof value === 'string') out.push(`${indent}<string>${escape(value)}</string>\n`)
  else if (typeof value === 'number') {
    if (isPlistInteger(value)) out.push(`${indent}<integer>${BigInt(value).toString()}</integer>\n`)
    else out.push(`${indent}<real>${real(value)}</real>\n`)
  } else if (typeof value === 'boolean') out.push(`${indent}<${value}/>\n`)
  else if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('plist: an invalid Date')
    out.push(`${indent}<date>${value.toISOString().replace(/\.\d{3}Z$/, 'Z')}</date>\n`)
  } else if (value instanceof Uint8Array) out.push(`${indent}<data>${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}</data>\n`)
  else if (Array.isArray(value)) {
    if (value.length === 0) out.push(`${indent}<array/>\n`)
    else {
      out.push(`${indent}<array>\n`)
      for (const item of value) write(item, indent + '\t', out)
      out.push(`${indent}</array>\n`)
    }
  } else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && v !== null)
    if (entries.length === 0) out.push(`${indent}<dict/>\n`)
    else {
      out.push(`${indent}<dict>\n`)
      for (const [k, v] of entries) {
        out.push(`${indent}\t<key>${escape(k)}</key>\n`)
        write(v, indent + '\t', out)
      }
      out.push(`${indent}</dict>\n`)
    }
  } else throw new TypeError(`plist: cannot write a ${value === null ? 'null' : typeof value}`)
}

/** An XML plist as Apple writes it: declaration, DOCTYPE, tab-indented; dict entries that are undefined or null are left out. */
export function buildXmlPlist(value: PlistValue): string {
  const out = [HEAD]
  write(value, '', out)
  out.push('</plist>\n')
  return out.join('')
}
