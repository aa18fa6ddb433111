/**
 * `cradle backup --once [--json]`: imports from every trusted phone attached now, uploads what is
 * new to every destination, then exits. A terminal gets a progress line; --json gets JSON lines
 * ending in a summary { imported, alreadyHad, unavailable, unreadable, failed, bytes, uploads }.
 * Exit status 1 also when files could not be read from a phone ("couldn't read"): something that
 * was asked for did not happen, and a script must not take the run for complete. Files in iCloud
 * only are reported but are not a failure: the phone does not have them to give.
 */
import { parseArgs } from 'node:util'
import { describeError } from '../../../../shared/error-text.js'
import { formatPhotos } from '../../../../shared/format.js'
import type { CradleError } from '../../../../shared/errors.js'
import type { AppState, DeviceView } from '../../../../shared/state.js'
import { NO_COUNTS, type BackupCounts } from '../../../engine/backup-run.js'
import type { SessionResult } from '../../../engine/phone-session.js'
import { startHeadlessEngine } from '../../headless-engine.js'
import { openHeadlessSecrets } from '../../headless-secrets.js'
import { UsageError, type CliCommand, type CliContext } from '../command.js'
import { currentPlatform } from '../platform.js'
import { renderProgressLine } from '../progress-line.js'

const USAGE = `Usage: cradle backup --once [--json] [--no-upload]

Imports every new photo and video from each trusted iPhone connected now into the library,
uploads what is new to your destinations, then exits. Phones that have not trusted this
computer are skipped (run "cradle pair" first).

Options:
  --once        required: run one backup and exit (the background mode is "cradle serve")
  --json        JSON lines: progress, one line per phone, then a summary
  --no-upload   import only; leave uploads for later
Summary: new, already safe, in iCloud only (the iPhone does not have the original; backed up once
it downloads it), couldn't read (the iPhone refused the file; tried again next time), failed.
Exit status: 0 done (iCloud-only files do not count against it), 1 something failed or some files
could not be read (one line on stderr says what), 2 usage error.`

export interface BackupSummary {
  type: 'summary'
  phones: number
  imported: number
  alreadyHad: number
  unavailable: number
  /** Exactly, from the phone's Photos library (0 where it could not be read). */
  inICloudOnly: number
  /** Files of photos in Recently Deleted that were not copied. */
  inRecentlyDeleted: number
  /** Files a phone refused to give (an AFC status other than iCloud's): "couldn't read". */
  unreadable: number
  failed: number
  bytes: number
  /** Per destination, in photos and videos (a Live Photo's still and video are one). */
  uploads: { destination: string; done: number; pending: number; failed: number; problem: string | null }[]
  errors: string[]
}

