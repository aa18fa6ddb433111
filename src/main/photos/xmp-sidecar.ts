/**
 * The XMP sidecar Cradle keeps beside each library photo or video (`IMG_0003.HEIC.xmp`): what the
 * phone's Photos library says about it, in fields digiKam, darktable, Lightroom and Immich read.
 *
 *   favorite        → xmp:Rating 5 (not favorite → no rating from Cradle)
 *   albums          → dc:subject "<title>" and lr:hierarchicalSubject "Albums|<title>"
 *                     (a '|' inside a title becomes '/', since Lightroom's separator has no escape)
 *   hidden          → dc:subject "Hidden" and lr:hierarchicalSubject "Cradle|Hidden"
 *   capture date    → exif:DateTimeOriginal and photoshop:DateCreated, with the offset when known
 *   original name   → xmpMM:PreservedFileName (the XMP Media Management field for it)
 *   everything above, as Cradle saw it, is also recorded in Cradle's own namespace (NS.cradle,
 *   prefix `cradle:`: AssetUUID, OriginalFileName, CaptureDate, Favorite, Hidden, Albums). The UUID
 *   lives only there: no standard field means "the id another library gave this asset".
 *
 * Updating keeps what others wrote. A standard field Cradle wrote stays Cradle's until another tool
 * changes it: the record tells what Cradle's last value was, and a different value found there now
 * is the user's (a rating set in digiKam, a date corrected in Lightroom) and is kept. Keywords are
 * merged: Cradle removes only the ones its last record implies and adds the current ones. Every
 * other property, description and namespace is left as it was. A packet that cannot be read with
 * certainty is not edited: `renderXmpUpdate` says so and the caller keeps that file aside.
 */
import type { PhotoMetadata } from './photo-metadata.js'
import { parseXml, resolveName, scopeOf, serializeXml, xmlSafe, XmlError, type XmlAttr, type XmlElement, type XmlNode } from './xml-tree.js'

export const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  dc: 'http://purl.org/dc/elements/1.1/',
  lr: 'http://ns.adobe.com/lightroom/1.0/',
  exif: 'http://ns.adobe.com/exif/1.0/',
  photoshop: 'http://ns.adobe.com/photoshop/1.0/',
  xmpMM: 'http://ns.adobe.com/xap/1.0/mm/',
  /** Cradle's own namespace (.invalid: reserved, so it can never collide with anyone's). */
  cradle: 'http://ns.cradle.invalid/xmp/1.0/',
} as const

type Prefix = keyof typeof NS

export const FAVORITE_RATING = '5'
export const ALBUMS_ROOT = 'Albums'
export const HIDDEN_KEYWORD = 'Hidden'
export const HIDDEN_HIERARCHY = 'Cradle|Hidden'

export { isSidecarName, sidecarNameFor } from '../library/sidecar-name.js'

/** What Cradle records of an asset, in the strings it writes. */
interface CradleRecord {
  uuid: string
  originalFileName: string
  captureDate: string | null
  favorite: boolean
  hidden: boolean
  albums: string[]
}

type SimpleKey = 'rating' | 'dateTimeOriginal' | 'dateCreated' | 'preservedFileName'
type BagKey = 'subject' | 'hierarchicalSubject'

interface Standard {
  simple: Record<SimpleKey, string | null>
  bags: Record<BagKey, string[]>
}

const SIMPLE: Record<SimpleKey, { prefix: Prefix; local: string }> = {
  rating: { prefix: 'xmp', local: 'Rating' },
  dateTimeOriginal: { prefix: 'exif', local: 'DateTimeOriginal' },
  dateCreated: { prefix: 'photoshop', local: 'DateCreated' },
  preservedFileName: { prefix: 'xmpMM', local: 'PreservedFileName' },
}
const BAGS: Record<BagKey, { prefix: Prefix; local: string }> = {
  subject: { prefix: 'dc', local: 'subject' },
  hierarchicalSubject: { prefix: 'lr', local: 'hierarchicalSubject' },
}

