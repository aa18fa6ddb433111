/**
 * What a backup should have produced, from the simulator's side: every camera-roll file served as
 * /DCIM (hashed from the host folder the simulator reads), with the capture time and offset the
 * roll generator stamped into it. `verifyLibrary` compares that with the catalog and the library
 * folder and returns readable problems (an empty list = the library is right).
 */
import fs from 'node:fs'
import path from 'node:path'
import type { CameraRollManifest } from '../../src/sim/roll/generator.js'
import type { Library } from '../../src/main/library/library.js'
import { sha256FileSync } from '../../src/main/library/file-hash.js'
import { STAGING_DIR } from '../../src/main/library/staging.js'
import { photoPathOfSidecar } from '../../src/main/library/sidecar-name.js'
import { listFiles, openLibrary, type EngineTestRig } from './engine.js'

export interface ExpectedFile {
  /** As the phone lists it: '/DCIM/100APPLE/IMG_0001.HEIC'. */
  devicePath: string
  hostPath: string
  size: number
  sha256: string
  /** Capture instant (UTC ISO) and offset, when the generator stamped one. */
  captureUtc: string | null
  offsetMinutes: number | null
  /** Files of one camera-roll item (Live pair, edit + sidecar) share this key: folder + base stem. */
  itemKey: string
}

const DCF = /^([A-Za-z][A-Za-z0-9]{2}_)[EeOo]?(\d{4})(?:\.[^.]*)?$/

/** IMG_E1234.HEIC, IMG_1234.MOV, IMG_1234.AAE → 'IMG_1234'; any other name → itself without extension. */
export function baseStemOf(name: string): string {
  const m = DCF.exec(name.normalize('NFC'))
  if (m) return `${m[1]}${m[2]}`
  const dot = name.lastIndexOf('.')
  return (dot > 0 ? name.slice(0, dot) : name).normalize('NFC')
}

/**
 * Everything a phone serves under /DCIM (what the engine should back up: dot-folders skipped),
 * with capture facts from the generator manifests. `manifests` map a manifest's paths onto
 * DCIM-relative paths (e.g. a second roll moved to another folder).
 */
export function expectedFromDcim(dcimDir: string, manifests: { manifest: CameraRollManifest; rename?: (p: string) => string }[]): ExpectedFile[] {
  const facts = new Map<string, { captureUtc: string; offsetMinutes: number }>()
  for (const { manifest, rename } of manifests) {
    for (const f of manifest.files) facts.set((rename ?? ((p) => p))(f.path), { captureUtc: f.captureUtc, offsetMinutes: f.offsetMinutes })
  }
  return listFiles(dcimDir).map((rel) => {
    const hostPath = path.join(dcimDir, ...rel.split('/'))
    const fact = facts.get(rel)
    const folder = rel.slice(0, rel.lastIndexOf('/'))
    return {
      devicePath: `/DCIM/${rel}`,
      hostPath,
      size: fs.statSync(hostPath).size,
      sha256: sha256FileSync(hostPath),
      captureUtc: fact?.captureUtc ?? null,
      offsetMinutes: fact?.offsetMinutes ?? null,
      itemKey: `${folder}/${baseStemOf(rel.slice(rel.lastIndexOf('/') + 1))}`,
    }
  })
}

/** '{YYYY}/{YYYY}-{MM}' for the photographer's wall clock at capture. */
export function expectedFolder(captureUtc: string, offsetMinutes: number): string {
  const wall = new Date(Date.parse(captureUtc) + offsetMinutes * 60_000)
  const y = String(wall.getUTCFullYear())
  const m = String(wall.getUTCMonth() + 1).padStart(2, '0')
  return `${y}/${y}-${m}`
}

