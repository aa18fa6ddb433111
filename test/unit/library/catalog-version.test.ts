/**
 * CatalogMemo keeps a count over the catalog only while the catalog provably holds the same rows:
 * any write on this connection, a commit by another connection, and anything inside a transaction
 * (a rollback would bring old rows back) make it count again.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { openCatalogDb, type Db } from '../../../src/main/library/catalog-db.js'
import { CatalogMemo } from '../../../src/main/library/catalog-version.js'

let dir: string
let db: Db
let computed: number
let memo: CatalogMemo<{ n: number }>
const rows = (): number => db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM t').get()!.n

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-catalog-version-'))
  db = openCatalogDb(path.join(dir, 'catalog.sqlite'), [{ name: 'test', migrations: [(d) => d.exec('CREATE TABLE t (x INTEGER)')] }])
  computed = 0
  memo = new CatalogMemo(db, () => {
    computed++
    return { n: rows() }
  })
})
afterEach(() => {
  db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

it('answers from memory while nothing was written, and counts again after a write on this connection', () => {
  expect(memo.get('k')).toEqual({ n: 0 })
  expect(memo.get('k')).toEqual({ n: 0 })
  expect(computed).toBe(1)
  db.prepare('INSERT INTO t (x) VALUES (1)').run()
  expect(memo.get('k')).toEqual({ n: 1 })
  expect(computed).toBe(2)
  // A write that leaves the values as they were still counts as a change.
  db.prepare('UPDATE t SET x = x').run()
  memo.get('k')
  expect(computed).toBe(3)
})

it('counts again after another connection committed', () => {
  memo.get('k')
  const other = openCatalogDb(db.name, [])
  try {
    other.prepare('INSERT INTO t (x) VALUES (1)').run()
  } finally {
    other.close()
  }
  expect(memo.get('k')).toEqual({ n: 1 })
  expect(computed).toBe(2)
})

it('never reuses what it read inside a transaction, which a rollback may undo', () => {
  expect(memo.get('k')).toEqual({ n: 0 })
  const insideThenRollback = db.transaction(() => {
    db.prepare('INSERT INTO t (x) VALUES (1)').run()
    expect(memo.get('k')).toEqual({ n: 1 })
    expect(memo.get('k')).toEqual({ n: 1 })
    throw new Error('roll back')
  })
  expect(() => insideThenRollback()).toThrow('roll back')
  expect(computed).toBe(3)
  expect(memo.get('k')).toEqual({ n: 0 })
})

it('keeps one answer per key and hands out copies a caller may change', () => {
  const a = memo.get('a')
  a.n = 99
  expect(memo.get('a')).toEqual({ n: 0 })
  memo.get('b')
  expect(computed).toBe(2)
})
