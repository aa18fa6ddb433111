/**
 * A small, strict XML reader and writer for XMP packets: elements, attributes, text, CDATA,
 * comments and processing instructions, with namespace prefixes resolved to URIs. Enough to edit
 * a sidecar another tool wrote without losing what it put there; anything it cannot read with
 * certainty (a DOCTYPE, an unknown entity, a tag left open) is an error rather than a guess, so
 * the caller keeps the file aside instead of rewriting it wrongly. No DTDs means no entity
 * expansion attacks either.
 */

export interface XmlAttr {
  /** As written, with its prefix ("xmp:Rating", "xmlns:dc"). */
  name: string
  value: string
}

export interface XmlElement {
  type: 'element'
  name: string
  attrs: XmlAttr[]
  children: XmlNode[]
}

export type XmlNode =
  | XmlElement
  | { type: 'text'; text: string }
  /** A comment, CDATA section or processing instruction, kept byte for byte. */
  | { type: 'raw'; raw: string }

export class XmlError extends Error {}

const NAME = /^[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*(?::[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?/

function decodeEntities(s: string): string {
  return s.replace(/&([^;&\s]{1,10});/g, (_m, ent: string) => {
    switch (ent) {
      case 'amp': return '&'
      case 'lt': return '<'
      case 'gt': return '>'
      case 'quot': return '"'
      case 'apos': return "'"
    }
    const m = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(ent)
    if (!m) throw new XmlError(`unknown entity &${ent};`)
    const code = m[1]!.startsWith('x') ? parseInt(m[1]!.slice(1), 16) : parseInt(m[1]!, 10)
    if (code > 0x10ffff) throw new XmlError(`bad character reference &${ent};`)
    return String.fromCodePoint(code)
  })
}

/** Parses a whole document; returns its top-level nodes (prolog, root element, trailing PIs). */
export function parseXml(input: string): XmlNode[] {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input
  let pos = 0
  const top: XmlNode[] = []
  const stack: XmlElement[] = []
  let roots = 0
  const add = (node: XmlNode): void => {
    const parent = stack[stack.length - 1]
    if (parent) parent.children.push(node)
    else if (node.type === 'text') {
      if (node.text.trim() !== '') throw new XmlError('text outside the root element')
      top.push(node)
    } else top.push(node)
  }
  while (pos < text.length) {
    const lt = text.indexOf('<', pos)
    if (lt < 0) {
      add({ type: 'text', text: decodeEntities(text.slice(pos)) })
      break
    }
    if (lt > pos) {
      const chunk = text.slice(pos, lt)
      if (chunk.includes('>') && stack.length === 0 && chunk.trim() !== '') throw new XmlError('stray >')
      add({ type: 'text', text: decodeEntities(chunk) })
    }
    pos = lt
    if (text.startsWith('<!--', pos)) {
      const end = text.indexOf('-->', pos + 4)
      if (end < 0) throw new XmlError('unterminated comment')
      add({ type: 'raw', raw: text.slice(pos, end + 3) })
      pos = end + 3
    } else if (text.startsWith('<![CDATA[', pos)) {
      if (stack.length === 0) throw new XmlError('CDATA outside the root element')
      const end = text.indexOf(']]>', pos)
      if (end < 0) throw new XmlError('unterminated CDATA')
      add({ type: 'raw', raw: text.slice(pos, end + 3) })
      pos = end + 3
    } else if (text.startsWith('<?', pos)) {
      const end = text.indexOf('?>', pos + 2)
      if (end < 0) throw new XmlError('unterminated processing instruction')
      add({ type: 'raw', raw: text.slice(pos, end + 2) })
      pos = end + 2
    } else if (text.startsWith('<!', pos)) {
      throw new XmlError('DOCTYPE and declarations are not accepted')
    } else if (text.startsWith('</', pos)) {
      const m = NAME.exec(text.slice(pos + 2))
      const open = stack.pop()
      if (!m || !open || open.name !== m[0]) throw new XmlError(`unexpected </${m?.[0] ?? ''}>`)
      const close = text.indexOf('>', pos)
      if (close < 0 || text.slice(pos + 2 + m[0].length, close).trim() !== '') throw new XmlError('bad end tag')
      pos = close + 1
    } else {
      const m = NAME.exec(text.slice(pos + 1))
      if (!m) throw new XmlError('bad tag')
      const el: XmlElement = { type: 'element', name: m[0], attrs: [], children: [] }
      pos += 1 + m[0].length
      for (;;) {
        const ws = /^\s*/.exec(text.slice(pos))![0]
        pos += ws.length
        if (text.startsWith('/>', pos)) {
          pos += 2
          add(el)
          if (stack.length === 0) roots++
          break
        }
        if (text.startsWith('>', pos)) {
          pos += 1
          add(el)
          if (stack.length === 0) roots++
          stack.push(el)
          break
        }
        if (ws.length === 0) throw new XmlError('attributes must be separated by spaces')
        const a = /^([^\s=/>]+)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(text.slice(pos))
        if (!a || !NAME.test(a[1]!) || NAME.exec(a[1]!)![0] !== a[1]) throw new XmlError('bad attribute')
        if (el.attrs.some((x) => x.name === a[1])) throw new XmlError(`duplicate attribute ${a[1]}`)
        el.attrs.push({ name: a[1]!, value: decodeEntities(a[3] ?? a[4] ?? '') })
        pos += a[0].length
      }
    }
  }
  if (stack.length > 0) throw new XmlError(`<${stack[stack.length - 1]!.name}> is not closed`)
  if (roots !== 1) throw new XmlError(roots === 0 ? 'no root element' : 'more than one root element')
  return top
}

/** Characters XML 1.0 cannot carry at all (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/F). */
 
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** The string without the characters XML cannot carry. */
export function xmlSafe(s: string): string {
  return s.replace(NOT_XML, '')
}

export function escapeText(s: string): string {
  return xmlSafe(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

export function escapeAttr(s: string): string {
  // Tabs and newlines in attributes are normalised to spaces by readers: keep them as references.
  return escapeText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;')
}

export function serializeXml(nodes: readonly XmlNode[]): string {
  let out = ''
  const write = (n: XmlNode): void => {
    if (n.type === 'text') out += escapeText(n.text)
    else if (n.type === 'raw') out += n.raw
    else {
      out += `<${n.name}`
      for (const a of n.attrs) out += ` ${a.name}="${escapeAttr(a.value)}"`
      if (n.children.length === 0) out += '/>'
      else {
        out += '>'
        for (const c of n.children) write(c)
        out += `</${n.name}>`
      }
    }
  }
  for (const n of nodes) write(n)
  return out
}

/** Prefix → namespace URI in scope, after this element's own declarations. */
export function scopeOf(el: XmlElement, parent: ReadonlyMap<string, string>): Map<string, string> {
  const scope = new Map(parent)
  for (const a of el.attrs) {
    if (a.name === 'xmlns') scope.set('', a.value)
    else if (a.name.startsWith('xmlns:')) scope.set(a.name.slice(6), a.value)
  }
  return scope
}

/** The namespace URI and local part of an element or attribute name (attributes take no default namespace). */
export function resolveName(name: string, scope: ReadonlyMap<string, string>, isAttr = false): { ns: string; local: string } {
  const i = name.indexOf(':')
  if (i < 0) return { ns: isAttr ? '' : (scope.get('') ?? ''), local: name }
  const prefix = name.slice(0, i)
  if (prefix === 'xml') return { ns: 'http://www.w3.org/XML/1998/namespace', local: name.slice(i + 1) }
  const ns = scope.get(prefix)
  if (ns === undefined) throw new XmlError(`undeclared prefix ${prefix}`)
  return { ns, local: name.slice(i + 1) }
}
