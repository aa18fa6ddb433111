import { afterEach, describe, expect, it } from 'vitest'
import { MUTATIONS_ROOT, familyFolderSql } from '../../../src/main/library/naming.js'
import { folderSignature, photoCounts, trashedFile, type FolderScan } from '../../../src/main/library/scan-plan.js'
import type { SourceFile } from '../../../src/main/library/source.js'
import { tempLibrary, type TempLibrary } from '../../integration/library/helpers.js'
import { countStatements, preparedWhile, type StatementCounts } from '../../helpers/statement-counter.js'

let t: TempLibrary
afterEach(() => t?.cleanup())

/** A phone with `folders` × `perFolder` files: names, stats and each folder's own mtime. */
function phone(folders: number, perFolder: number): { folder: string; mtime: bigint; files: SourceFile[] }[] {
  return Array.from({ length: folders }, (_, f) => {
    const folder = `/DCIM/${100 + f}APPLE`
    const files = Array.from({ length: perFolder }, (_, i) => {
      const ns = BigInt(1_600_000_000 + f * 100_000 + i) * 1_000_000_000n
      return { path: `${folder}/IMG_${String(i + 1).padStart(4, '0')}.HEIC`, size: 1_000_000 + i, mtimeNs: ns, birthtimeNs: ns }
    })
    return { folder, mtime: BigInt(f), files }
  })
}

const sig = (p: { folder: string; mtime: bigint; files: SourceFile[] }): string => folderSignature(p.files.map((f) => f.path.slice(p.folder.length + 1)), p.mtime)
const full = (ps: ReturnType<typeof phone>): FolderScan[] => ps.map((p) => ({ folder: p.folder, signature: sig(p), files: p.files }))

