/**
 * The DestinationView a UI shows for one destination: status, counts, speed, time left, why it
 * waits, the problem to act on, and Google's quota. Pure apart from reading the runner's state.
 */
import { describeError, toWireError, type Platform } from '../../shared/error-text.js'
import type { DestinationKind, DestinationStatus, DestinationView } from '../../shared/state.js'
import type { DestinationConfigs } from '../../shared/destination-config.js'
import type { DestinationRecord } from './destination-store.js'
import type { DestinationRunner } from './destination-runner.js'
import type { DestinationCounts } from './queue/upload-queue.js'

/** Where it goes, without credentials: a folder, a bucket, a URL. */
export function targetOf(kind: DestinationKind, config: DestinationConfigs[DestinationKind]): string {
  switch (kind) {
    case 'folder':
      return (config as DestinationConfigs['folder']).path
    case 's3': {
      const c = config as DestinationConfigs['s3']
      return `s3://${c.bucket}${c.prefix ? `/${c.prefix}` : ''} (${new URL(c.endpoint).host})`
    }
    case 'webdav':
    case 'immich': {
      const u = new URL((config as { url: string }).url)
      u.username = ''
      u.password = ''
      return u.toString().replace(/\/$/, '')
    }
    case 'google-photos':
      return 'Google Photos'
  }
}

function clockTime(ms: number): string {
  const d = new Date(ms)
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
}

export function toView(
  record: DestinationRecord,
  counts: DestinationCounts,
  runner: DestinationRunner | null,
  env: { paused: boolean; gate: string | null; now: number; platform?: Platform; failedReason?: string | null },
): DestinationView {
  // A full destination re-checks by itself, so it is not a stored problem; it is shown as one
  // all the same, because nothing reaches it until someone frees space.
  const full = runner?.fullError ?? null
  const problem = record.problem ?? runner?.problem ?? (full ? { code: full.code, context: full.context } : null)
  const hold = runner?.currentHold ?? null
  const inflight = runner?.inflightCount ?? 0
  // Counts are photos and videos; whether work is left is about files (a photo whose still failed
  // may still have its video to send).
  const pending = counts.pending + counts.uploading
  const working = counts.waitingFiles > 0
  let status: DestinationStatus = 'ready'
  let waitingReason: string | null = null
  if (problem) status = problem.code === 'destination-auth' && record.kind === 'google-photos' ? 'needs-sign-in' : 'error'
  else if (env.paused) status = 'paused'
  else if (env.gate === 'power' && working) {
    status = 'waiting'
    waitingReason = 'Waiting for AC power'
  } else if (hold && working) {
    status = 'waiting'
    const retry = `retrying in ${Math.max(1, Math.ceil((hold.until - env.now) / 1000))} s`
    // Say why it waits ("Can't reach Immich — retrying in 9 s"), not only for how long.
    const why = runner?.lastError ? describeError(runner.lastError.code, { ...runner.lastError.context, destinationName: record.name }, env.platform).title : null
    waitingReason = hold.kind === 'quota'
      ? `Daily limit; resumes at ${clockTime(hold.until)}`
      : why ? `${why} — ${retry}` : `Retrying in ${retry.slice('retrying in '.length)}`
  } else if (inflight > 0) status = 'uploading'
  else if (working) {
    status = 'waiting'
    waitingReason = 'Retrying soon'
  }
  const bytesPerSecond = runner && status === 'uploading' ? runner.speed.bytesPerSecond() : 0
  const quota = runner?.destination.quota?.() ?? null
  return {
    id: record.id,
    name: record.name,
    kind: record.kind,
    target: targetOf(record.kind, record.config),
    config: record.config,
    status,
    counts: { done: counts.done, pending, failed: counts.failed },
    bytesPerSecond,
    secondsLeft: bytesPerSecond > 0 ? Math.round(counts.pendingBytes / bytesPerSecond) : null,
    waitingReason,
    failedReason: counts.failed > 0 ? env.failedReason ?? null : null,
    problem: problem ? toWireError(problem.code, { ...problem.context, destinationName: record.name, destinationKind: record.kind }, env.platform) : null,
    quota,
    space: record.space,
  }
}
