/**
 * The catalog's SQLite file (better-sqlite3, WAL, foreign keys) and its versioned migrations.
 * Each part of Cradle that keeps tables (library, uploads, history) owns a SchemaModule with
 * its own migration list; versions are tracked per module, so parts evolve independently.
 * The catalog lives in --data, never inside the photo library.
 */
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { CradleError } from '../../shared/errors.js'

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
    if (current > module.migrations.length) {
      throw new CradleError('catalog-corrupt', `catalog module ${module.name} is at version ${current}, newer than this Cradle (${module.migrations.length})`)
    }
    for (let v = current; v < module.migrations.length; v++) {
      const step = module.migrations[v]!
      db.transaction(() => {
        step(db)
        write.run(module.name, v + 1)
      })()
    }
  }
}

/** Opens (creating if needed) the catalog at `file` and migrates it. */
export function openCatalogDb(file: string, modules: readonly SchemaModule[]): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  let db: Db
  try {
    db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    // NORMAL is durable across process crashes in WAL mode; FULL only adds power-loss safety
    // for the last commits, which the import pipeline covers by fsyncing files before commit.
    db.pragma('synchronous = NORMAL')
    db.pragma('busy_timeout = 5000')
    const check = db.pragma('quick_check', { simple: true })
    if (check !== 'ok') throw new Error(`quick_check: ${String(check)}`)
  } catch (error) {
    if (error instanceof CradleError) throw error
    throw new CradleError('catalog-corrupt', `cannot open catalog ${file}: ${(error as Error).message}`, { cause: error })
  }
  migrate(db, modules)
  return db
}
