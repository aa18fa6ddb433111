/**
 * The catalog's SQLite file (better-sqlite3, WAL, foreign keys) and its versioned migrations.
 * Each part of Cradle that keeps tables (library, uploads, history) owns a SchemaModule with
 * its own migration list; versions are tracked per module, so parts evolve independently.
 * The catalog lives in --data, never inside the photo library.
 */
import path from 'node:path'
import Database from 'better-sqlite3'
import { CradleError } from '../../shared/errors.js'
import { ensurePrivateDir, ensurePrivateFile, tightenIfPresent } from '../data-folder/private-files.js'
import { breakSeal, headerProblem, writeSeal } from './catalog-seal.js'

export type Db = Database.Database

export interface SchemaModule {
  /** Stable name, e.g. 'library' or 'uploads'. */
  name: string
  /** Migration i brings the module from version i to i+1; never edit a shipped one, append. */
  migrations: readonly ((db: Db) => void)[]
  /** Modules whose tables this one references (migrated first). */
  after?: readonly string[]
}

function orderModules(modules: readonly SchemaModule[]): SchemaModule[] {
  const byName = new Map(modules.map((m) => [m.name, m]))
  const done = new Set<string>()
  const out: SchemaModule[] = []
  const visit = (m: SchemaModule, stack: string[]): void => {
    if (done.has(m.name)) return
    if (stack.includes(m.name)) throw new Error(`schema modules form a cycle: ${[...stack, m.name].join(' → ')}`)
    for (const dep of m.after ?? []) {
      const d = byName.get(dep)
      if (!d) throw new Error(`schema module ${m.name} needs ${dep}, which is not registered`)
      visit(d, [...stack, m.name])
    }
    done.add(m.name)
    out.push(m)
  }
  for (const m of modules) visit(m, [])
  return out
}