/** XMP date: ISO 8601 local time with its offset (Z when the offset is unknown). */
export function xmpDate(ms: number, offsetMinutes: number | null): string {
  const off = offsetMinutes !== null && Number.isFinite(offsetMinutes) ? Math.round(offsetMinutes) : null
  const local = new Date(ms + (off ?? 0) * 60_000).toISOString()
  const base = local.endsWith('.000Z') ? local.slice(0, 19) : local.slice(0, 23)
  if (off === null) return `${base}Z`
  const abs = Math.abs(off)
  return `${base}${off < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
}

function clean(s: string): string {
  return xmlSafe(s.normalize('NFC'))
}

function recordOf(meta: PhotoMetadata): CradleRecord {
  const albums = [...new Set(meta.albums.map(clean).filter((t) => t.trim() !== ''))].sort()
  return {
    uuid: clean(meta.uuid),
    originalFileName: clean(meta.originalFileName),
    captureDate: meta.capturedAt === null || !Number.isFinite(meta.capturedAt) ? null : xmpDate(meta.capturedAt, meta.offsetMinutes),
    favorite: meta.favorite,
    hidden: meta.hidden,
    albums,
  }
}

/** The standard fields a record stands for. */
function standardOf(r: CradleRecord | null): Standard {
  if (!r) return { simple: { rating: null, dateTimeOriginal: null, dateCreated: null, preservedFileName: null }, bags: { subject: [], hierarchicalSubject: [] } }
  const subject = [...r.albums]
  const hierarchical = r.albums.map((t) => `${ALBUMS_ROOT}|${t.replace(/\|/g, '/')}`)
  if (r.hidden) {
    subject.push(HIDDEN_KEYWORD)
    hierarchical.push(HIDDEN_HIERARCHY)
  }
  return {
    simple: {
      rating: r.favorite ? FAVORITE_RATING : null,
      dateTimeOriginal: r.captureDate,
      dateCreated: r.captureDate,
      preservedFileName: r.originalFileName || null,
    },
    bags: { subject: [...new Set(subject)], hierarchicalSubject: [...new Set(hierarchical)] },
  }
}

/** An empty packet; a fresh sidecar is this template updated, so both paths format alike. */
const TEMPLATE = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Cradle">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
`

export interface XmpUpdate {
  text: string
  /** The existing packet could not be read with certainty and was not used: keep it aside. */
  unreadable: boolean
  reason?: string
}

/** The sidecar text for `meta`; with `existing`, Cradle's fields are replaced and everything else kept. */
export function renderXmp(meta: PhotoMetadata, existing?: string): string {
  return renderXmpUpdate(meta, existing).text
}

export function renderXmpUpdate(meta: PhotoMetadata, existing?: string): XmpUpdate {
  if (existing !== undefined && existing.trim() !== '') {
    try {
      return { text: update(meta, existing), unreadable: false }
    } catch (error) {
      if (!(error instanceof XmlError)) throw error
      return { text: update(meta, TEMPLATE), unreadable: true, reason: error.message }
    }
  }
  return { text: update(meta, TEMPLATE), unreadable: false }
}

// ── reading ─────────────────────────────────────────────────────────────────────────────────

interface Found {
  simple: Partial<Record<SimpleKey, string>>
  bags: Partial<Record<BagKey, string[]>>
  cradle: Map<string, string | string[]>
  /** Properties Cradle manages but found in a shape it does not edit (qualifiers, resources): left in place. */
  untouchable: Set<SimpleKey | BagKey>
}

function isWs(n: XmlNode | undefined): boolean {
  return n?.type === 'text' && n.text.trim() === ''
}

function textOf(el: XmlElement): string {
  return el.children.map((c) => (c.type === 'text' ? c.text : c.type === 'element' ? textOf(c) : c.raw.startsWith('<![CDATA[') ? c.raw.slice(9, -3) : '')).join('')
}

function elementChildren(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => c.type === 'element')
}

/** rdf:Bag / rdf:Seq / rdf:Alt items when the property is one plain container of plain items, else null. */
function plainItems(prop: XmlElement, scope: ReadonlyMap<string, string>): string[] | null {
  if (prop.attrs.some((a) => !a.name.startsWith('xmlns'))) return null
  const kids = elementChildren(prop)
  if (kids.length === 0) return textOf(prop).trim() === '' ? [] : [textOf(prop)]
  if (kids.length !== 1) return null
  const container = kids[0]!
  const cScope = scopeOf(container, scope)
  const c = resolveName(container.name, cScope)
  if (c.ns !== NS.rdf || !['Bag', 'Seq', 'Alt'].includes(c.local)) return null
  if (container.attrs.some((a) => !a.name.startsWith('xmlns'))) return null
  const items: string[] = []
  for (const li of elementChildren(container)) {
    const l = resolveName(li.name, scopeOf(li, cScope))
    if (l.ns !== NS.rdf || l.local !== 'li' || elementChildren(li).length > 0 || li.attrs.some((a) => !a.name.startsWith('xmlns') && a.name !== 'xml:lang')) return null
    items.push(textOf(li))
  }
  return items
}

