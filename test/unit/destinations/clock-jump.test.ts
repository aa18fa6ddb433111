/**
 * Retry and backoff deadlines run on the monotonic clock: a wall clock set back a day while an
 * upload waits to be retried (or while Cradle is not running) does not hold it for a day. Time is
 * an InstantClock, whose sleeps are recorded: a day's stall shows as a day-long sleep.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { UploadManager, type UploadManagerDeps } from '../../../src/main/destinations/upload-manager.js'
import { InstantClock } from '../../fakes/fake-clock.js'
import { ScriptedDestination } from '../../fakes/scripted-destination.js'
import { makeTestLibrary, memorySecrets, type TestLibrary } from '../../fakes/test-library.js'

const DAY = 86_400_000

/** Sets the wall clock back a day during the first wait of at least `minMs` (a backoff or Retry-After wait). */
class JumpingClock extends InstantClock {
  jumped = false
  constructor(private readonly minMs: number) {
    super()
  }
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.jumped && ms >= this.minMs) {
      this.jumped = true
      this.jumpWall(-DAY)
    }
    return super.sleep(ms, signal)
  }
}

/** Resolves once `cond` holds, re-checking after each turn of the event loop (the clock is virtual). */
async function settle(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r))
}

describe('a wall clock set back a day', () => {
  let lib: TestLibrary
  let manager: UploadManager
  let dest: ScriptedDestination
  const make = (clock: InstantClock, extra: Partial<UploadManagerDeps> = {}): UploadManager => new UploadManager({
    db: lib.db, libraryRoot: lib.root, secrets: memorySecrets(), clock, random: () => 0.5,
    settings: { uploadOnlyOnAcPower: false, uploadLimitMBps: null },
    tuning: { stallTimeoutMs: 2_000, maxAttempts: 5, probeAfter: 3, backoff: { baseMs: 1_000, capMs: 60_000 }, checkBatch: 100 },
    factory: () => dest,
    ...extra,
  })
  beforeEach(() => {
    lib = makeTestLibrary()
  })
  afterEach(async () => {
    await manager?.stop()
    lib.cleanup()
  })

  it('does not stall a retry waiting on Retry-After', async () => {
    const clock = new JumpingClock(10_000)
    dest = new ScriptedDestination(2, () => clock.now())
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    manager = make(clock)
    dest.on(a.id, { fail: 'destination-unreachable', context: { retryAfterMs: 30_000 } })
    await manager.add({ kind: 'folder', name: 'NAS', config: { path: '/tmp/nas' } })
    manager.start()
    await settle(() => manager.statusCounts()[0]!.done === 1)
    expect(clock.jumped).toBe(true)
    expect(dest.count(a.id)).toBe(2)
    // Waited the 30 s it was asked to, in real (monotonic) time, and nothing like a day (each
    // worker's wait is recorded: the longest is the stall).
    expect(clock.m).toBeGreaterThanOrEqual(30_000)
    expect(Math.max(...clock.sleeps)).toBe(30_000)
  })

  it('does not stall backoff after repeated failures (the whole destination holds)', async () => {
    const clock = new JumpingClock(1_000)
    dest = new ScriptedDestination(2, () => clock.now())
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    manager = make(clock)
    dest.on(a.id, { fail: 'destination-unreachable' }, { fail: 'destination-unreachable' }, { fail: 'destination-unreachable' })
    await manager.add({ kind: 'folder', name: 'NAS', config: { path: '/tmp/nas' } })
    manager.start()
    await settle(() => manager.statusCounts()[0]!.done === 1)
    expect(clock.jumped).toBe(true)
    expect(dest.count(a.id)).toBe(4)
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(60_000)
  })

  it('a retry stored before the clock went back while Cradle was stopped is due at the next start', async () => {
    const first = new InstantClock()
    dest = new ScriptedDestination(2, () => first.now())
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    manager = make(first)
    dest.on(a.id, { fail: 'destination-unreachable', context: { retryAfterMs: 30_000 } })
    await manager.add({ kind: 'folder', name: 'NAS', config: { path: '/tmp/nas' } })
    manager.start()
    await settle(() => dest.count(a.id) === 1 && lib.db.prepare("SELECT next_attempt_at AS t FROM uploads WHERE state = 'pending' AND next_attempt_at > 0").get() !== undefined)
    await manager.stop()

    // Next start: the computer's clock is a day behind now.
    const later = new InstantClock(first.now() - DAY)
    dest = new ScriptedDestination(2, () => later.now())
    manager = make(later)
    manager.start()
    await settle(() => manager.statusCounts()[0]!.done === 1)
    expect(Math.max(0, ...later.sleeps)).toBeLessThanOrEqual(30_000)
  })
})
