/**
 * Keeps the library's XMP sidecars in step with the phone's metadata, for the engine: the new
 * assets after an import, every described asset after the phone's database was read again. Runs
 * one sync at a time (the engine waits for it before closing the catalog) and remembers what it
 * wrote in this process, so an unchanged asset costs a map lookup rather than a file read.
 */
import type { Db } from '../library/catalog-db.js'
import type { Logger } from '../logging/logger.js'
import { metadataJson } from './metadata-json.js'
import type { PhotoMetadataSource } from './photo-metadata.js'
import { syncSidecars, type SidecarItem } from './sidecar-writer.js'

export interface LibrarySidecarsDeps {
  library: () => { db: Db; root: string }
  metadata: () => PhotoMetadataSource
  log: Logger
  now?: () => number
}

const PAGE = 500

export class LibrarySidecars {
  private chain: Promise<void> = Promise.resolve()
  /** `<root>\0<library path>` → the metadata JSON its sidecar was last brought up to. */
  private readonly synced = new Map<string, string>()

  constructor(private readonly d: LibrarySidecarsDeps) {}

  /** After an import: the sidecars of these assets. */
  forAssets(assetIds: readonly number[]): Promise<void> {
    if (assetIds.length === 0) return this.chain
    return this.enqueue(async () => {
      const { db } = this.d.library()
      const rows = db.prepare<[string], { id: number; library_path: string }>(
        `SELECT id, library_path FROM assets WHERE id IN (SELECT value FROM json_each(?)) AND role != 'sidecar' ORDER BY id`,
      ).all(JSON.stringify(assetIds))
      await this.sync(rows)
    })
  }

  /** After the phone's metadata was read again: every asset the phone's database describes. */
  all(): Promise<void> {
    return this.enqueue(async () => {
      const { db } = this.d.library()
      const page = db.prepare<[number, number], { id: number; library_path: string }>(
        `SELECT id, library_path FROM assets WHERE id > ? AND role != 'sidecar' ORDER BY id LIMIT ?`,
      )
      for (let after = 0; ;) {
        const rows = page.all(after, PAGE)
        if (rows.length === 0) return
        await this.sync(rows)
        after = rows[rows.length - 1]!.id
        // Unchanged pages write nothing: still let the AFC sockets and timers run between them.
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
    })
  }

  /** Resolves once no sync is running or waiting. */
  idle(): Promise<void> {
    return this.chain
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(work).catch((error: unknown) => this.d.log.error('sidecar sync failed', { error }))
    return this.chain
  }

  private async sync(rows: readonly { id: number; library_path: string }[]): Promise<void> {
    const { root } = this.d.library()
    const source = this.d.metadata()
    const items: SidecarItem[] = []
    const keys: [string, string][] = []
    for (const r of rows) {
      const meta = source.forAsset(r.id)
      if (!meta) continue
      const key = `${root}\0${r.library_path}`
      const json = metadataJson(meta)
      if (this.synced.get(key) === json) continue
      items.push({ libraryPath: r.library_path, meta })
      keys.push([key, json])
    }
    if (items.length === 0) return
    const report = await syncSidecars(root, items, { log: this.d.log, ...(this.d.now ? { now: this.d.now } : {}) })
    // Without the library folder the sync stopped early: nothing after the failure was written.
    if (report.failed.some((f) => f.error.code === 'library-missing')) return
    const failed = new Set(report.failed.map((f) => f.libraryPath))
    items.forEach((item, i) => {
      if (!failed.has(item.libraryPath)) this.synced.set(keys[i]![0], keys[i]![1])
    })
  }
}