/** 'IMG_E1234-1.HEIC' → 'IMG_1234-1' (the group's stem with its suffix), else the name without extension. */
function familyOf(libraryName: string): string {
  const m = /^([A-Za-z][A-Za-z0-9]{2}_)[EO]?(\d{4})(-\d+)?(?:_\d+)?(?:\.[^.]*)?$/.exec(libraryName)
  if (m) return `${m[1]}${m[2]}${m[3] ?? ''}`
  const dot = libraryName.lastIndexOf('.')
  return dot > 0 ? libraryName.slice(0, dot) : libraryName
}

interface FileRow { state: string; asset_id: number | null; group_id: number | null; staged_bytes: number }
interface AssetRow { id: number; sha256: string; library_path: string; group_id: number }

export interface VerifyOptions {
  udid: string
  /** Device paths the phone could not give (iCloud-only): they must be 'not-on-phone', not failed. */
  unreadable?: ReadonlySet<string>
  /** Skip the capture-date folder check for these device paths (e.g. a zero-byte file has no date). */
  undated?: (f: ExpectedFile) => boolean
}

/**
 * Compares the library (catalog + folder) with what the phone holds. Checks: each readable file is
 * catalogued as safe and its library file has the phone's bytes (SHA-256 of the file on disk);
 * it sits in its capture month's folder; the files of one item share group, folder and stem;
 * unreadable ones are 'not-on-phone'; no library file is outside the catalog, no content is there
 * twice, nothing is left in staging; and the library's own consistency check finds nothing.
 */
export function verifyLibrary(lib: Library, expected: readonly ExpectedFile[], o: VerifyOptions): string[] {
  const problems: string[] = []
  const fileRow = lib.db.prepare<[string, string], FileRow>('SELECT state, asset_id, group_id, staged_bytes FROM device_files WHERE udid = ? AND path = ? AND present = 1')
  const assetRow = lib.db.prepare<[number], AssetRow>('SELECT id, sha256, library_path, group_id FROM assets WHERE id = ?')
  const diskHash = new Map<string, string>()
  const hashOf = (rel: string): string | null => {
    if (!diskHash.has(rel)) {
      const abs = path.join(lib.root, ...rel.split('/'))
      diskHash.set(rel, fs.existsSync(abs) ? sha256FileSync(abs) : '')
    }
    return diskHash.get(rel) || null
  }
  const items = new Map<string, { devicePath: string; asset: AssetRow }[]>()
  for (const f of expected) {
    const rows = lib.db.prepare<[string, string], FileRow>('SELECT state, asset_id, group_id, staged_bytes FROM device_files WHERE udid = ? AND path = ? AND present = 1').all(o.udid, f.devicePath)
    if (rows.length !== 1) problems.push(`${f.devicePath}: ${rows.length} present catalog rows (expected 1)`)
    const row = fileRow.get(o.udid, f.devicePath)
    if (!row) continue
    if (o.unreadable?.has(f.devicePath)) {
      if (row.state !== 'not-on-phone') problems.push(`${f.devicePath}: unreadable on the phone but state ${row.state}`)
      continue
    }
    if (row.state !== 'done' && row.state !== 'duplicate') {
      problems.push(`${f.devicePath}: state ${row.state}`)
      continue
    }
    const asset = row.asset_id === null ? undefined : assetRow.get(row.asset_id)
    if (!asset) {
      problems.push(`${f.devicePath}: safe but no asset row`)
      continue
    }
    if (asset.sha256 !== f.sha256) problems.push(`${f.devicePath}: catalog hash differs from the phone's bytes`)
    const onDisk = hashOf(asset.library_path)
    if (onDisk === null) problems.push(`${f.devicePath}: library file ${asset.library_path} missing`)
    else if (onDisk !== f.sha256) problems.push(`${f.devicePath}: library file ${asset.library_path} differs from the phone's bytes`)
    if (f.captureUtc !== null && f.offsetMinutes !== null && f.size > 0 && !(o.undated?.(f) ?? false)) {
      const want = expectedFolder(f.captureUtc, f.offsetMinutes)
      if (path.posix.dirname(asset.library_path) !== want) problems.push(`${f.devicePath}: in ${path.posix.dirname(asset.library_path)}, expected ${want} (captured ${f.captureUtc} ${f.offsetMinutes} min)`)
    }
    const list = items.get(f.itemKey) ?? []
    list.push({ devicePath: f.devicePath, asset })
    items.set(f.itemKey, list)
  }
  for (const [key, members] of items) {
    if (members.length < 2) continue
    const groups = new Set(members.map((m) => m.asset.group_id))
    const folders = new Set(members.map((m) => path.posix.dirname(m.asset.library_path)))
    const stems = new Set(members.map((m) => familyOf(path.posix.basename(m.asset.library_path))))
    if (groups.size !== 1 || folders.size !== 1 || stems.size !== 1) {
      problems.push(`${key}: group split: ${members.map((m) => `${m.devicePath} → ${m.asset.library_path} (group ${m.asset.group_id})`).join(', ')}`)
    }
  }
  // The folder holds exactly the catalogued assets, each content once.
  const assets = lib.db.prepare<[], AssetRow>('SELECT id, sha256, library_path, group_id FROM assets').all()
  const catalogued = new Set(assets.map((a) => a.library_path))
  // XMP sidecars of catalogued files are Cradle's own (photos/sidecar-writer.ts), not strays.
  const files = listFiles(lib.root).filter((rel) => {
    const photo = photoPathOfSidecar(rel)
    return photo === null || !catalogued.has(photo)
  })
  for (const rel of files) if (!catalogued.has(rel)) problems.push(`${rel}: in the library folder but not in the catalog`)
  const byContent = new Map<string, string>()
  for (const rel of files) {
    const h = hashOf(rel)
    if (!h) continue
    const other = byContent.get(h)
    if (other) problems.push(`${rel}: same content as ${other}`)
    else byContent.set(h, rel)
  }
  const staging = path.join(lib.root, STAGING_DIR)
  if (fs.existsSync(staging) && fs.readdirSync(staging).length > 0) problems.push(`staging not empty: ${fs.readdirSync(staging).join(', ')}`)
  for (const p of lib.checkConsistency({ deep: true })) problems.push(`consistency: ${JSON.stringify(p)}`)
  return problems
}

