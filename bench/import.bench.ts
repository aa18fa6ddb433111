/**
 * Library import throughput and memory.
 *   npx tsx bench/import.bench.ts [--file-mb 512] [--files 3] [--total-gb 5]
 * 1. Throughput: a source file on local disk imported through the library (stream → SHA-256 +
 *    SHA-1 → staging write → fsync → link → catalog commit) vs a raw copy of the same bytes
 *    (read stream → write stream → fsync), each run on fresh files; best of the runs is printed.
 * 2. Memory: a synthetic source (no disk read) pushes --total-gb through importFile in 1 GB files;
 *    peak RSS is printed (the target: ≤ 250 MB while importing 5 GB end to end).
 * Figures are for the machine at hand; on a shared machine they are noisy.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { defaultSettings } from '../src/shared/settings.js'
import { fileImportSource } from '../src/main/library/file-source.js'
import { Library } from '../src/main/library/library.js'
import type { ImportSource, SourceFile } from '../src/main/library/source.js'

const { values } = parseArgs({ options: { 'rss-hasher': { type: 'string', default: 'worker' }, 'file-mb': { type: 'string', default: '512' }, files: { type: 'string', default: '3' }, 'total-gb': { type: 'string', default: '5' } } })
const FILE_MB = Number(values['file-mb'])
const RUNS = Number(values.files)
const TOTAL_GB = Number(values['total-gb'])
const MiB = 1024 * 1024

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cradle-bench-'))
let peakRss = 0
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50)

function mbps(bytes: number, ms: number): string {
  return `${((bytes / 1e6) / (ms / 1000)).toFixed(1)} MB/s`
}

async function rawCopy(src: string, dst: string): Promise<void> {
  const out = fs.createWriteStream(dst)
  await pipeline(fs.createReadStream(src, { highWaterMark: MiB }), out)
  const fh = await fsp.open(dst, 'r+')
  await fh.sync()
  await fh.close()
}

/** Synthetic bytes: a 1 MiB random block with the chunk number stamped in, so every file differs. */
function syntheticSource(size: number, seed: number): ImportSource {
  const block = crypto.randomBytes(MiB)
  return {
    async copyTo(sink, { offset }) {
      for (let pos = offset, n = 0; pos < size; pos += MiB, n++) {
        const chunk = Buffer.from(block.subarray(0, Math.min(MiB, size - pos)))
        chunk.writeUInt32BE(seed, 0)
        chunk.writeUInt32BE(n, 4)
        if (!sink.write(chunk)) await new Promise((r) => sink.once('drain', r))
      }
    },
  }
}

let seq = 0
function listed(lib: Library, udid: string, name: string, size: number): number {
  const ns = BigInt(Date.now()) * 1_000_000n + BigInt(seq++)
  const file: SourceFile = { path: `/DCIM/100APPLE/${name}`, size, mtimeNs: ns, birthtimeNs: ns }
  return lib.recordFile(udid, file)
}

async function main(): Promise<void> {
  const libs = [true, false].map((hashOnWorker) => {
    const l = Library.open(path.join(dir, `data-${hashOnWorker}`), defaultSettings(path.join(dir, `Library-${hashOnWorker}`)), { hashOnWorker })
    l.prepare()
    l.beginConnection({ udid: 'bench', name: 'bench' })
    return l
  })
  const lib = libs[values['rss-hasher'] === 'inline' ? 1 : 0]!
  const signal = new AbortController().signal

  // 1. Throughput against a raw copy.
  const srcFile = path.join(dir, 'source.bin')
  const size = FILE_MB * MiB
  if (size > 0) await throughput(libs, srcFile, size, signal)

  // 2. Peak RSS over a multi-GB import from a source that costs no disk reads.
  const GiB = 1024 * MiB
  const files = Math.ceil(TOTAL_GB)
  peakRss = process.memoryUsage().rss
  const rssBefore = peakRss
  const t = performance.now()
  for (let i = 0; i < files; i++) {
    const bytes = Math.floor(Math.min(GiB, TOTAL_GB * GiB - i * GiB))
    const id = listed(lib, 'bench', `IMG_${String(100 + i).padStart(4, '0')}.MOV`, bytes)
    await lib.importFile(id, syntheticSource(bytes, i + 1), { signal })
  }
  const ms = performance.now() - t
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
  console.log(`${TOTAL_GB} GB imported from a synthetic source (hashes: ${values['rss-hasher']}) in ${(ms / 1000).toFixed(1)} s (${mbps(TOTAL_GB * GiB, ms)})`)
  console.log(`  RSS before ${(rssBefore / 1e6).toFixed(0)} MB, peak ${(peakRss / 1e6).toFixed(0)} MB (process maxRSS ${(process.resourceUsage().maxRSS / 1e3).toFixed(0)} MB)`)
  console.log(`  consistency problems: ${lib.checkConsistency().length}`)
  for (const l of libs) l.close()
}

async function throughput(libs: Library[], srcFile: string, size: number, signal: AbortSignal): Promise<void> {
  await pipeline(syntheticSourceStream(size), fs.createWriteStream(srcFile))
  await rawCopy(srcFile, path.join(dir, 'warm.bin')) // page-cache the source for both contenders
  fs.rmSync(path.join(dir, 'warm.bin'))
  let bestRaw = Infinity
  const best = [Infinity, Infinity]
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now()
    await rawCopy(srcFile, path.join(dir, `raw-${i}.bin`))
    bestRaw = Math.min(bestRaw, performance.now() - t)
    fs.rmSync(path.join(dir, `raw-${i}.bin`))
    for (const [k, l] of libs.entries()) {
      // Each run imports different bytes (dedupe would skip the write otherwise): append a tag.
      fs.appendFileSync(srcFile, `run-${i}-${k}`)
      const id = listed(l, 'bench', `IMG_${String(i).padStart(4, '0')}.MOV`, fs.statSync(srcFile).size)
      const s = performance.now()
      await l.importFile(id, fileImportSource(srcFile), { signal })
      best[k] = Math.min(best[k]!, performance.now() - s)
    }
  }
  console.log(`file of ${FILE_MB} MiB, best of ${RUNS}:`)
  console.log(`  raw copy (read + write + fsync):                                       ${mbps(size, bestRaw)}`)
  console.log(`  import, hashes on a worker (read + SHA-256 + SHA-1 + write + fsync + link + commit): ${mbps(size, best[0]!)} (${((bestRaw / best[0]!) * 100).toFixed(0)} % of raw)`)
  console.log(`  import, hashes on the main thread:                                     ${mbps(size, best[1]!)} (${((bestRaw / best[1]!) * 100).toFixed(0)} % of raw)`)

}

function syntheticSourceStream(size: number): AsyncIterable<Buffer> {
  const block = crypto.randomBytes(MiB)
  return (async function* () {
    for (let pos = 0; pos < size; pos += MiB) yield Buffer.from(block.subarray(0, Math.min(MiB, size - pos)))
  })()
}

main()
  .catch((e: unknown) => {
    console.error(e)
    process.exitCode = 1
  })
  .finally(() => {
    clearInterval(sampler)
    fs.rmSync(dir, { recursive: true, force: true })
  })