describe('folder signatures (the fast no-op re-check)', () => {
  it('change when a file is added, removed or renamed, and when a name is deleted and reused', () => {
    const names = ['IMG_0001.HEIC', 'IMG_0002.HEIC']
    const base = folderSignature(names, 10n)
    expect(folderSignature([...names].reverse(), 10n)).toBe(base) // order of ReadDir does not matter
    expect(folderSignature([...names, 'IMG_0003.HEIC'], 10n)).not.toBe(base)
    expect(folderSignature(['IMG_0001.HEIC'], 10n)).not.toBe(base)
    expect(folderSignature(['IMG_0001.HEIC', 'IMG_E0002.HEIC'], 10n)).not.toBe(base)
    // Delete IMG_0002 and create a new IMG_0002: same names, but the folder's mtime moved.
    expect(folderSignature(names, 11n)).not.toBe(base)
    // Names cannot be confused by concatenation.
    expect(folderSignature(['ab', 'c'], 1n)).not.toBe(folderSignature(['a', 'bc'], 1n))
  })

  it('lets the engine skip unchanged folders entirely and still get exact counts and nothing to import', () => {
    t = tempLibrary()
    const c = t.lib.beginConnection({ udid: 'P', name: 'P' })
    const ps = phone(5, 1000)
    const first = t.lib.planScan('P', full(ps), c)
    expect(first).toMatchObject({ itemsOnPhone: 5000, itemsSafe: 0, newFiles: 5000 })
    t.lib.db.prepare("UPDATE device_files SET state = 'done'").run()

    // Re-check: only folder 2 gained a file.
    ps[2]!.files.push({ path: '/DCIM/102APPLE/IMG_1001.HEIC', size: 5, mtimeNs: 9n, birthtimeNs: 9n })
    ps[2]!.mtime += 1n
    const changed = t.lib.changedFolders('P', ps.map((p) => ({ folder: p.folder, signature: sig(p) })))
    expect(changed).toEqual(['/DCIM/102APPLE'])
    const scans: FolderScan[] = ps.map((p) => ({ folder: p.folder, signature: sig(p), ...(changed.includes(p.folder) ? { files: p.files } : {}) }))
    const plan = t.lib.planScan('P', scans, c + 1)
    expect(plan).toMatchObject({ itemsOnPhone: 5001, itemsSafe: 5000, newFiles: 1, toImport: [expect.objectContaining({ path: '/DCIM/102APPLE/IMG_1001.HEIC' })] })
    expect(t.lib.storedFiles('P', '/DCIM/100APPLE')).toHaveLength(1000)
    expect(t.lib.storedFiles('P', '/DCIM/100APPLE')[0]).toEqual(ps[0]!.files[0])
  })

  it('refuses an "unchanged" folder whose signature is not the stored one (the engine must list it)', () => {
    t = tempLibrary()
    const c = t.lib.beginConnection({ udid: 'P', name: 'P' })
    const ps = phone(1, 3)
    t.lib.planScan('P', full(ps), c)
    expect(() => t.lib.planScan('P', [{ folder: ps[0]!.folder, signature: 'other' }], c)).toThrow(expect.objectContaining({ code: 'invalid-input' }))
  })

  it('marks files of a vanished folder and of removed names as no longer on the phone', () => {
    t = tempLibrary()
    const c = t.lib.beginConnection({ udid: 'P', name: 'P' })
    const ps = phone(2, 3)
    t.lib.planScan('P', full(ps), c)
    ps[0]!.files.pop()
    const plan = t.lib.planScan('P', full([ps[0]!]), c)
    expect(plan.itemsOnPhone).toBe(2)
    expect(plan.toImport.map((f) => f.path)).toEqual(['/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/100APPLE/IMG_0002.HEIC'])
    expect(t.lib.changedFolders('P', [{ folder: '/DCIM/101APPLE', signature: sig(ps[1]!) }])).toEqual(['/DCIM/101APPLE'])
  })

  it('refuses a file listed under the wrong folder', () => {
    t = tempLibrary()
    const c = t.lib.beginConnection({ udid: 'P', name: 'P' })
    expect(() => t.lib.planScan('P', [{ folder: '/DCIM/100APPLE', signature: 's', files: [{ path: '/DCIM/101APPLE/IMG_0001.HEIC', size: 1, mtimeNs: 1n, birthtimeNs: 1n }] }], c))
      .toThrow(expect.objectContaining({ code: 'invalid-input' }))
  })

  it('keeps nanosecond birth times exactly (past 2^53)', () => {
    t = tempLibrary()
    const c = t.lib.beginConnection({ udid: 'P', name: 'P' })
    const ns = 1_700_000_000_123_456_789n
    const f = { path: '/DCIM/100APPLE/IMG_0001.HEIC', size: 1, mtimeNs: ns, birthtimeNs: ns + 1n }
    t.lib.planScan('P', [{ folder: '/DCIM/100APPLE', signature: 's', files: [f] }], c)
    expect(t.lib.storedFiles('P', '/DCIM/100APPLE')).toEqual([f])
    // One nanosecond later is another file (a reused name), not the old one.
    const g = { ...f, birthtimeNs: ns + 2n }
    expect(t.lib.planScan('P', [{ folder: '/DCIM/100APPLE', signature: 's2', files: [g] }], c).newFiles).toBe(1)
  })

  it('re-checks unchanged items with work that does not grow with them (50,000 vs 5,000; speed: bench/library.bench.ts)', () => {
    const recheck = (perFolder: number): StatementCounts => {
      t = tempLibrary()
      const c = t.lib.beginConnection({ udid: 'P', name: 'P' })
      const ps = phone(10, perFolder)
      t.lib.planScan('P', full(ps), c)
      t.lib.db.prepare("UPDATE device_files SET state = 'done'").run()
      const sigs = ps.map((p) => ({ folder: p.folder, signature: sig(p) }))
      const { value, counts } = countStatements(t.lib.db, () => ({ changed: t.lib.changedFolders('P', sigs), plan: t.lib.planScan('P', sigs, c + 1) }))
      expect(value.changed).toEqual([])
      expect(value.plan).toMatchObject({ itemsOnPhone: 10 * perFolder, itemsSafe: 10 * perFolder, toImport: [] })
      t.cleanup()
      t = undefined as unknown as TempLibrary
      return counts
    }
    const small = recheck(500)
    const large = recheck(5000)
    console.log(`no-op re-check: ${JSON.stringify(small)} for 5,000 items, ${JSON.stringify(large)} for 50,000`)
    // Per-folder work only: the same statements and the same rows reach JavaScript at ten times
    // the items. A per-file query or a per-file row read would multiply these.
    expect(large).toEqual(small)
    expect(large.rows).toBeLessThan(1000)
  })

})

