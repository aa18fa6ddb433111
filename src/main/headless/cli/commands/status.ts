/**
 * `cradle status [--json]`: what is safe — library size, each phone's last backup and counts,
 * the import queue, and every destination's uploads with the reasons for failures. Reads the
 * catalog in --data; needs no phone and no running Cradle. While another Cradle holds the data
 * folder it reads beside it (read-only, nothing migrated) instead of being refused: a status
 * that only works when nothing runs would be no use for a server that always runs.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { formatBytes, formatCount, formatPhotos, formatWhen } from '../../../../shared/format.js'
import { placesLine, safetySentence } from '../../../../shared/safety-text.js'
import { spaceText } from '../../../../shared/space-text.js'
import { uploadBatchText } from '../../../../shared/history-text.js'
import type { PhotoLibraryView, SafetyView } from '../../../../shared/state.js'
import { defaultSettings } from '../../../../shared/settings.js'
import { uploadsSchema } from '../../../destinations/queue/uploads-schema.js'
import { UploadManager, type DestinationStatusCounts } from '../../../destinations/upload-manager.js'
import { History, historySchema } from '../../../engine/history.js'
import { safetyLedger } from '../../../engine/safety-ledger.js'
import { tryLockDataFolder, type DataFolderHolder } from '../../../data-folder/data-folder-lock.js'
import { CATALOG_FILE, Library } from '../../../library/library.js'
import type { DeviceCounts } from '../../../library/scan-plan.js'
import { photoLibraryView } from '../../../photos/library-view.js'
import { rebuiltNotice } from '../rebuilt-notice.js'
import { loadSettings } from '../../../library/settings-store.js'
import { memorySecretStore } from '../../memory-secret-store.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'
import { currentPlatform } from '../platform.js'

const USAGE = `Usage: cradle status [--json]

Shows what is safe: where your photos are (the library and each destination, in total and
per iPhone: "12,431 photos and videos · safe in 3 places · 2 in iCloud only"), the library and its last
check, each iPhone's last backup and counts, the import queue, and every destination's uploads
(done, waiting, failed with the reason), its space as last measured, and its last batch from
History ("Uploaded 210 photos and videos to Immich", "12 not uploaded to NAS: NAS is full").

While another Cradle (the desktop app, cradle serve) uses the same data folder, status reads
its catalog beside it without changing anything and says which Cradle that is; the counts are
what it has recorded so far.

Options:
  --json    one JSON object with the same facts`

export interface StatusReport {
  library: { path: string; items: number; bytes: number; freeBytes: number | null; available: boolean }
  phones: ({ udid: string; name: string; model: string; lastBackupAt: number | null; photoLibrary: PhotoLibraryView | null } & DeviceCounts)[]
  queue: { pending: number; failed: number; notOnPhone: number; done: number }
  destinations: DestinationStatusCounts[]
  /** The last import of any phone (History's newest import entry). */
  lastRun: { at: number; sourceName: string; imported: number; error: string | null } | null
  /**
   * History's destination batches, newest first: photos and videos uploaded and not uploaded (with
   * the reason), files and bytes; `text` is the line the window shows.
   */
  uploadHistory: { at: number; destination: string; uploaded: number; notUploaded: number; files: number; failedFiles: number; bytes: number; reason: string | null; text: string }[]
  /** The safety ledger: where the photos are safe, in total and per phone. */
  safety: SafetyView
  /** The last full check of the library (cradle verify or the background scrub) and what is damaged now. */
  check: { lastAt: number | null; checked: number; corrupt: number; missing: number; damaged: number }
  /** The Cradle that held the data folder while status read beside it (null: none ran). */
  runningCradle: { pid: number | null; command: string | null; since: number | null } | null
}

function describeHolder(holder: DataFolderHolder | null): NonNullable<StatusReport['runningCradle']> {
  return holder ? { pid: holder.pid, command: holder.command, since: holder.since } : { pid: null, command: null, since: null }
}

export async function readStatus(ctx: CliContext): Promise<StatusReport> {
  const attempt = tryLockDataFolder(ctx.dataDir, 'cradle status')
  try {
    const loaded = loadSettings(ctx.dataDir, defaultSettings(ctx.libraryDir))
    const settings = ctx.libraryDirExplicit ? { ...loaded.settings, libraryPath: ctx.libraryDir } : loaded.settings
    const fresh = !fs.existsSync(path.join(ctx.dataDir, CATALOG_FILE))
    const modules = { extraModules: [uploadsSchema, historySchema] }
    let library: Library
    if (attempt.lock) {
      const opened = await Library.openChecked(ctx.dataDir, settings, modules)
      library = opened.library
      if (opened.rebuilt) ctx.stderr.write(`cradle status: ${rebuiltNotice(opened.rebuilt)}\n`)
    } else {
      library = Library.openReadOnly(ctx.dataDir, settings, modules)
    }
    try {
      return { ...(await report(library, fresh)), runningCradle: attempt.lock ? null : describeHolder(attempt.heldBy) }
    } finally {
      library.close()
    }
  } finally {
    attempt.lock?.release()
  }
}

