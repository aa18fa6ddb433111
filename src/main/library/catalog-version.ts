/**
 * Counts over the whole catalog (a phone's photo counts, the safety ledger) read every row of a big
 * phone, and one engine run asks for them many times while nothing changed (every snapshot of a
 * no-op re-check). This remembers an answer for as long as the catalog provably holds the same rows.
 *
 * The version is three numbers SQLite keeps: this connection's row changes (`total_changes()`:
 * every INSERT, UPDATE and DELETE, even one that wrote the same values), commits by any other
 * connection (`PRAGMA data_version`) and the schema's (`PRAGMA schema_version`). Inside a
 * transaction there is no version: a rollback returns the rows to an earlier state without
 * moving any of them back, so nothing read or remembered there may be reused.
 */
import { stmt, type Db } from './catalog-db.js'

export function catalogVersion(db: Db): string | null {
  if (db.inTransaction) return null
  // Kept statements: db.pragma() prepares its statement again on every call, and this runs for every snapshot's counts.
  const changes = stmt<[], { n: number }>(db, 'SELECT total_changes() AS n').get()!.n
  const data = stmt<[], { data_version: number }>(db, 'PRAGMA data_version').get()!.data_version
  const schema = stmt<[], { schema_version: number }>(db, 'PRAGMA schema_version').get()!.schema_version
  return `${changes}:${data}:${schema}`
}

/** Answers of `compute` by key, each kept until the catalog's version changes. */
export class CatalogMemo<V> {
  private version: string | null = null
  private readonly answers = new Map<string, V>()

  constructor(
    private readonly db: Db,
    private readonly compute: (key: string) => V,
  ) {}

  get(key: string): V {
    const version = catalogVersion(this.db)
    if (version === null) return this.compute(key)
    if (version !== this.version) {
      this.answers.clear()
      this.version = version
    }
    const known = this.answers.get(key)
    // A copy: a caller that adjusts its answer must not change the next caller's.
    if (known !== undefined) return structuredClone(known)
    const answer = this.compute(key)
    // The computation reads only; should it have written, its answer may already be stale.
    if (catalogVersion(this.db) === version) this.answers.set(key, structuredClone(answer))
    return answer
  }
}