function describe(error: CradleError, name: string): string {
  // --once never starts the Trust flow (nobody may be at the phone): send the user to `cradle pair`.
  if (error.code === 'pairing-pending') return `${name} has not trusted this computer yet. Run "cradle pair" and tap Trust on the iPhone`
  const text = describeError(error.code, { ...error.context, deviceName: name }, currentPlatform())
  return `${text.title}${text.action ? `. ${text.action}` : ''}`
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  let v
  try {
    v = parseArgs({ args, options: { once: { type: 'boolean' }, json: { type: 'boolean' }, 'no-upload': { type: 'boolean' } } }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (!v.once) throw new UsageError('only --once is supported here; "cradle serve" runs in the background')
  const json = v.json === true
  const tty = !json && ctx.stdout.isTTY === true
  const emit = (line: object): void => void (json && ctx.stdout.write(`${JSON.stringify(line)}\n`))

  const secrets = await openHeadlessSecrets(ctx)
  const engine = await startHeadlessEngine(ctx, secrets, { once: true })
  const summary: BackupSummary = { type: 'summary', phones: 0, imported: 0, alreadyHad: 0, unavailable: 0, inICloudOnly: 0, inRecentlyDeleted: 0, unreadable: 0, failed: 0, bytes: 0, uploads: [], errors: [] }
  let lastLine = ''
  let lastJsonAt = 0
  const unsubscribe = engine.subscribe((state: AppState) => {
    for (const d of state.devices) {
      if (!d.connected || !d.progress) continue
      if (tty) {
        const line = renderProgressLine(d.name, d.progress, ctx.stdout.columns ?? 100)
        if (line !== lastLine) ctx.stdout.write(`\r\x1b[2K${line}`)
        lastLine = line
      } else if (json && Date.now() - lastJsonAt > 500) {
        lastJsonAt = Date.now()
        emit({ type: 'progress', udid: d.udid, name: d.name, ...d.progress })
      }
    }
  })
  try {
    const abort = new AbortController()
    ctx.stopSignal.addEventListener('abort', () => {
      abort.abort()
      void engine.stop() // ends the sessions; partial files stay staged for the next run
    }, { once: true })
    let udids: string[] = []
    try {
      udids = (await engine.phones(abort.signal)).filter((p) => p.connection === 'usb').map((p) => p.udid)
    } catch (error) {
      summary.errors.push(describe(error as CradleError, 'iPhone'))
    }
    summary.phones = udids.length
    const report = (udid: string, result: SessionResult): void => {
      const device: DeviceView | undefined = engine.current().devices.find((d) => d.udid === udid)
      const name = device?.name ?? udid
      const c: BackupCounts = result.counts ?? NO_COUNTS
      summary.imported += c.imported
      summary.alreadyHad += c.alreadyHad
      summary.unavailable += c.unavailable
      summary.inICloudOnly += c.inICloudOnly
      summary.inRecentlyDeleted += c.inRecentlyDeleted
      summary.unreadable += c.unreadable
      summary.failed += c.failed
      summary.bytes += c.bytes
      const error = result.error ? describe(result.error, name) : null
      if (error) summary.errors.push(`${name}: ${error}`)
      if (tty) ctx.stdout.write('\r\x1b[2K')
      const photoLibrary = device?.photoLibrary ?? null
      emit({ type: 'phone', udid, name, ...c, photoLibrary, error })
      if (!json) {
        ctx.stdout.write(`${name}: ${c.imported} new, ${c.alreadyHad} already safe${c.unavailable ? `, ${c.unavailable} in iCloud only` : ''}${c.inICloudOnly ? `, ${c.inICloudOnly} in iCloud only (the Photos library says)` : ''}${c.inRecentlyDeleted ? `, ${c.inRecentlyDeleted} in Recently Deleted not copied` : ''}${c.unreadable ? `, couldn't read ${c.unreadable}` : ''}${c.failed ? `, ${c.failed} failed` : ''}${error ? ` — ${error}` : ''}\n`)
        if (photoLibrary?.note) ctx.stdout.write(`${name}: ${photoLibrary.note}\n`)
      }
    }
    await Promise.all(
      udids.map((udid) =>
        engine.sessionResult(udid, abort.signal).then(
          (result) => report(udid, result),
          (error: CradleError) => report(udid, { counts: null, error }),
        ),
      ),
    )
    if (udids.length === 0 && summary.errors.length === 0) summary.errors.push('No iPhone is connected. Connect your iPhone with a cable.')

    if (!v['no-upload'] && !abort.signal.aborted) await engine.drainUploads(abort.signal)
    for (const d of engine.current().destinations) {
      const problem = d.problem ? `${d.problem.message}${d.problem.action ? `. ${d.problem.action}` : ''}` : null
      summary.uploads.push({ destination: d.name, done: d.counts.done, pending: d.counts.pending, failed: d.counts.failed, problem })
      // Something asked for that did not happen is an error, so cron and systemd see it (exit 1);
      // with --no-upload no upload was asked for.
      if (problem) summary.errors.push(`${d.name}: ${problem}`)
      else if (d.counts.failed > 0 && !v['no-upload']) summary.errors.push(`${d.name}: ${formatPhotos(d.counts.failed)} not uploaded${d.waitingReason ? ` (${d.waitingReason})` : ''}; "cradle status" lists them`)
      else if (d.counts.pending > 0 && !v['no-upload']) summary.errors.push(`${d.name}: ${formatPhotos(d.counts.pending)} still waiting to upload${d.waitingReason ? ` (${d.waitingReason})` : ''}; the next run continues`)
      if (!json) ctx.stdout.write(`${d.name}: ${formatPhotos(d.counts.done)} uploaded, ${d.counts.pending} waiting, ${d.counts.failed} failed${problem ? ` — ${problem}` : ''}\n`)
    }
    if (abort.signal.aborted) summary.errors.push('Stopped before the end; the next run continues where this one stopped.')
  } finally {
    unsubscribe()
    await engine.stop()
  }
  emit(summary)
  if (!json) ctx.stdout.write(`Done: ${summary.imported} new, ${summary.alreadyHad} already safe, ${summary.unavailable} in iCloud only, couldn't read ${summary.unreadable}, ${summary.failed} failed.\n`)
  if (summary.errors.length > 0 || summary.failed > 0 || summary.unreadable > 0) {
    const unread = summary.unreadable > 0 ? `${summary.unreadable} ${summary.unreadable === 1 ? 'file' : 'files'} could not be read from the iPhone; the next backup tries again ("cradle status" counts them)` : null
    ctx.stderr.write(`cradle backup: ${summary.errors[0] ?? unread ?? `${summary.failed} files could not be imported`}\n`)
    return 1
  }
  return 0
}

export const backupCommand: CliCommand = {
  name: 'backup',
  usage: USAGE,
  dataFolder: 'exclusive',
  run,
}
