import { describe, expect, it } from 'vitest'
import type { PhotoMetadata } from '../../../src/main/photos/photo-metadata.js'
import { isSidecarName, renderXmp, renderXmpUpdate, sidecarNameFor, xmpDate } from '../../../src/main/photos/xmp-sidecar.js'
import { parseXml, XmlError } from '../../../src/main/photos/xml-tree.js'

const base: PhotoMetadata = {
  uuid: 'B84E8479-475C-4727-A4A4-B77AA9980897',
  originalFileName: 'IMG_0003.HEIC',
  capturedAt: Date.UTC(2024, 4, 1, 10, 34, 56),
  offsetMinutes: 120,
  favorite: true,
  hidden: false,
  albums: ['Trip', 'Family'],
}

const FRESH = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Cradle">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:lr="http://ns.adobe.com/lightroom/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" xmlns:cradle="http://ns.cradle.invalid/xmp/1.0/" xmp:Rating="5" exif:DateTimeOriginal="2024-05-01T12:34:56+02:00" photoshop:DateCreated="2024-05-01T12:34:56+02:00" xmpMM:PreservedFileName="IMG_0003.HEIC" cradle:AssetUUID="B84E8479-475C-4727-A4A4-B77AA9980897" cradle:OriginalFileName="IMG_0003.HEIC" cradle:CaptureDate="2024-05-01T12:34:56+02:00" cradle:Favorite="True" cradle:Hidden="False">
   <dc:subject>
    <rdf:Bag>
     <rdf:li>Family</rdf:li>
     <rdf:li>Trip</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <lr:hierarchicalSubject>
    <rdf:Bag>
     <rdf:li>Albums|Family</rdf:li>
     <rdf:li>Albums|Trip</rdf:li>
    </rdf:Bag>
   </lr:hierarchicalSubject>
   <cradle:Albums>
    <rdf:Bag>
     <rdf:li>Family</rdf:li>
     <rdf:li>Trip</rdf:li>
    </rdf:Bag>
   </cradle:Albums>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
`

/** What a sidecar says, read back independently of the writer's own structures. */
function fields(xmp: string): { attrs: Record<string, string>; bags: Record<string, string[]> } {
  const attrs: Record<string, string> = {}
  const bags: Record<string, string[]> = {}
  const walk = (nodes: ReturnType<typeof parseXml>): void => {
    for (const n of nodes) {
      if (n.type !== 'element') continue
      if (n.name.endsWith(':Description')) {
        for (const a of n.attrs) if (!a.name.startsWith('xmlns')) attrs[a.name] = a.value
        for (const c of n.children) {
          if (c.type !== 'element') continue
          const bag = c.children.find((x) => x.type === 'element')
          if (bag?.type === 'element') bags[c.name] = bag.children.flatMap((li) => (li.type === 'element' ? [li.children.map((t) => (t.type === 'text' ? t.text : '')).join('')] : []))
          else attrs[c.name] = c.children.map((t) => (t.type === 'text' ? t.text : '')).join('')
        }
      }
      walk(n.children)
    }
  }
  walk(parseXml(xmp))
  return { attrs, bags }
}

describe('XMP sidecar codec', () => {
  it('renders a fresh packet (test vector)', () => {
    expect(renderXmp(base)).toBe(FRESH)
  })

  it('names sidecars after the full file name, so a Live Photo HEIC and MOV do not collide', () => {
    expect(sidecarNameFor('IMG_0003.HEIC')).toBe('IMG_0003.HEIC.xmp')
    expect(sidecarNameFor('IMG_0003.MOV')).toBe('IMG_0003.MOV.xmp')
    expect(isSidecarName('IMG_0003.HEIC.xmp')).toBe(true)
    expect(isSidecarName('IMG_0003.HEIC.XMP')).toBe(true)
    expect(isSidecarName('IMG_0003.xmp')).toBe(false)
    expect(isSidecarName('IMG_0003.HEIC')).toBe(false)
  })

  it('formats capture dates with the offset, or Z when it is unknown', () => {
    expect(xmpDate(Date.UTC(2024, 0, 2, 3, 4, 5), 120)).toBe('2024-01-02T05:04:05+02:00')
    expect(xmpDate(Date.UTC(2024, 0, 2, 3, 4, 5, 250), -420)).toBe('2024-01-01T20:04:05.250-07:00')
    expect(xmpDate(Date.UTC(2024, 0, 2, 3, 4, 5), 330)).toBe('2024-01-02T08:34:05+05:30')
    expect(xmpDate(Date.UTC(2024, 0, 2, 3, 4, 5), null)).toBe('2024-01-02T03:04:05Z')
  })

  it('leaves the rating and dates out when not favorite and undated; hidden becomes a keyword', () => {
    const f = fields(renderXmp({ ...base, favorite: false, capturedAt: null, hidden: true, albums: [] }))
    expect(f.attrs['xmp:Rating']).toBeUndefined()
    expect(f.attrs['exif:DateTimeOriginal']).toBeUndefined()
    expect(f.attrs['cradle:Hidden']).toBe('True')
    expect(f.bags['dc:subject']).toEqual(['Hidden'])
    expect(f.bags['lr:hierarchicalSubject']).toEqual(['Cradle|Hidden'])
  })

  it('escapes &, <, quotes; keeps emoji; writes titles in NFC; drops characters XML cannot carry', () => {
    const nfd = 'Fe\u0302te 🎉'
    const xmp = renderXmp({ ...base, originalFileName: 'a"b&c.HEIC', albums: ['Tom & Jerry <3>', nfd, 'A|B', 'bell\u0007'] })
    expect(xmp).toContain('Tom &amp; Jerry &lt;3&gt;')
    expect(xmp).toContain('xmpMM:PreservedFileName="a&quot;b&amp;c.HEIC"')
    expect(xmp).not.toContain('\u0007')
    const f = fields(xmp)
    expect(f.bags['dc:subject']).toEqual(['A|B', 'F\u00eate 🎉', 'Tom & Jerry <3>', 'bell'])
    expect(f.bags['lr:hierarchicalSubject']).toContain('Albums|A/B')
    expect(f.bags['lr:hierarchicalSubject']).toContain('Albums|F\u00eate 🎉')
    expect(f.attrs['xmpMM:PreservedFileName']).toBe('a"b&c.HEIC')
  })

  it('is stable: rendering again over its own output changes nothing', () => {
    const once = renderXmp(base)
    expect(renderXmp(base, once)).toBe(once)
  })

  it('replaces its own fields when the phone changes (album removed, no longer favorite)', () => {
    const before = renderXmp(base)
    const after = renderXmp({ ...base, favorite: false, albums: ['Family'] }, before)
    expect(after).toBe(renderXmp({ ...base, favorite: false, albums: ['Family'] }))
    const f = fields(after)
    expect(f.attrs['xmp:Rating']).toBeUndefined()
    expect(f.bags['dc:subject']).toEqual(['Family'])
  })

  const darktable = `<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:darktable="http://darktable.sf.net/"
    xmp:Rating="3"
    darktable:xmp_version="5"
    darktable:history_end="1">
   <dc:subject>
    <rdf:Seq>
     <rdf:li>Sunset</rdf:li>
    </rdf:Seq>
   </dc:subject>
   <darktable:history>
    <rdf:Seq>
     <rdf:li darktable:operation="exposure" darktable:enabled="1"/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