/** Brings every module to its newest version, each migration in its own transaction. */
export function migrate(db: Db, modules: readonly SchemaModule[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (module TEXT PRIMARY KEY, version INTEGER NOT NULL)')
  const read = db.prepare<[string], { version: number }>('SELECT version FROM schema_versions WHERE module = ?')
  const write = db.prepare('INSERT INTO schema_versions (module, version) VALUES (?, ?) ON CONFLICT(module) DO UPDATE SET version = excluded.version')
  for (const module of orderModules(modules)) {
    const current = read.get(module.name)?.version ?? 0
    // Never migrate down: a newer Cradle's tables may hold what this one would lose.
    if (current > module.migrations.length) throw newerCatalog(db.name, module, current)
    for (let v = current; v < module.migrations.length; v++) {
      const step = module.migrations[v]!
      db.transaction(() => {
        step(db)
        write.run(module.name, v + 1)
      })()
    }
  }
}

const statements = new WeakMap<Db, Map<string, Database.Statement>>()

/**
 * The connection's statement for `sql`, prepared on first use and kept: preparing the same SQL again
 * on every call was ≈ 5 % of `cradle serve`'s CPU while importing (bench/README.md, ui). Only for
 * fixed SQL on hot paths: a kept statement must not be modified (pluck/raw/expand), and one must
 * not be run again while its own iterate() is still open.
 */
export function stmt<P extends unknown[] | object = unknown[], R = unknown>(db: Db, sql: string): Database.Statement<P, R> {
  let cache = statements.get(db)
  if (!cache) statements.set(db, (cache = new Map()))
  let s = cache.get(sql)
  if (!s) cache.set(sql, (s = db.prepare(sql)))
  return s as Database.Statement<P, R>
}

/** Whether the catalog has this table (a module such as uploads may not be part of every catalog opened). */
export function hasTable(db: Db, name: string): boolean {
  return stmt(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined
}

/** How long a statement waits for another connection's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000

const sqliteCode = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : ''
}

/**
 * A SQLite failure in the catalog as Cradle's error with user words: another program holding its
 * write lock past the busy timeout (catalog-busy), a full data volume (data-disk-full), a damaged
 * file (catalog-corrupt). Anything else, and anything not from SQLite, is returned unchanged.
 */
export function catalogError(error: unknown, file: string): unknown {
  // A layer that wrapped the SQLite error (as 'internal') keeps it as the cause.
  let code = sqliteCode(error)
  for (let e = error as { cause?: unknown } | null, depth = 0; !code && e && depth < 4; depth++) {
    e = e.cause as { cause?: unknown } | null
    code = sqliteCode(e)
  }
  if (code && error instanceof CradleError && error.code !== 'internal') return error
  const message = `${file}: ${(error as Error)?.message ?? String(error)}`
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new CradleError('catalog-busy', message, { cause: error, context: { path: file } })
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' && /space|full/i.test(message)) return new CradleError('data-disk-full', message, { cause: error, context: { path: path.dirname(file) } })
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new CradleError('catalog-corrupt', message, { cause: error, context: { path: file, damaged: true } })
  return error
}

/** Whether an open failed because the file itself is damaged (the only case where it is moved aside). */
export function isDamagedCatalog(error: unknown): boolean {
  return error instanceof CradleError && error.code === 'catalog-corrupt' && error.context.damaged === true
}

/**
 * Opens (creating if needed) the catalog at `file`, checks its integrity and migrates it. Throws
 * catalog-corrupt with context.damaged when the file is damaged (the caller may rebuild it),
 * catalog-newer, catalog-busy (a write lock held past the timeout) or data-disk-full.
 *
 * The check is PRAGMA quick_check: on a 50,000-item catalog (58 MB) it took 0.31 s against 1.12 s
 * for integrity_check (bench/catalog.bench.ts, loaded 2-core VM) and finds what a crash or a bad
 * disk does to the file (bad pages, broken b-trees, wrong record formats); integrity_check adds
 * only the UNIQUE and index-content cross-checks, which a scrub can afford, every start need not.
 * A catalog Cradle closed cleanly (closeCatalogDb) and nothing touched since carries a seal
 * (catalog-seal.ts): then the header is checked instead, and the full check runs at least daily.
 */
export function openCatalogDb(file: string, modules: readonly SchemaModule[], opts: { now?: number } = {}): Db {
  let db: Db | null = null
  try {
    // Private before SQLite opens it: it names endpoints, users, key ids, UDIDs and files.
    ensurePrivateDir(path.dirname(file))
    ensurePrivateFile(file)
    for (const suffix of ['-wal', '-shm', '-journal']) tightenIfPresent(file + suffix)
    const now = opts.now ?? Date.now()
    // Off before SQLite opens the file: from here until a clean close nothing vouches for it.
    const sealedAt = breakSeal(file, now)
    db = new Database(file)
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    // NORMAL is durable across process crashes in WAL mode; FULL only adds power-loss safety
    // for the last commits, which the import pipeline covers by fsyncing files before commit.
    db.pragma('synchronous = NORMAL')
    if (sealedAt !== null) {
      const problem = headerProblem(file)
      if (problem) throw new CradleError('catalog-corrupt', `${file}: ${problem}`, { context: { path: file, damaged: true } })
    } else {
      const check = db.pragma('quick_check', { simple: true })
      if (check !== 'ok') throw new CradleError('catalog-corrupt', `quick_check of ${file}: ${String(check)}`, { context: { path: file, damaged: true } })
    }
    opened.set(db, { file, checkedAt: sealedAt ?? now, check: sealedAt !== null ? 'sealed' : 'quick_check' })
    migrate(db, modules)
    return db
  } catch (error) {
    db?.close()
    const mapped = catalogError(error, file)
    if (mapped instanceof CradleError) throw mapped
    throw new CradleError('internal', `cannot open catalog ${file}: ${(error as Error).message}`, { cause: error, context: { path: file } })
  }
}

const opened = new WeakMap<Db, { file: string; checkedAt: number; check: 'quick_check' | 'sealed' }>()

/** Which check the open of `db` ran: the full quick_check, or the seal and header (catalog-seal.ts). */
export function catalogCheck(db: Db): 'quick_check' | 'sealed' | null {
  return opened.get(db)?.check ?? null
}

/** Closes a catalog openCatalogDb opened; a clean close seals it, so the next open may skip the full check. */
export function closeCatalogDb(db: Db): void {
  const info = opened.get(db)
  db.close()
  if (info) writeSeal(info.file, info.checkedAt)
}

/**
 * Opens an existing catalog for reading beside the Cradle that holds its data folder (`cradle
 * status`): WAL lets a reader see the last commit while the holder writes. Nothing is migrated, so
 * the versions must be exactly the ones this Cradle knows.
 */
export function openCatalogReadOnly(file: string, modules: readonly SchemaModule[]): Db {
  let db: Db
  let versions: Map<string, number>
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
    db.pragma('busy_timeout = 5000')
    versions = new Map(db.prepare<[], { module: string; version: number }>('SELECT module, version FROM schema_versions').all().map((r) => [r.module, r.version]))
  } catch (error) {
    throw new CradleError('catalog-corrupt', `cannot read catalog ${file}: ${(error as Error).message}`, { cause: error, context: { path: file } })
  }
  for (const module of modules) {
    const version = versions.get(module.name) ?? 0
    if (version === module.migrations.length) continue
    db.close()
    if (version > module.migrations.length) throw newerCatalog(file, module, version)
    throw new CradleError('data-folder-in-use', `catalog module ${module.name} is at version ${version}; the Cradle using it is older than this one (${module.migrations.length})`, { context: { path: file } })
  }
  return db
}

function newerCatalog(file: string, module: SchemaModule, version: number): CradleError {
  return new CradleError('catalog-newer', `catalog module ${module.name} is at version ${version}, newer than this Cradle (${module.migrations.length})`, {
    context: { path: file, module: module.name, version, known: module.migrations.length },
  })
}
