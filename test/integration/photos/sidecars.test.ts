/**
 * XMP sidecars beside library files (issue 15): written beside each imported photo and video under
 * the full name (a Live Photo's HEIC and MOV each get theirs), rewritten only when the phone's
 * metadata changed, edits by other tools kept, an unreadable one kept aside; and the library's own
 * checks (consistency, scrub, catalog rebuild) take sidecars for what they are.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { defaultSettings } from '../../../src/shared/settings.js'
import { uploadsSchema } from '../../../src/main/destinations/queue/uploads-schema.js'
import { historySchema } from '../../../src/main/engine/history.js'
import { CATALOG_FILE, Library } from '../../../src/main/library/library.js'
import { scrubLibrary } from '../../../src/main/library/scrub.js'
import type { PhotoMetadata } from '../../../src/main/photos/photo-metadata.js'
import { syncSidecars, type SidecarItem } from '../../../src/main/photos/sidecar-writer.js'
import { ABORT, fixture, listing, memorySource, sourceFile, tempLibrary, type TempLibrary } from '../library/helpers.js'

beforeAll(() => {
  process.env.TZ = 'UTC'
})

let t: TempLibrary | null = null
afterEach(() => {
  t?.cleanup()
  t = null
})

const meta = (over: Partial<PhotoMetadata> = {}): PhotoMetadata => ({
  uuid: '9F0A1C55-2B7E-4C3D-8E11-6D2F4A7B9C01',
  originalFileName: 'IMG_0001.HEIC',
  capturedAt: Date.UTC(2023, 6, 14, 9, 30, 0),
  offsetMinutes: 120,
  favorite: false,
  hidden: false,
  albums: ['Vacances d’été'],
  ...over,
})

/** Imports a Live Photo (HEIC + MOV) and a JPEG; returns their library paths. */
async function importSome(lib: Library): Promise<{ heic: string; mov: string; jpg: string }> {
  const files: Record<string, Buffer> = {
    '/DCIM/100APPLE/IMG_0001.HEIC': fixture('photo.heic'),
    '/DCIM/100APPLE/IMG_0001.MOV': fixture('live.mov'),
    '/DCIM/100APPLE/IMG_0002.JPG': fixture('photo.jpg'),
  }
  lib.beginConnection({ udid: 'A', name: 'A' })
  const plan = lib.planScan('A', listing(Object.entries(files).map(([p, b]) => sourceFile(p, b.length))), 1)
  const out: Record<string, string> = {}
  for (const f of plan.toImport) out[f.path.slice(-4)] = (await lib.importFile(f.id, memorySource(files[f.path]!), { signal: ABORT })).libraryPath!
  return { heic: out.HEIC!, mov: out['.MOV']!, jpg: out['.JPG']! }
}

const read = (root: string, rel: string): string => fs.readFileSync(path.join(root, ...rel.split('/')), 'utf8')
const xmpsIn = (dir: string): string[] => fs.readdirSync(dir).filter((n) => /\.xmp$/i.test(n)).sort()