describe('photo counts (as the Photos app counts: photos and videos, not files)', () => {
  it('counts a Live Photo (HEIC + MOV) and an edited photo (original, render, AAE) as one each, safe only when all their files are', () => {
    t = tempLibrary()
    const c = t.lib.beginConnection({ udid: 'P', name: 'P' })
    const names = ['IMG_0001.HEIC', 'IMG_0001.MOV', 'IMG_0002.JPG', 'IMG_E0002.JPG', 'IMG_0002.AAE', 'IMG_0003.MOV']
    const files = names.map((n, i) => ({ path: `/DCIM/100APPLE/${n}`, size: 10 + i, mtimeNs: BigInt(i + 1), birthtimeNs: BigInt(i + 1) }))
    const plan = t.lib.planScan('P', [{ folder: '/DCIM/100APPLE', signature: folderSignature(names, 1n), files }], c)
    expect(plan).toMatchObject({ itemsOnPhone: 6, photos: { onPhone: 3, safe: 0, inICloudOnly: 0, unreadable: 0, inRecentlyDeleted: 0 } })
    // The Live Photo's still is in, its video not yet: the photo is not safe; the video alone is.
    t.lib.db.prepare("UPDATE device_files SET state = 'done' WHERE file_name IN ('IMG_0001.HEIC', 'IMG_0003.MOV')").run()
    t.lib.db.prepare("UPDATE device_files SET state = 'not-on-phone' WHERE file_name = 'IMG_E0002.JPG'").run()
    expect(t.lib.deviceCounts('P')).toMatchObject({ itemsSafe: 2, photos: { onPhone: 3, safe: 1, inICloudOnly: 1 } })
    t.lib.db.prepare("UPDATE device_files SET state = 'done'").run()
    expect(t.lib.deviceCounts('P').photos).toMatchObject({ onPhone: 3, safe: 3, inICloudOnly: 0 })
  })

  /** The counts by definition: every family of the phone read file by file (what photoCounts must equal). */
  const byDefinition = (udid: string): unknown => t.lib.db.prepare(`
    SELECT COALESCE(SUM(NOT thrown), 0) AS onPhone, COALESCE(SUM(safe AND NOT thrown), 0) AS safe,
      COALESCE(SUM(icloud AND NOT thrown), 0) AS inICloudOnly, COALESCE(SUM(refused AND NOT thrown), 0) AS unreadable,
      COALESCE(SUM(thrown), 0) AS inRecentlyDeleted
    FROM (
      SELECT MIN(d.state IN ('done','duplicate') AND (a.id IS NULL OR a.damage IS NULL)) AS safe,
        MAX(d.state = 'not-on-phone') AS icloud, MAX(d.state = 'failed' AND d.error_code = 'file-unreadable') AS refused,
        MIN(d.state NOT IN ('done','duplicate') AND ${trashedFile('d')}) AS thrown
      FROM device_files d LEFT JOIN assets a ON a.id = d.asset_id
      WHERE d.udid = ? AND d.present = 1 GROUP BY ${familyFolderSql('d.folder')}, d.base_stem
    )`).get(udid)

  it('agree with the file-by-file definition whatever the mix of states, damaged copies, Recently Deleted and files gone', () => {
    t = tempLibrary()
    const db = t.lib.db
    let seed = 7
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return (seed >>> 16) % n
    }
    const kinds = [['HEIC'], ['HEIC', 'MOV'], ['JPG', 'E.JPG', 'AAE'], ['MOV']]
    for (const udid of ['P', 'Q']) {
      const c = t.lib.beginConnection({ udid, name: udid })
      const files: SourceFile[] = []
      for (let i = 0; i < 400; i++) {
        for (const ext of kinds[random(kinds.length)]!) {
          const name = ext === 'E.JPG' ? `IMG_E${1000 + i}.JPG` : `IMG_${1000 + i}.${ext}`
          files.push({ path: `/DCIM/10${i % 3}APPLE/${name}`, size: 10 + i, mtimeNs: BigInt(i + 1), birthtimeNs: BigInt(i + 1) })
        }
        // An edit kept under /PhotoData/Mutations belongs to its original's family.
        if (random(5) === 0) files.push({ path: `${MUTATIONS_ROOT}/DCIM/10${i % 3}APPLE/IMG_E${1000 + i}.JPG`, size: 10 + i, mtimeNs: BigInt(i + 1), birthtimeNs: BigInt(i + 1) })
      }
      const folders = [...new Set(files.map((f) => f.path.slice(0, f.path.lastIndexOf('/'))))]
      t.lib.planScan(udid, folders.map((folder) => ({ folder, signature: `${udid}${folder}`, files: files.filter((f) => f.path.startsWith(`${folder}/`)) })), c)
    }
    const states = ['pending', 'importing', 'done', 'done', 'done', 'duplicate', 'not-on-phone', 'failed']
    const addAsset = db.prepare(`INSERT INTO assets (sha256, sha1, size, library_path, file_name, mime, group_id, role, imported_at, damage)
      VALUES (?, '', 1, ?, 'f', 'image/heic', 1, 'original', 0, ?)`)
    db.prepare("INSERT INTO groups (id, source_udid, source_folder, source_stem, library_folder, stem, created_at) VALUES (1, 'P', '/DCIM', 'x', 'L', 'x', 0)").run()
    const setState = db.prepare('UPDATE device_files SET state = ?, error_code = ?, asset_id = ?, present = ? WHERE id = ?')
    const trash = db.prepare(`INSERT INTO photo_assets (udid, uuid, original_file_name, kind, trashed, present, updated_at) VALUES (?, ?, 'f', 'photo', 1, ?, 0)`)
    const link = db.prepare("INSERT INTO photo_files (udid, path, uuid, role) VALUES (?, ?, ?, 'original')")
    // Recently Deleted is decided per photo (family): all its files are in the phone's asset.
    const trashed = new Map<string, boolean>()
    for (const row of db.prepare<[], { id: number; udid: string; path: string; family: string }>("SELECT id, udid, path, udid || folder || base_stem AS family FROM device_files").all()) {
      const state = states[random(states.length)]!
      const error = state === 'failed' ? (random(2) ? 'file-unreadable' : 'disk-full') : null
      const asset = state === 'done' || state === 'duplicate' ? Number(addAsset.run(`h${row.id}`, `p${row.id}`, random(6) === 0 ? 'corrupt' : null).lastInsertRowid) : null
      setState.run(state, error, asset, random(20) === 0 ? 0 : 1, row.id)
      if (!trashed.has(row.family)) {
        trashed.set(row.family, random(4) === 0)
        trash.run(row.udid, row.family, random(4) ? 1 : 0)
      }
      if (trashed.get(row.family)) link.run(row.udid, row.path, row.family)
    }
    for (const udid of ['P', 'Q']) {
      const counts = photoCounts(db, udid)
      expect(counts).toEqual(byDefinition(udid))
      // The mix reaches every branch.
      for (const n of Object.values(counts)) expect(n).toBeGreaterThan(0)
    }
    db.prepare("UPDATE assets SET damage = NULL").run()
    expect(photoCounts(db, 'P')).toEqual(byDefinition('P'))
    db.prepare("UPDATE device_files SET state = 'done'").run()
    expect(photoCounts(db, 'P')).toEqual(byDefinition('P'))
  })

  it('count the families from an index and read the files of the not-safe ones only, never every file of the phone', () => {
    t = tempLibrary()
    const db = t.lib.db
    db.prepare("INSERT INTO groups (id, source_udid, source_folder, source_stem, library_folder, stem, created_at) VALUES (1, 'P', '/DCIM', 'x', 'L', 'x', 0)").run()
    db.prepare("INSERT INTO assets (sha256, sha1, size, library_path, file_name, mime, group_id, role, imported_at, damage) VALUES ('h', '', 1, 'p', 'f', 'x', 1, 'original', 0, 'corrupt')").run()
    const plans = preparedWhile(db, () => photoCounts(db, 'P'))
      .filter((sql) => sql.includes('device_files'))
      .map((sql) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(sql.includes('@udid') ? { udid: 'P' } : ['P']) as { detail: string }[]).map((r) => r.detail))
    const details = plans.flat().filter((d) => /\b(device_files|d)\b/.test(d) && !/pf|pa\b/.test(d))
    // Counting the families: the covering (udid, present, family_id) index, no row read.
    expect(details).toContainEqual(expect.stringMatching(/COVERING INDEX device_files_present_family \(udid=\? AND present=\?\)/))
    // Files are read only for a given family, or by a not-safe state, or by a damaged asset.
    for (const d of details.filter((x) => !x.includes('COVERING INDEX device_files_present_family'))) {
      expect(d).toMatch(/device_files_present_family \(udid=\? AND present=\? AND family_id=\?\)|device_files_state \(udid=\? AND present=\? AND state=\?\)|device_files_asset \(asset_id=\?\)/)
    }
  })
})
