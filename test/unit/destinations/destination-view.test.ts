import { describe, expect, it } from 'vitest'
import { CradleError } from '../../../src/shared/errors.js'
import type { DestinationRecord } from '../../../src/main/destinations/destination-store.js'
import type { DestinationRunner } from '../../../src/main/destinations/destination-runner.js'
import { toView } from '../../../src/main/destinations/destination-view.js'
import type { DestinationCounts } from '../../../src/main/destinations/queue/upload-queue.js'

const record: DestinationRecord = {
  id: 'd1', name: 'Immich', kind: 'immich', config: { url: 'http://photos.lan:2283' }, skipRoles: [], createdAt: 0, problem: null, state: {}, space: null,
}
const counts: DestinationCounts = { done: 3, pending: 2, uploading: 0, failed: 0, skipped: 0, deduped: 0, pendingBytes: 10, waitingFiles: 2 }

/** Only the fields toView reads from a runner. */
function runner(fields: { hold: { kind: 'backoff' | 'quota'; until: number } | null; lastError: CradleError | null }): DestinationRunner {
  return { problem: null, currentHold: fields.hold, inflightCount: 0, lastError: fields.lastError, destination: {}, speed: { bytesPerSecond: () => 0 } } as unknown as DestinationRunner
}

describe('destination view', () => {
  it('says why a destination waits, not only how long', () => {
    const view = toView(record, counts, runner({ hold: { kind: 'backoff', until: 9_000 }, lastError: new CradleError('destination-unreachable', 'ECONNREFUSED') }), { paused: false, gate: null, now: 0 })
    expect(view.status).toBe('waiting')
    expect(view.waitingReason).toBe("Can't reach Immich — retrying in 9 s")
  })

  it('carries the commonest failure reason only while files have failed', () => {
    const env = { paused: false, gate: null, now: 0, failedReason: 'Immich did not accept a file' }
    expect(toView(record, { ...counts, failed: 4 }, null, env).failedReason).toBe('Immich did not accept a file')
    expect(toView(record, counts, null, env).failedReason).toBeNull()
  })

  it('falls back to the time alone when the cause is unknown', () => {
    const view = toView(record, counts, runner({ hold: { kind: 'backoff', until: 2_500 }, lastError: null }), { paused: false, gate: null, now: 0 })
    expect(view.waitingReason).toBe('Retrying in 3 s')
  })

  it('shows a permanent problem as an error with its words, naming the fix for a refused key', () => {
    const stopped = { ...record, problem: { code: 'destination-auth' as const, detail: '401', context: {}, at: 0 } }
    const view = toView(stopped, counts, null, { paused: false, gate: null, now: 0 })
    expect(view).toMatchObject({ status: 'error', problem: { code: 'destination-auth', message: 'Immich refused the API key', action: 'Update the API key.' } })
    expect(view.config).toEqual(record.config)
  })
})
