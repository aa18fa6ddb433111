/**
 * The start-up integrity check (issue 13) with the seal (catalog-seal.ts): the full quick_check is
 * skipped only for a catalog Cradle closed cleanly, untouched since, checked in full within a day;
 * every way the file can be damaged through the file system still meets the full check.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { catalogCheck, closeCatalogDb, openCatalogDb, type SchemaModule } from '../../../src/main/library/catalog-db.js'
import { FULL_CHECK_EVERY_MS, SEAL_SUFFIX, writeSeal } from '../../../src/main/library/catalog-seal.js'

const schema: SchemaModule = { name: 'seal-test', migrations: [(db) => db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, text TEXT NOT NULL)')] }
const corrupt = expect.objectContaining({ code: 'catalog-corrupt', context: expect.objectContaining({ damaged: true }) })

let dir: string
let file: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-seal-'))
  file = path.join(dir, 'catalog.sqlite')
  const db = openCatalogDb(file, [schema])
  const insert = db.prepare('INSERT INTO rows (text) VALUES (?)')
  db.transaction(() => {
    for (let i = 0; i < 5000; i++) insert.run(`row ${i} ${'x'.repeat(100)}`)
  })()
  closeCatalogDb(db)
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

/** Writes over `file` the way a bad tool would, then puts its times back (ctime still moves). */
function overwrite(at: number, bytes: Buffer): void {
  const before = fs.statSync(file)
  const fd = fs.openSync(file, 'r+')
  fs.writeSync(fd, bytes, 0, bytes.length, at)
  fs.closeSync(fd)
  fs.utimesSync(file, before.atime, before.mtime)
}

describe('catalog seal', () => {
  it('a clean close seals the catalog; the next open checks the seal and header instead of quick_check, and takes the seal off', () => {
    expect(fs.existsSync(file + SEAL_SUFFIX)).toBe(true)
    const db = openCatalogDb(file, [schema])
    expect(catalogCheck(db)).toBe('sealed')
    expect(fs.existsSync(file + SEAL_SUFFIX)).toBe(false) // a crash from here on leaves no seal
    expect(db.prepare('SELECT COUNT(*) AS n FROM rows').get()).toEqual({ n: 5000 })
    closeCatalogDb(db)
    expect(catalogCheck(openCatalogDb(file, [schema]))).toBe('sealed')
  })

  it('a catalog not closed cleanly (crash, kill) gets the full quick_check', () => {
    const db = openCatalogDb(file, [schema])
    db.prepare("INSERT INTO rows (text) VALUES ('after')").run()
    db.close() // not closeCatalogDb: as if the process had died
    const again = openCatalogDb(file, [schema])
    expect(catalogCheck(again)).toBe('quick_check')
    closeCatalogDb(again)
  })

  it('garbled pages written after a clean close, times put back, are found by the full check', () => {
    overwrite(4096 * 3, Buffer.alloc(4096 * 4, 0x5a))
    expect(() => openCatalogDb(file, [schema])).toThrow(corrupt)
  })

  it('a catalog truncated after a clean close is found', () => {
    fs.truncateSync(file, fs.statSync(file).size - 4096 * 2)
    expect(() => openCatalogDb(file, [schema])).toThrow(corrupt)
  })

  it(`the full check runs again once the last one is ${FULL_CHECK_EVERY_MS / 3600_000} hours old, however clean the closes`, () => {
    const db = openCatalogDb(file, [schema], { now: Date.now() + FULL_CHECK_EVERY_MS + 1 })
    expect(catalogCheck(db)).toBe('quick_check')
    closeCatalogDb(db)
  })

  it('a seal that vouches for a file with a bad header does not hide it', () => {
    overwrite(0, Buffer.from('not a database!!'))
    writeSeal(file, Date.now()) // a seal matching the damaged file, as a stale or forged one would
    expect(() => openCatalogDb(file, [schema])).toThrow(corrupt)
  })

  it('a sealed open checks the page count in the header against the file size', () => {
    fs.appendFileSync(file, Buffer.alloc(4096))
    writeSeal(file, Date.now()) // a seal matching the grown file
    expect(() => openCatalogDb(file, [schema])).toThrow(expect.objectContaining({ code: 'catalog-corrupt', message: expect.stringMatching(/the header says \d+ pages/) }))
  })
})
