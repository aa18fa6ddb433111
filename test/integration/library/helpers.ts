/** Temp libraries and in-memory sources for the library tests (real SQLite, real files). */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Writable } from 'node:stream'
import { CradleError } from '../../../src/shared/errors.js'
import { defaultSettings } from '../../../src/shared/settings.js'
import type { SchemaModule } from '../../../src/main/library/catalog-db.js'
import { Library, type LibraryOptions } from '../../../src/main/library/library.js'
import type { ImportSource, SourceFile } from '../../../src/main/library/source.js'
import { folderSignature, type FolderScan } from '../../../src/main/library/scan-plan.js'

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/library')
export const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name))

export interface TempLibrary {
  dir: string
  dataDir: string
  root: string
  lib: Library
  cleanup(): void
}

export function tempLibrary(opts: LibraryOptions & { root?: string; layout?: string; extraModules?: readonly SchemaModule[] } = {}): TempLibrary {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-lib-'))
  const dataDir = path.join(dir, 'data')
  const root = opts.root ?? path.join(dir, 'Library')
  const settings = { ...defaultSettings(root), ...(opts.layout ? { layout: opts.layout } : {}) }
  const lib = Library.open(dataDir, settings, opts)
  lib.prepare()
  return {
    dir, dataDir, root, lib,
    cleanup: () => {
      lib.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Writes `buf` into the sink with backpressure, in chunks, like an AFC download would. */
async function writeAll(sink: Writable, buf: Buffer, chunk: number, signal: AbortSignal): Promise<void> {
  for (let off = 0; off < buf.length; off += chunk) {
    if (signal.aborted) throw signal.reason
    if (!sink.write(buf.subarray(off, off + chunk))) await new Promise((r) => sink.once('drain', r))
  }
}

/** A source holding bytes in memory; `stopAt` ends it early (as an unplug would) at that offset. */
export function memorySource(bytes: Buffer, o: { stopAt?: number; fail?: 'resolve' | 'reject'; chunk?: number } = {}): ImportSource & { offsets: number[] } {
  const offsets: number[] = []
  return {
    offsets,
    async copyTo(sink, { offset, signal }) {
      offsets.push(offset)
      const end = o.stopAt !== undefined ? Math.max(offset, o.stopAt) : bytes.length
      await writeAll(sink, bytes.subarray(offset, end), o.chunk ?? 7_000, signal)
      if (end < bytes.length && o.fail === 'reject') throw new CradleError('device-unplugged', 'connection reset')
    },
  }
}

/** A source the phone lists but cannot read (iCloud Optimize Storage). */
export const notOnPhoneSource: ImportSource = {
  copyTo: () => Promise.reject(new CradleError('file-not-on-device', 'AFC open: ObjectNotFound')),
}

let clock = 1_700_000_000_000_000_000n
/** A listed file with fresh times (birth time unique per call, as on a phone). */
export function sourceFile(p: string, size: number, birth?: bigint): SourceFile {
  clock += 1_000_000_000n
  return { path: p, size, mtimeNs: birth ?? clock, birthtimeNs: birth ?? clock }
}

/** Builds FolderScans (with files) from a flat list of files. */
export function listing(files: SourceFile[]): FolderScan[] {
  const byFolder = new Map<string, SourceFile[]>()
  for (const f of files) {
    const folder = f.path.slice(0, f.path.lastIndexOf('/'))
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), f])
  }
  return [...byFolder].map(([folder, fs]) => ({ folder, signature: folderSignature(fs.map((f) => f.path.slice(folder.length + 1))), files: fs }))
}

export const ABORT = new AbortController().signal