/**
 * Checks a library folder at an arbitrary moment (mid-backup, after a kill): every file under a
 * final name is complete, i.e. has the bytes of some phone file. A file may not be catalogued yet
 * (placed, commit pending) — that is allowed; a partial or foreign file is not. Hashes are cached
 * by path and size, since a placed file never changes.
 */
export class PartialFileWatch {
  private readonly known = new Map<string, string>()
  private readonly want: Set<string>

  constructor(
    private readonly root: string,
    expected: readonly ExpectedFile[],
  ) {
    this.want = new Set(expected.map((f) => f.sha256))
  }

  /** Problems found now (an empty list = nothing partial under a final name). */
  check(): string[] {
    const problems: string[] = []
    for (const rel of listFiles(this.root)) {
      const abs = path.join(this.root, ...rel.split('/'))
      let size: number
      try {
        size = fs.statSync(abs).size
      } catch {
        continue // removed between the listing and the stat (a rolled-back placement)
      }
      const key = `${rel}\0${size}`
      let h = this.known.get(key)
      if (h === undefined) {
        h = sha256FileSync(abs)
        this.known.set(key, h)
      }
      if (!this.want.has(h)) problems.push(`${rel}: ${size} bytes that are no file of the phone (partial?)`)
    }
    return problems
  }
}

/** Stops the test's engine, then checks its library against the roll: what every engine test ends with. */
export async function stopAndVerifyLibrary(rig: EngineTestRig, expected: readonly ExpectedFile[], o: VerifyOptions): Promise<string[]> {
  await rig.engine?.stop()
  rig.engine = undefined
  const lib = openLibrary(rig.dirs!)
  try {
    return verifyLibrary(lib, expected, o)
  } finally {
    lib.close()
  }
}