describe('XMP sidecars in the library', () => {
  it('are written beside each imported file under its full name, and the library checks accept them', async () => {
    t = tempLibrary()
    const p = await importSome(t.lib)
    const items: SidecarItem[] = [
      { libraryPath: p.heic, meta: meta({ favorite: true }) },
      { libraryPath: p.mov, meta: meta({ favorite: true }) },
      { libraryPath: p.jpg, meta: meta({ uuid: 'OTHER', originalFileName: 'IMG_0002.JPG', albums: [] }) },
    ]
    const r = await syncSidecars(t.root, items)
    expect(r).toEqual({ written: 3, unchanged: 0, setAside: [], failed: [] })
    expect(xmpsIn(path.join(t.root, path.dirname(p.heic)))).toEqual(['IMG_0001.HEIC.xmp', 'IMG_0001.MOV.xmp'])
    const heic = read(t.root, `${p.heic}.xmp`)
    expect(heic).toContain('xmp:Rating="5"')
    expect(heic).toContain('<rdf:li>Vacances d’été</rdf:li>')
    expect(heic).toContain('<rdf:li>Albums|Vacances d’été</rdf:li>')
    expect(heic).toContain('exif:DateTimeOriginal="2023-07-14T11:30:00+02:00"')
    expect(heic).toContain('cradle:AssetUUID="9F0A1C55-2B7E-4C3D-8E11-6D2F4A7B9C01"')
    expect(heic).toContain('xmpMM:PreservedFileName="IMG_0001.HEIC"')

    // Not a stray file for the consistency check (cradle verify's library side), not touched by the scrub.
    expect(t.lib.checkConsistency({ deep: true })).toEqual([])
    const scrub = await scrubLibrary(t.lib.db, t.root, { now: Date.now })
    expect(scrub).toMatchObject({ checked: 3, ok: 3, corrupt: 0, missing: 0 })
    // A sidecar whose photo the catalog does not know is reported like any stray file.
    fs.writeFileSync(path.join(t.root, path.dirname(p.heic), 'IMG_9999.HEIC.xmp'), 'x')
    expect(t.lib.checkConsistency()).toEqual([{ kind: 'untracked-file', libraryPath: `${path.posix.dirname(p.heic)}/IMG_9999.HEIC.xmp` }])
  })

  it('are rewritten only when the favorite or the albums change, in place, never duplicated', async () => {
    t = tempLibrary()
    const p = await importSome(t.lib)
    const file = path.join(t.root, `${p.heic}.xmp`)
    await syncSidecars(t.root, [{ libraryPath: p.heic, meta: meta() }])
    const first = fs.statSync(file)
    expect(read(t.root, `${p.heic}.xmp`)).not.toContain('xmp:Rating')

    expect(await syncSidecars(t.root, [{ libraryPath: p.heic, meta: meta() }])).toMatchObject({ written: 0, unchanged: 1 })
    expect(fs.statSync(file).ino).toBe(first.ino) // not even replaced by identical bytes

    expect(await syncSidecars(t.root, [{ libraryPath: p.heic, meta: meta({ favorite: true, albums: ['Vacances d’été', 'Best of'] }) }])).toMatchObject({ written: 1 })
    const after = read(t.root, `${p.heic}.xmp`)
    expect(after).toContain('xmp:Rating="5"')
    expect(after).toContain('<rdf:li>Albums|Best of</rdf:li>')
    expect(xmpsIn(path.dirname(file))).toEqual(['IMG_0001.HEIC.xmp'])
    expect(fs.readdirSync(path.dirname(file)).filter((n) => n.startsWith('.'))).toEqual([]) // no temp file left

    await syncSidecars(t.root, [{ libraryPath: p.heic, meta: meta({ favorite: false, albums: ['Best of'] }) }])
    const third = read(t.root, `${p.heic}.xmp`)
    expect(third).not.toContain('xmp:Rating')
    expect(third).not.toContain('Vacances')
  })

  it('keep what another tool added, and keep an unreadable sidecar aside instead of overwriting it', async () => {
    t = tempLibrary()
    const p = await importSome(t.lib)
    await syncSidecars(t.root, [{ libraryPath: p.heic, meta: meta() }])
    const file = path.join(t.root, `${p.heic}.xmp`)
    // digiKam adds a keyword and a colour label of its own.
    fs.writeFileSync(file, read(t.root, `${p.heic}.xmp`)
      .replace('cradle:Hidden="False"', 'cradle:Hidden="False" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Label="Green"')
      .replace('<rdf:li>Vacances d’été</rdf:li>', '<rdf:li>Vacances d’été</rdf:li><rdf:li>Beach</rdf:li>'))
    await syncSidecars(t.root, [{ libraryPath: p.heic, meta: meta({ albums: ['Summer'] }) }])
    const merged = read(t.root, `${p.heic}.xmp`)
    expect(merged).toContain('xmp:Label="Green"')
    expect(merged).toContain('<rdf:li>Beach</rdf:li>')
    expect(merged).toContain('<rdf:li>Summer</rdf:li>')
    expect(merged).not.toContain('Vacances')

    const broken = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><!-- cut off'
    fs.writeFileSync(file, broken)
    const r = await syncSidecars(t.root, [{ libraryPath: p.heic, meta: meta() }], { now: () => Date.UTC(2025, 0, 1) })
    expect(r.written).toBe(1)
    expect(r.setAside).toEqual([`.cradle-damaged/2025-01-01T00-00-00-000Z/${p.heic}.xmp`])
    expect(read(t.root, r.setAside[0]!)).toBe(broken)
    expect(read(t.root, `${p.heic}.xmp`)).toContain('cradle:AssetUUID=')
  })

  it('a file missing from the library gets no sidecar, and the others are still written', async () => {
    t = tempLibrary()
    const p = await importSome(t.lib)
    const r = await syncSidecars(t.root, [{ libraryPath: '2023/2023-07/GONE.HEIC', meta: meta() }, { libraryPath: p.jpg, meta: meta() }])
    expect(r.written).toBe(1)
    expect(r.failed.map((f) => f.libraryPath)).toEqual(['2023/2023-07/GONE.HEIC'])
    expect(fs.existsSync(path.join(t.root, '2023/2023-07/GONE.HEIC.xmp'))).toBe(false)
  })

  it('a catalog rebuilt from the library adopts the photos, not their sidecars', async () => {
    t = tempLibrary({ extraModules: [uploadsSchema, historySchema] })
    const p = await importSome(t.lib)
    await syncSidecars(t.root, [p.heic, p.mov, p.jpg].map((libraryPath) => ({ libraryPath, meta: meta() })))
    const assetsBefore = t.lib.db.prepare('SELECT library_path FROM assets ORDER BY library_path').all()
    t.lib.close()
    // Garble the catalog past its header, as catalog-survives does.
    const catalog = path.join(t.dataDir, CATALOG_FILE)
    const fd = fs.openSync(catalog, 'r+')
    const size = fs.statSync(catalog).size
    fs.writeSync(fd, Buffer.alloc(Math.min(size - 4096, 4096 * 6), 0x5a), 0, Math.min(size - 4096, 4096 * 6), 4096)
    fs.closeSync(fd)
    const { library, rebuilt } = await Library.openChecked(t.dataDir, defaultSettings(t.root), { extraModules: [uploadsSchema, historySchema] })
    const lib = library
    t = { ...t, lib, cleanup: () => { lib.close(); fs.rmSync(t!.dir, { recursive: true, force: true }) } }
    expect(rebuilt).not.toBeNull()
    expect(rebuilt).toMatchObject({ files: 3, assets: 3 })
    expect(lib.db.prepare('SELECT library_path FROM assets ORDER BY library_path').all()).toEqual(assetsBefore)
    expect(lib.checkConsistency({ deep: true })).toEqual([])
  })
})
