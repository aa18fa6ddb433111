/**
 * `cradle verify [--json] [--destinations]`: re-reads every library file and compares it with the
 * catalog's SHA-256 (library/scrub.ts); each corrupt or missing file is reported by its path and
 * marked in the catalog, so the next backup from a phone that still has it restores it. With
 * --destinations, every destination's copies are checked by the means it offers
 * (destinations/destination-verify.ts) and a bad copy is queued to be uploaded again.
 * Exit status: 0 everything matched, 1 something did not (or could not be checked), 2 usage.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { describeError } from '../../../../shared/error-text.js'
import { toCradleError } from '../../../../shared/errors.js'
import { formatCount } from '../../../../shared/format.js'
import { defaultSettings } from '../../../../shared/settings.js'
import type { DestinationVerifyReport } from '../../../destinations/destination-verify.js'
import { uploadsSchema } from '../../../destinations/queue/uploads-schema.js'
import { UploadManager } from '../../../destinations/upload-manager.js'
import { openHeadlessSecrets } from '../../headless-secrets.js'
import { historySchema } from '../../../engine/history.js'
import { CATALOG_FILE, Library } from '../../../library/library.js'
import { damagedAssets, type ScrubFinding, type ScrubProgress, type ScrubSummary } from '../../../library/scrub.js'
import { loadSettings } from '../../../library/settings-store.js'
import { rebuiltNotice } from '../rebuilt-notice.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'
import { currentPlatform } from '../platform.js'
import { renderProgressLine } from '../progress-line.js'

const USAGE = `Usage: cradle verify [--json] [--destinations]

Re-reads every file in the library and compares it with the SHA-256 the catalog recorded when
it was imported. A corrupt or missing file is listed by its path and marked, so the next backup
from an iPhone that still has it puts it back exactly (the damaged file is kept aside in the
library's hidden .cradle-damaged folder, never overwritten).

Options:
  --json           JSON lines: one per problem, then a summary
                   {checked, ok, corrupt, missing, healed, bytes, destinations}
  --destinations   also check every destination's copies: S3 checksum or ETag and size,
                   WebDAV size and checksum (Nextcloud), Immich's checksum, a folder's bytes.
                   Google Photos cannot be checked (its API gives no size or checksum).
                   A bad copy is uploaded again from the library by the next backup.
Exit status: 0 everything matched, 1 something is damaged or could not be checked, 2 usage error.`

export interface VerifySummary extends Omit<ScrubSummary, 'startedAt' | 'finishedAt' | 'complete'> {
  type: 'summary'
  destinations: DestinationVerifyReport[]
  error: string | null
}

const WORDS: Record<ScrubFinding['problem'], string> = { corrupt: 'corrupt', missing: 'missing' }

function progressLine(p: ScrubProgress, startedAt: number, columns: number): string {
  const seconds = (Date.now() - startedAt) / 1000
  const speed = seconds > 1 ? p.bytesDone / seconds : 0
  return renderProgressLine('Verifying', {
    itemsDone: p.checked,
    itemsTotal: p.total,
    bytesDone: p.bytesDone,
    bytesTotal: p.bytesTotal,
    currentFile: null,
    bytesPerSecond: speed,
    secondsLeft: speed > 0 ? Math.round((p.bytesTotal - p.bytesDone) / speed) : null,
    startedAt,
  }, columns)
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  let v
  try {
    v = parseArgs({ args, options: { json: { type: 'boolean' }, destinations: { type: 'boolean' } } }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const json = v.json === true
  const stderr = ctx.stderr as typeof ctx.stderr & { isTTY?: boolean; columns?: number }
  const bar = stderr.isTTY === true
  const out = (line: string): void => void ctx.stdout.write(`${line}\n`)
  const emit = (line: object): void => out(JSON.stringify(line))

  const loaded = loadSettings(ctx.dataDir, defaultSettings(ctx.libraryDir))
  const settings = ctx.libraryDirExplicit ? { ...loaded.settings, libraryPath: ctx.libraryDir } : loaded.settings
  const summary: VerifySummary = { type: 'summary', checked: 0, ok: 0, corrupt: 0, missing: 0, healed: 0, bytes: 0, destinations: [], error: null }
  if (!fs.existsSync(path.join(ctx.dataDir, CATALOG_FILE))) {
    summary.error = `No catalog in ${ctx.dataDir}: nothing has been backed up with this data folder yet.`
  } else {
    const { library, rebuilt } = await Library.openChecked(ctx.dataDir, settings, { extraModules: [uploadsSchema, historySchema] })
    if (rebuilt) ctx.stderr.write(`cradle verify: ${rebuiltNotice(rebuilt)}\n`)
    const startedAt = Date.now()
    let lastBar = 0
    try {
      const result = await library.scrub({
        signal: ctx.stopSignal,
        onFinding: (f) => {
          if (bar) stderr.write('\r\x1b[2K')
          if (json) emit({ type: 'file', path: f.libraryPath, problem: f.problem, copy: f.copy, healed: f.healed })
          else out(`${WORDS[f.problem].padEnd(8)} ${f.libraryPath}${f.healed ? ' (restored from the same photo\'s other copy)' : ''}`)
        },
        onProgress: (p) => {
          if (!bar || (Date.now() - lastBar < 100 && p.checked < p.total)) return
          lastBar = Date.now()
          stderr.write(`\r\x1b[2K${progressLine(p, startedAt, stderr.columns ?? 100)}`)
        },
      })
      if (bar) stderr.write('\r\x1b[2K')
      library.recordScrub('cli', result)
      const { startedAt: _s, finishedAt: _f, complete, ...counts } = result
      Object.assign(summary, counts)
      if (!complete) summary.error = 'Stopped before the end; run "cradle verify" again to check the rest.'
      else if (v.destinations) {
        const uploads = new UploadManager({ db: library.db, libraryRoot: library.root, secrets: await openHeadlessSecrets(ctx), platform: currentPlatform() })
        summary.destinations = await uploads.verifyCopies({
          damaged: new Set(damagedAssets(library.db).map((d) => d.assetId)),
          signal: ctx.stopSignal,
          onFinding: (f) => (json
            ? emit({ type: 'destination-file', ...f })
            : out(`${f.problem.padEnd(8)} ${f.destination}: ${f.path}${f.detail ? ` (${f.detail})` : ''}${f.requeued ? '' : ' — differs and cannot be replaced without overwriting; move it away on the server, then retry'}`)),
        })
      }
    } catch (error) {
      if (bar) stderr.write('\r\x1b[2K')
      const e = toCradleError(error)
      const text = describeError(e.code, e.context, currentPlatform())
      summary.error = `${text.title}${text.action ? `. ${text.action}` : ''}`
    } finally {
      library.close()
    }
  }

  const damaged = summary.corrupt + summary.missing
  const destinationProblems = summary.destinations.filter((d) => d.corrupt + d.missing > 0 || d.error !== null)
  if (json) emit(summary)
  else {
    out(`Checked ${formatCount(summary.checked)} files: ${formatCount(summary.ok)} match, ${formatCount(summary.corrupt)} corrupt, ${formatCount(summary.missing)} missing.`)
    if (damaged > summary.healed) out('The next backup from an iPhone that still has them puts them back exactly.')
    for (const d of summary.destinations) {
      const counts = d.checkable
        ? `${formatCount(d.checked)} checked: ${formatCount(d.ok)} match${d.sizeOnly ? ` (${formatCount(d.sizeOnly)} by size only: the server keeps no checksum)` : ''}, ${formatCount(d.corrupt)} differ, ${formatCount(d.missing)} missing`
        : d.note ?? 'cannot be checked'
      out(`${d.name}: ${counts}${d.error ? ` — ${d.error}` : ''}`)
      if (d.requeued > 0) out(`  ${formatCount(d.requeued)} will be uploaded again from the library with the next upload.`)
    }
  }
  if (summary.error) ctx.stderr.write(`cradle verify: ${summary.error}\n`)
  return damaged > 0 || destinationProblems.length > 0 || summary.error ? 1 : 0
}

export const verifyCommand: CliCommand = {
  name: 'verify',
  usage: USAGE,
  dataFolder: 'exclusive-if-exists',
  run,
}