`

  it('keeps what another tool wrote: its rating, keywords, namespaces and history', () => {
    const out = renderXmp(base, darktable)
    const f = fields(out)
    expect(f.attrs['xmp:Rating']).toBe('3') // the user's rating, not Cradle's 5
    expect(f.attrs['darktable:xmp_version']).toBe('5')
    expect(out).toContain('<rdf:li darktable:operation="exposure" darktable:enabled="1"/>')
    expect(f.bags['dc:subject']).toEqual(['Sunset', 'Family', 'Trip'])
    expect(f.bags['lr:hierarchicalSubject']).toEqual(['Albums|Family', 'Albums|Trip'])
    expect(f.attrs['cradle:AssetUUID']).toBe(base.uuid)
    // One rating and one dc:subject only: a property twice is not XMP.
    expect(out.match(/xmp:Rating=/g)).toHaveLength(1)
    expect(out.match(/<dc:subject>/g)).toHaveLength(1)
    expect(renderXmp(base, out)).toBe(out)
    // The album leaves on the phone: Cradle's keyword goes, the user's stays.
    const f2 = fields(renderXmp({ ...base, albums: ['Family'] }, out))
    expect(f2.bags['dc:subject']).toEqual(['Sunset', 'Family'])
    expect(f2.attrs['darktable:history_end']).toBe('1')
  })

  it('a rating the user changed after Cradle wrote 5 stays the user’s; the favorite ending does not remove it', () => {
    const mine = renderXmp(base).replace('xmp:Rating="5"', 'xmp:Rating="2"')
    expect(fields(renderXmp({ ...base, favorite: false }, mine)).attrs['xmp:Rating']).toBe('2')
    expect(fields(renderXmp(base, mine)).attrs['xmp:Rating']).toBe('2')
  })

  it('recognises fields by namespace, not by prefix', () => {
    const other = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xap="http://ns.adobe.com/xap/1.0/" xap:Rating="1" xap:Label="Red"/>
</rdf:RDF></x:xmpmeta>`
    const out = renderXmp(base, other)
    expect(out.match(/Rating=/g)).toHaveLength(1)
    expect(fields(out).attrs['xmp:Rating']).toBe('1')
    expect(fields(out).attrs['xap:Label']).toBe('Red')
  })

  it('does not edit a packet it cannot read with certainty, and says so', () => {
    for (const bad of ['<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>', 'not xml at all', '<!DOCTYPE x [<!ENTITY a "b">]><x/>', '<root>&nope;</root>', '<html><body/></html>']) {
      const r = renderXmpUpdate(base, bad)
      expect(r.unreadable, bad).toBe(true)
      expect(r.text).toBe(FRESH)
    }
    expect(renderXmpUpdate(base, FRESH).unreadable).toBe(false)
  })

  it('the XML reader refuses unclosed and mismatched tags', () => {
    expect(() => parseXml('<a><b></a>')).toThrow(XmlError)
    expect(() => parseXml('<a x="1"x="2"/>')).toThrow(XmlError)
    expect(() => parseXml('<a/><b/>')).toThrow(XmlError)
  })
})
