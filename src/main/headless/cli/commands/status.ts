/**
 * `cradle status [--json]`: what is safe — library size, each phone's last backup and counts,
 * the import queue, and every destination's uploads with the reasons for failures. Reads the
 * catalog in --data; needs no phone and no running Cradle.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { formatBytes, formatCount, formatWhen } from '../../../../shared/format.js'
import { defaultSettings } from '../../../../shared/settings.js'
import { uploadsSchema } from '../../../destinations/queue/uploads-schema.js'
import { UploadManager, type DestinationStatusCounts } from '../../../destinations/upload-manager.js'
import { History, historySchema } from '../../../engine/history.js'
import { CATALOG_FILE, Library } from '../../../library/library.js'
import { loadSettings } from '../../../library/settings-store.js'
import { memorySecretStore } from '../../memory-secret-store.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'
import { currentPlatform } from '../platform.js'

const USAGE = `Usage: cradle status [--json]

Shows what is safe: the library, each iPhone's last backup and counts, the import queue,
and every destination's uploads (done, waiting, failed with the reason).

Options:
  --json    one JSON object with the same facts`

export interface StatusReport {
  library: { path: string; items: number; bytes: number; freeBytes: number | null; available: boolean }
  phones: { udid: string; name: string; model: string; lastBackupAt: number | null; itemsOnPhone: number; itemsSafe: number; itemsNotOnPhone: number; itemsUnreadable: number }[]
  queue: { pending: number; failed: number; notOnPhone: number; done: number }
  destinations: DestinationStatusCounts[]
  lastRun: { at: number; sourceName: string; imported: number; error: string | null } | null
}

export async function readStatus(ctx: CliContext): Promise<StatusReport> {
  const loaded = loadSettings(ctx.dataDir, defaultSettings(ctx.libraryDir))
  const settings = ctx.libraryDirExplicit ? { ...loaded.settings, libraryPath: ctx.libraryDir } : loaded.settings
  const fresh = !fs.existsSync(path.join(ctx.dataDir, CATALOG_FILE))
  const library = Library.open(ctx.dataDir, settings, { extraModules: [uploadsSchema, historySchema] })
  try {
    const view = fresh ? { path: library.root, assetCount: 0, bytes: 0, freeBytes: null, available: fs.existsSync(library.root) } : await library.view()
    const counts = library.queueCounts()
    const uploads = new UploadManager({ db: library.db, libraryRoot: library.root, secrets: memorySecretStore(), platform: currentPlatform() })
    const last = new History(library.db).recent(1)[0]
    return {
      library: { path: view.path, items: view.assetCount, bytes: view.bytes, freeBytes: view.freeBytes, available: view.available },
      phones: library.devices().filter((d) => d.kind === 'phone').map((d) => ({
        udid: d.udid,
        name: d.name,
        model: d.productType ?? '',
        lastBackupAt: d.lastBackupAt,
        ...library.deviceCounts(d.udid),
      })),
      queue: { pending: counts.pending, failed: counts.failed, notOnPhone: counts.notOnPhone, done: counts.done },
      destinations: uploads.statusCounts(),
      lastRun: last ? { at: last.at, sourceName: last.sourceName, imported: last.imported, error: last.error ? last.error.message : null } : null,
    }
  } finally {
    library.close()
  }
}

export function renderStatus(r: StatusReport, now = Date.now()): string {
  const lines: string[] = []
  const free = r.library.freeBytes === null ? '' : ` · ${formatBytes(r.library.freeBytes)} free`
  lines.push(`Library  ${r.library.path}${r.library.available ? '' : ' (not there — is the drive connected?)'}`)
  lines.push(`         ${formatCount(r.library.items)} items · ${formatBytes(r.library.bytes)}${free}`)
  lines.push('Phones')
  if (r.phones.length === 0) lines.push('  none yet — connect your iPhone with a cable')
  for (const p of r.phones) {
    const when = p.lastBackupAt ? `last backup ${formatWhen(p.lastBackupAt, now)}` : 'never backed up'
    const icloud = p.itemsNotOnPhone ? `, ${formatCount(p.itemsNotOnPhone)} in iCloud only` : ''
    const unread = p.itemsUnreadable ? `, couldn't read ${formatCount(p.itemsUnreadable)}` : ''
    lines.push(`  ${p.name} · ${when} · ${formatCount(p.itemsOnPhone)} on the phone, ${formatCount(p.itemsSafe)} safe${icloud}${unread}`)
  }
  lines.push(`Queue    ${formatCount(r.queue.pending)} waiting · ${formatCount(r.queue.failed)} failed · ${formatCount(r.queue.notOnPhone)} not on the iPhone`)
  lines.push('Destinations')
  if (r.destinations.length === 0) lines.push('  none — add one with "cradle destination add"')
  for (const d of r.destinations) {
    lines.push(`  ${d.name} (${d.kind}) · ${formatCount(d.done)} uploaded · ${formatCount(d.pending)} waiting · ${formatCount(d.failed)} failed`)
    if (d.problem) lines.push(`     ${d.problem.message}${d.problem.action ? ` — ${d.problem.action}` : ''}`)
    for (const f of d.failures) lines.push(`     ${formatCount(f.count)} × ${f.message}`)
  }
  return lines.join('\n')
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  let v
  try {
    v = parseArgs({ args, options: { json: { type: 'boolean' } } }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const report = await readStatus(ctx)
  ctx.stdout.write(v.json ? `${JSON.stringify(report)}\n` : `${renderStatus(report)}\n`)
  return 0
}

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'library and queue counts, last backup per phone, destinations',
  usage: USAGE,
  run,
}