async function report(library: Library, fresh: boolean): Promise<Omit<StatusReport, 'runningCradle'>> {
  const view = fresh ? { path: library.root, assetCount: 0, bytes: 0, freeBytes: null, available: fs.existsSync(library.root) } : await library.view()
  const counts = library.queueCounts()
  const uploads = new UploadManager({ db: library.db, libraryRoot: library.root, secrets: memorySecretStore(), platform: currentPlatform() })
  const history = new History(library.db)
  const last = history.recent(1, 'import')[0]
  const uploadHistory = history.recent(20, 'upload').map((h) => ({
    at: h.at, destination: h.sourceName, uploaded: h.photosImported, notUploaded: h.photosNotBackedUp,
    files: h.imported, failedFiles: h.failed, bytes: h.bytes, reason: h.error?.message ?? null, text: uploadBatchText(h),
  }))
  const destinations = uploads.statusCounts()
  const scrub = library.lastScrub()
  return {
    library: { path: view.path, items: view.assetCount, bytes: view.bytes, freeBytes: view.freeBytes, available: view.available },
    phones: library.devices().filter((d) => d.kind === 'phone').map((d) => ({
      udid: d.udid,
      name: d.name,
      model: d.productType ?? '',
      lastBackupAt: d.lastBackupAt,
      ...library.deviceCounts(d.udid),
      // The phone's own Photos library at its last read: completeness, and files that do not add up.
      photoLibrary: photoLibraryView(library.db, d.udid),
    })),
    queue: { pending: counts.pending, failed: counts.failed, notOnPhone: counts.notOnPhone, done: counts.done },
    destinations,
    safety: safetyLedger(library.db, destinations.map((d) => ({ id: d.id, name: d.name }))),
    check: { lastAt: scrub?.finishedAt ?? null, checked: scrub?.checked ?? 0, corrupt: scrub?.corrupt ?? 0, missing: scrub?.missing ?? 0, damaged: library.damagedCount() },
    lastRun: last ? { at: last.at, sourceName: last.sourceName, imported: last.imported, error: last.error ? last.error.message : null } : null,
    uploadHistory,
  }
}

export function renderStatus(r: StatusReport, now = Date.now()): string {
  const lines: string[] = []
  if (r.runningCradle) {
    const c = r.runningCradle
    const who = c.pid !== null ? ` (pid ${c.pid}, ${c.command}, since ${formatWhen(c.since ?? now, now)})` : ''
    lines.push(`Another Cradle${who} is using this data folder; these are the counts it has recorded so far.`)
  }
  const free = r.library.freeBytes === null ? '' : ` · ${formatBytes(r.library.freeBytes)} free`
  lines.push(`Safe     ${safetySentence(r.safety.total)}`)
  if (r.safety.total.items > 0) lines.push(`         ${placesLine(r.safety.total.places)}`)
  lines.push(`Library  ${r.library.path}${r.library.available ? '' : ' (not there — is the drive connected?)'}`)
  lines.push(`         ${formatCount(r.library.items)} items · ${formatBytes(r.library.bytes)}${free}`)
  const checked = r.check.lastAt === null ? 'not checked since import ("cradle verify" checks every file)' : `last checked ${formatWhen(r.check.lastAt, now)}: ${formatCount(r.check.checked)} files`
  lines.push(`         ${checked}${r.check.damaged > 0 ? ` · ${formatCount(r.check.damaged)} damaged, restored by the next backup from the iPhone` : ''}`)
  lines.push('Phones')
  if (r.phones.length === 0) lines.push('  none yet — connect your iPhone with a cable')
  for (const p of r.phones) {
    const when = p.lastBackupAt ? `last backup ${formatWhen(p.lastBackupAt, now)}` : 'never backed up'
    // Counted as the Photos app counts (photos and videos; a Live Photo is one), as the window does.
    const ph = p.photos
    const inICloudOnly = Math.max(ph.inICloudOnly, p.itemsInICloudOnly)
    const icloud = inICloudOnly ? `, ${formatCount(inICloudOnly)} in iCloud only` : ''
    const unread = ph.unreadable ? `, couldn't read ${formatCount(ph.unreadable)}` : ''
    const trashed = ph.inRecentlyDeleted ? `, ${formatCount(ph.inRecentlyDeleted)} in Recently Deleted not copied` : ''
    lines.push(`  ${p.name} · ${when} · ${formatPhotos(ph.onPhone)} on the iPhone, ${formatCount(ph.safe)} safe${icloud}${trashed}${unread}`)
    if (p.photoLibrary?.note) lines.push(`    ${p.photoLibrary.note}`)
    const ledger = r.safety.phones.find((s) => s.udid === p.udid)
    if (ledger && ledger.items > 0) lines.push(`     ${safetySentence(ledger)} · ${placesLine(ledger.places)}`)
  }
  lines.push(`Queue    ${formatCount(r.queue.pending)} waiting · ${formatCount(r.queue.failed)} failed · ${formatCount(r.queue.notOnPhone)} in iCloud only`)
  lines.push('Destinations')
  if (r.destinations.length === 0) lines.push('  none — add one with "cradle destination add"')
  for (const d of r.destinations) {
    lines.push(`  ${d.name} (${d.kind}) · ${formatPhotos(d.done)} uploaded · ${formatCount(d.pending)} waiting · ${formatCount(d.failed)} failed`)
    // The last figure a running Cradle measured (status asks no service: it has no keys).
    lines.push(`     Space: ${d.space ? `${spaceText(d.space)} (${formatWhen(d.space.checkedAt, now)})` : 'not measured yet'}`)
    if (d.problem) lines.push(`     ${d.problem.message}${d.problem.action ? ` — ${d.problem.action}` : ''}`)
    for (const f of d.failures) lines.push(`     ${formatCount(f.count)} × ${f.message}`)
    const batch = r.uploadHistory.find((h) => h.destination === d.name)
    if (batch) lines.push(`     last batch ${formatWhen(batch.at, now)}: ${batch.text}`)
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
  usage: USAGE,
  run,
}
