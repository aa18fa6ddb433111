/**
 * Counts what a better-sqlite3 connection executes while `fn` runs: statement executions and rows
 * handed to JavaScript. Tests use it to prove work does not grow with the data (an operation
 * count), where a wall-clock bound would only measure the machine.
 */
import type Database from 'better-sqlite3'

export interface StatementCounts {
  executions: number
  rows: number
}

export function countStatements<T>(db: Database.Database, fn: () => T): { value: T; counts: StatementCounts } {
  const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as Record<string, (...args: unknown[]) => unknown>
  const counts: StatementCounts = { executions: 0, rows: 0 }
  const original = { run: proto.run!, get: proto.get!, all: proto.all!, iterate: proto.iterate! }
  proto.run = function (this: unknown, ...args: unknown[]) {
    counts.executions++
    return original.run.apply(this, args)
  }
  proto.get = function (this: unknown, ...args: unknown[]) {
    counts.executions++
    const row = original.get.apply(this, args)
    if (row !== undefined) counts.rows++
    return row
  }
  proto.all = function (this: unknown, ...args: unknown[]) {
    counts.executions++
    const rows = original.all.apply(this, args) as unknown[]
    counts.rows += rows.length
    return rows
  }
  proto.iterate = function* (this: unknown, ...args: unknown[]) {
    counts.executions++
    for (const row of original.iterate.apply(this, args) as Iterable<unknown>) {
      counts.rows++
      yield row
    }
  }
  try {
    return { value: fn(), counts }
  } finally {
    Object.assign(proto, original)
  }
}

/** The SQL of every statement `db` prepares while `fn` runs (to ask SQLite how it plans each). */
export function preparedWhile(db: Database.Database, fn: () => unknown): string[] {
  const prepared: string[] = []
  const prepare = db.prepare.bind(db)
  db.prepare = ((sql: string) => {
    prepared.push(sql)
    return prepare(sql)
  }) as typeof db.prepare
  try {
    fn()
  } finally {
    db.prepare = prepare as typeof db.prepare
  }
  return prepared
}
