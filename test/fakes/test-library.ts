/**
 * A temp library + catalog for destination tests: real SQLite (openCatalogDb with the library's
 * schema module and ours) and real files under a temp library root. Assets are added the way the
 * import pipeline leaves them: file in place, row with hashes.
 */
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openCatalogDb, type Db } from '../../src/main/library/catalog-db.js'
import { librarySchema } from '../../src/main/library/schema.js'
import { uploadsSchema } from '../../src/main/destinations/queue/uploads-schema.js'
import type { SecretStore } from '../../src/main/engine/ports.js'
import { UploadManager, type UploadManagerDeps } from '../../src/main/destinations/upload-manager.js'
import type { AssetRole } from '../../src/main/destinations/destination.js'

export interface TestAsset {
  id: number
  groupId: number
  libraryPath: string
  content: Buffer
  sha256: string
  sha1: string
  role: AssetRole
  mime: string
}

export interface TestLibrary {
  dir: string
  root: string
  dataDir: string
  db: Db
  assets: TestAsset[]
  addGroup(): number
  addAsset(options: { libraryPath: string; content?: Buffer; size?: number; role?: AssetRole; groupId?: number; mime?: string; capturedAt?: number | null; offset?: number | null }): TestAsset
  cleanup(): void
}

const MIME: Record<string, string> = { '.heic': 'image/heic', '.jpg': 'image/jpeg', '.mov': 'video/quicktime', '.mp4': 'video/mp4', '.aae': 'application/xml', '.png': 'image/png' }

export function makeTestLibrary(): TestLibrary {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-dest-'))
  const root = path.join(dir, 'library')
  const dataDir = path.join(dir, 'data')
  fs.mkdirSync(root, { recursive: true })
  const db = openCatalogDb(path.join(dataDir, 'catalog.sqlite'), [librarySchema, uploadsSchema])
  const assets: TestAsset[] = []
  let groups = 0
  const addGroup = (): number => {
    groups++
    const r = db.prepare(`INSERT INTO groups (source_udid, source_folder, source_stem, library_folder, stem, created_at)
      VALUES ('test', '/DCIM/100APPLE', ?, '2026/2026-11', ?, 0)`).run(`IMG_${groups}`, `IMG_${groups}`)
    return Number(r.lastInsertRowid)
  }
  return {
    dir, root, dataDir, db, assets, addGroup,
    addAsset(o) {
      const content = o.content ?? randomBytes(o.size ?? 1000)
      const file = path.join(root, ...o.libraryPath.split('/'))
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, content)
      const sha256 = createHash('sha256').update(content).digest('hex')
      const sha1 = createHash('sha1').update(content).digest('hex')
      const role = o.role ?? 'original'
      const mime = o.mime ?? MIME[path.extname(o.libraryPath).toLowerCase()] ?? 'application/octet-stream'
      const groupId = o.groupId ?? addGroup()
      const r = db.prepare(`INSERT INTO assets (sha256, sha1, size, library_path, file_name, mime, captured_at, capture_offset_minutes, group_id, role, imported_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(sha256, sha1, content.length, o.libraryPath, path.basename(o.libraryPath), mime,
        o.capturedAt === undefined ? Date.UTC(2026, 10, 1, 9, 30) : o.capturedAt, o.offset === undefined ? 60 : o.offset, groupId, role, Date.UTC(2026, 10, 25))
      const asset = { id: Number(r.lastInsertRowid), groupId, libraryPath: o.libraryPath, content, sha256, sha1, role, mime }
      assets.push(asset)
      return asset
    },
    cleanup() {
      db.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A memory SecretStore. */
export function memorySecrets(): SecretStore & { values: Map<string, string> } {
  const values = new Map<string, string>()
  return {
    values,
    get: async (k) => values.get(k),
    set: async (k, v) => void values.set(k, v),
    delete: async (k) => void values.delete(k),
  }
}

export const sha256Of = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/**
 * An UploadManager over a test library, tuned for tests: a 2 s stall timeout and 50–500 ms
 * backoff, no power or bandwidth limits, secrets in memory. `over` adds or replaces deps (its
 * `tuning` is merged over these).
 */
export function quickUploadManager(lib: TestLibrary, over: Partial<UploadManagerDeps> = {}): UploadManager {
  return new UploadManager({
    db: lib.db, libraryRoot: lib.root, secrets: memorySecrets(), settings: { uploadOnlyOnAcPower: false, uploadLimitMBps: null },
    ...over,
    tuning: { stallTimeoutMs: 2_000, backoff: { baseMs: 50, capMs: 500 }, ...over.tuning },
  })
}
