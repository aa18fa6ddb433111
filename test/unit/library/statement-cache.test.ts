/**
 * The catalog keeps its statements (stmt in catalog-db.ts): what `cradle serve` runs for every
 * snapshot, queue page and imported file is prepared once per connection, not once per call
 * (preparing again was ≈ 5 % of serve's CPU while importing; bench/README.md, ui).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { stmt } from '../../../src/main/library/catalog-db.js'
import { catalogVersion } from '../../../src/main/library/catalog-version.js'
import { History, historySchema } from '../../../src/main/engine/history.js'
import { safetyLedger } from '../../../src/main/engine/safety-ledger.js'
import { uploadsSchema } from '../../../src/main/destinations/queue/uploads-schema.js'
import { DestinationStore } from '../../../src/main/destinations/destination-store.js'
import { photoLibraryReport, recordAvailableLibrary } from '../../../src/main/photos/catalog-photo-store.js'
import type { QueueFilter } from '../../../src/shared/state.js'
import { tempLibrary, type TempLibrary } from '../../integration/library/helpers.js'
import { preparedWhile } from '../../helpers/statement-counter.js'

let t: TempLibrary
beforeEach(() => {
  t = tempLibrary({ extraModules: [uploadsSchema, historySchema] })
})
afterEach(() => t.cleanup())

describe('stmt', () => {
  it('returns the same statement for the same SQL on a connection, and prepares it once', () => {
    const db = t.lib.db
    const sql = 'SELECT COUNT(*) AS n FROM device_files WHERE udid = ?'
    const prepared = preparedWhile(db, () => {
      const first = stmt(db, sql)
      expect(stmt(db, sql)).toBe(first)
      expect(stmt(db, 'SELECT 1 AS one')).not.toBe(first)
      expect(first.get('P')).toEqual({ n: 0 })
    })
    expect(prepared).toEqual([sql, 'SELECT 1 AS one'])
  })

  it('keeps statements per connection', () => {
    const other = tempLibrary()
    try {
      const sql = 'SELECT 1 AS one'
      expect(stmt(other.lib.db, sql)).not.toBe(stmt(t.lib.db, sql))
      expect(stmt(other.lib.db, sql).database).toBe(other.lib.db)
    } finally {
      other.cleanup()
    }
  })
})

describe("serve's hot paths", () => {
  it('prepare each statement once however often they run: queue pages and counts, snapshot, history, the import’s catalog writes', () => {
    const lib = t.lib
    const db = lib.db
    const udid = 'P'
    lib.beginConnection({ udid, name: 'Ann’s iPhone' })
    recordAvailableLibrary(db, udid, [], null, 0)
    const history = new History(db)
    const destinations = new DestinationStore(db)
    let file = 0
    const round = (): void => {
      // The import writes a file's row (as a scan and the inbox do) and its failure.
      const id = lib.recordFile(udid, { path: `/DCIM/100APPLE/IMG_${++file}.HEIC`, size: file, mtimeNs: BigInt(file), birthtimeNs: BigInt(file) })
      lib.markFailed(id, 'device-protocol')
      // A snapshot: the card's counts, the queue's counts, totals, the ledger, history, destinations.
      lib.deviceCounts(udid)
      lib.queueCounts()
      lib.totals()
      lib.devices()
      safetyLedger(db, [])
      photoLibraryReport(db, udid)
      catalogVersion(db)
      history.recent(20)
      history.lastSuccess(udid)
      destinations.list()
      // The window's pages, every filter, with and without a search.
      for (const filter of ['all', 'pending', 'failed', 'not-on-phone', 'done'] as QueueFilter[]) {
        lib.listQueue({ filter, offset: 0, limit: 50 })
        lib.listQueue({ filter, offset: 0, limit: 50, search: 'IMG_1' })
      }
    }
    const first = preparedWhile(db, round)
    expect(first.length).toBeGreaterThan(20)
    // Each SQL once, even within the first round (the queue's page and its total for each filter).
    expect(first.filter((sql, i) => first.indexOf(sql) !== i)).toEqual([])
    // Then nothing is prepared again, however many rounds run.
    expect(preparedWhile(db, () => {
      for (let i = 0; i < 5; i++) round()
    })).toEqual([])
    expect(lib.listQueue({ filter: 'all', offset: 0, limit: 50 }).total).toBe(6)
    expect(lib.queueCounts().failed).toBe(6)
  })
})