function simpleValue(prop: XmlElement): string | null {
  if (prop.attrs.some((a) => !a.name.startsWith('xmlns') && a.name !== 'xml:lang')) return null
  if (elementChildren(prop).length > 0) return null
  return textOf(prop)
}

function keyOf<K extends string>(table: Record<K, { prefix: Prefix; local: string }>, ns: string, local: string): K | null {
  for (const [k, v] of Object.entries(table) as [K, { prefix: Prefix; local: string }][]) if (NS[v.prefix] === ns && v.local === local) return k
  return null
}

function removeAt(children: XmlNode[], i: number): void {
  const start = isWs(children[i - 1]) ? i - 1 : i
  children.splice(start, i - start + 1)
}

/** Takes Cradle-managed properties out of one rdf:Description; true when it held nothing else. */
function extract(desc: XmlElement, scope: ReadonlyMap<string, string>, found: Found): boolean {
  let touched = false
  desc.attrs = desc.attrs.filter((a: XmlAttr) => {
    if (a.name.startsWith('xmlns')) return true
    const { ns, local } = resolveName(a.name, scope, true)
    if (ns === NS.cradle) {
      found.cradle.set(local, a.value)
      touched = true
      return false
    }
    const sk = keyOf(SIMPLE, ns, local)
    if (sk) {
      found.simple[sk] ??= a.value
      touched = true
      return false
    }
    const bk = keyOf(BAGS, ns, local)
    if (bk) {
      found.bags[bk] = [...(found.bags[bk] ?? []), a.value]
      touched = true
      return false
    }
    return true
  })
  for (let i = 0; i < desc.children.length; i++) {
    const child = desc.children[i]!
    if (child.type !== 'element') continue
    const cScope = scopeOf(child, scope)
    const { ns, local } = resolveName(child.name, cScope)
    let take = false
    if (ns === NS.cradle) {
      const items = plainItems(child, cScope)
      found.cradle.set(local, local === 'Albums' ? (items ?? []) : textOf(child))
      take = true
    } else {
      const sk = keyOf(SIMPLE, ns, local)
      const bk = sk ? null : keyOf(BAGS, ns, local)
      if (sk) {
        const v = simpleValue(child)
        if (v === null) found.untouchable.add(sk)
        else {
          found.simple[sk] ??= v
          take = true
        }
      } else if (bk) {
        const items = plainItems(child, cScope)
        if (items === null) found.untouchable.add(bk)
        else {
          found.bags[bk] = [...(found.bags[bk] ?? []), ...items]
          take = true
        }
      }
    }
    if (take) {
      removeAt(desc.children, i)
      i = -1 // indices moved; start over (descriptions are small)
      touched = true
    }
  }
  const rest = desc.attrs.some((a) => {
    if (a.name.startsWith('xmlns')) return false
    const n = resolveName(a.name, scope, true)
    return !(n.ns === NS.rdf && n.local === 'about')
  }) || elementChildren(desc).length > 0
  return touched && !rest
}

function recordFrom(c: Map<string, string | string[]>): CradleRecord | null {
  if (c.size === 0) return null
  const s = (k: string): string => (typeof c.get(k) === 'string' ? (c.get(k) as string) : '')
  const albums = c.get('Albums')
  return {
    uuid: s('AssetUUID'),
    originalFileName: s('OriginalFileName'),
    captureDate: s('CaptureDate') || null,
    favorite: s('Favorite') === 'True',
    hidden: s('Hidden') === 'True',
    albums: Array.isArray(albums) ? albums : [],
  }
}

// ── writing ─────────────────────────────────────────────────────────────────────────────────

function el(name: string, attrs: [string, string][], children: XmlNode[] = []): XmlElement {
  return { type: 'element', name, attrs: attrs.map(([n, value]) => ({ name: n, value })), children }
}

function ws(text: string): XmlNode {
  return { type: 'text', text }
}

function bag(name: string, items: readonly string[]): XmlElement {
  const lis: XmlNode[] = []
  for (const item of items) lis.push(ws('\n     '), el('rdf:li', [], [{ type: 'text', text: item }]))
  lis.push(ws('\n    '))
  return el(name, [], [ws('\n    '), el('rdf:Bag', [], lis), ws('\n   ')])
}

function update(meta: PhotoMetadata, existing: string): string {
  const nodes = parseXml(existing)
  const root = nodes.find((n): n is XmlElement => n.type === 'element')!
  const rootScope = scopeOf(root, new Map())
  const r0 = resolveName(root.name, rootScope)
  let rdf: XmlElement | undefined
  let rdfScope: Map<string, string>
  if (r0.ns === NS.rdf && r0.local === 'RDF') {
    rdf = root
    rdfScope = rootScope
  } else if (r0.ns === NS.x && r0.local === 'xmpmeta') {
    rdf = elementChildren(root).find((c) => {
      const n = resolveName(c.name, scopeOf(c, rootScope))
      return n.ns === NS.rdf && n.local === 'RDF'
    })
    if (!rdf) throw new XmlError('x:xmpmeta without rdf:RDF')
    rdfScope = scopeOf(rdf, rootScope)
  } else throw new XmlError(`not an XMP packet (root ${root.name})`)

  const found: Found = { simple: {}, bags: {}, cradle: new Map(), untouchable: new Set() }
  for (let i = 0; i < rdf.children.length; i++) {
    const child = rdf.children[i]!
    if (child.type !== 'element') continue
    const scope = scopeOf(child, rdfScope)
    const n = resolveName(child.name, scope)
    if (n.ns !== NS.rdf || n.local !== 'Description') continue
    if (extract(child, scope, found)) {
      removeAt(rdf.children, i)
      i = -1
    }
  }

  const record = recordOf(meta)
  const prev = standardOf(recordFrom(found.cradle))
  const next = standardOf(record)
  const simple: [SimpleKey, string][] = []
  for (const k of Object.keys(SIMPLE) as SimpleKey[]) {
    if (found.untouchable.has(k)) continue
    const there = found.simple[k]
    // Someone else's value (it is not what Cradle last wrote) wins over Cradle's.
    const value = there !== undefined && there !== prev.simple[k] ? there : next.simple[k]
    if (value !== null) simple.push([k, value])
  }
  const bags: [BagKey, string[]][] = []
  for (const k of Object.keys(BAGS) as BagKey[]) {
    if (found.untouchable.has(k)) continue
    const items = (found.bags[k] ?? []).filter((v) => !prev.bags[k].includes(v))
    for (const v of next.bags[k]) if (!items.includes(v)) items.push(v)
    if (items.length > 0) bags.push([k, items])
  }

  const used = new Set<Prefix>(['cradle'])
  for (const [k] of simple) used.add(SIMPLE[k].prefix)
  for (const [k] of bags) used.add(BAGS[k].prefix)
  const attrs: [string, string][] = [['rdf:about', '']]
  if (rdfScope.get('rdf') !== NS.rdf) attrs.push(['xmlns:rdf', NS.rdf])
  for (const p of Object.keys(NS) as Prefix[]) if (used.has(p) && p !== 'x' && p !== 'rdf' && rdfScope.get(p) !== NS[p]) attrs.push([`xmlns:${p}`, NS[p]])
  for (const [k, v] of simple) attrs.push([`${SIMPLE[k].prefix}:${SIMPLE[k].local}`, v])
  attrs.push(['cradle:AssetUUID', record.uuid], ['cradle:OriginalFileName', record.originalFileName])
  if (record.captureDate) attrs.push(['cradle:CaptureDate', record.captureDate])
  attrs.push(['cradle:Favorite', record.favorite ? 'True' : 'False'], ['cradle:Hidden', record.hidden ? 'True' : 'False'])
  const children: XmlNode[] = []
  for (const [k, items] of bags) children.push(ws('\n   '), bag(`${BAGS[k].prefix}:${BAGS[k].local}`, items))
  if (record.albums.length > 0) children.push(ws('\n   '), bag('cradle:Albums', record.albums))
  if (children.length > 0) children.push(ws('\n  '))
  rdf.children.unshift(ws('\n  '), el('rdf:Description', attrs, children))
  return serializeXml(nodes)
}
