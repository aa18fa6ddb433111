/**
 * The background scrub on a real catalog and library folder, driven by a test clock and a power
 * source the test switches: what falls due, throttled reads, AC power only, and what it shows.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import { BackgroundScrub } from '../../../src/main/engine/background-scrub.js'
import type { Clock, PowerSource } from '../../../src/main/engine/ports.js'
import { createLogger } from '../../../src/main/logging/logger.js'
import { defaultSettings, type Settings } from '../../../src/shared/settings.js'
import type { ScrubView } from '../../../src/shared/state.js'
import { ABORT, fixture, listing, memorySource, sourceFile, tempLibrary, type TempLibrary } from '../library/helpers.js'

const DAY = 86_400_000

/** Sleeps under a minute (the scrub's pacing) pass at once and are recorded; longer ones wait for advance(). */
class TestClock implements Clock {
  t = Date.UTC(2026, 0, 1)
  readonly paces: number[] = []
  private waits: { at: number; resolve: () => void }[] = []
  waiting = 0
  private waitListeners: (() => void)[] = []
  now(): number {
    return this.t
  }
  /** This clock never jumps: the monotonic one is the same time. */
  monotonic(): number {
    return this.t
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms < 60_000) {
      this.paces.push(ms)
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const entry = { at: this.t + ms, resolve: () => resolve() }
      this.waits.push(entry)
      this.waiting++
      for (const l of this.waitListeners.splice(0)) l()
      signal?.addEventListener('abort', () => {
        this.waits = this.waits.filter((w) => w !== entry)
        this.waiting--
        reject(new Error('aborted'))
      }, { once: true })
    })
  }
  /** Resolves once the loop is parked in a long wait. */
  parked(): Promise<void> {
    return this.waiting > 0 ? Promise.resolve() : new Promise((r) => this.waitListeners.push(r))
  }
  advance(ms: number): void {
    this.t += ms
    for (const w of this.waits.filter((x) => x.at <= this.t)) {
      this.waits = this.waits.filter((x) => x !== w)
      this.waiting--
      w.resolve()
    }
  }
}

class TestPower implements PowerSource {
  ac: boolean | null = true
  private listeners = new Set<() => void>()
  onAcPower(): boolean | null {
    return this.ac
  }
  onChange(cb: () => void): () => void {
    this.listeners.add(cb)
    return () => this.listeners.delete(cb)
  }
  set(ac: boolean): void {
    this.ac = ac
    for (const l of [...this.listeners]) l()
  }
}

const FILES: Record<string, Buffer> = {
  '/DCIM/100APPLE/IMG_0001.JPG': fixture('photo.jpg'),
  '/DCIM/100APPLE/IMG_0002.JPG': fixture('nooffset.jpg'),
  '/DCIM/100APPLE/IMG_0003.MOV': fixture('plain.mov'),
}
const TOTAL_BYTES = Object.values(FILES).reduce((n, b) => n + b.length, 0)

let t: TempLibrary
let scrub: BackgroundScrub | null = null
afterEach(async () => {
  await scrub?.stop()
  scrub = null
  t?.cleanup()
})

async function setUp(clock: TestClock): Promise<Map<string, string>> {
  t = tempLibrary({ now: () => clock.now() })
  t.lib.beginConnection({ udid: 'A', name: 'A' })
  const plan = t.lib.planScan('A', listing(Object.entries(FILES).map(([p, b]) => sourceFile(p, b.length))), 1)
  const paths = new Map<string, string>()
  for (const f of plan.toImport) paths.set(f.path, (await t.lib.importFile(f.id, memorySource(FILES[f.path]!), { signal: ABORT })).libraryPath!)
  return paths
}

let onView: (v: ScrubView) => void = () => undefined

function start(clock: TestClock, power: TestPower, settings: Partial<Settings> = {}, bytesPerSecond = 100_000): { views: ScrubView[]; scrub: BackgroundScrub } {
  const views: ScrubView[] = []
  onView = () => undefined
  const s = new BackgroundScrub({
    library: () => t.lib,
    settings: () => ({ ...defaultSettings(t.root), ...settings }),
    power,
    clock,
    log: createLogger('test'),
    onChange: () => {
      views.push(s.current())
      onView(s.current())
    },
    bytesPerSecond,
  })
  scrub = s
  s.start()
  return { views, scrub: s }
}

describe('background scrub', () => {
  it('waits until files fall due (an import counts as a check), then re-reads them throttled and shows the result', async () => {
    const clock = new TestClock()
    const paths = await setUp(clock)
    const importedAt = clock.now()
    const { views, scrub: s } = start(clock, new TestPower(), { scrubEveryDays: 30 })
    await clock.parked()
    expect(s.current()).toMatchObject({ progress: null, last: null, waiting: null, nextAt: importedAt + 30 * DAY })

    // A file goes bad on disk while nobody looks.
    const bad = path.join(t.root, paths.get('/DCIM/100APPLE/IMG_0002.JPG')!)
    const bytes = fs.readFileSync(bad)
    bytes[100]! ^= 0xff
    fs.writeFileSync(bad, bytes)

    const ended = s.nextPassEnd()
    clock.advance(30 * DAY)
    await ended
    expect(s.current()).toMatchObject({ progress: null, last: { finishedAt: clock.now(), checked: 3, corrupt: 1, missing: 0 }, damaged: 1 })
    expect(views.some((v) => v.progress !== null && v.progress.checked < v.progress.total)).toBe(true)
    // Throttled: the pauses add up to the bytes at 100 kB/s (within one pacing slice).
    const paused = clock.paces.reduce((n, ms) => n + ms, 0)
    expect(paused).toBeGreaterThan((TOTAL_BYTES / 100_000) * 1000 - 300)
    expect(paused).toBeLessThanOrEqual((TOTAL_BYTES / 100_000) * 1000 + 1)
    expect(t.lib.damagedCount()).toBe(1)
    expect(t.lib.lastScrub()).toMatchObject({ kind: 'background', checked: 3, corrupt: 1 })
    // Next due: an interval after this pass.
    await clock.parked()
    expect(s.current().nextAt).toBe(clock.now() + 30 * DAY)
  })

  it('runs only on AC power: waits on battery, stops a pass when the plug is pulled, goes on when it is back', async () => {
    const clock = new TestClock()
    await setUp(clock)
    const power = new TestPower()
    power.ac = false
    clock.advance(31 * DAY)
    const { views, scrub: s } = start(clock, power, { scrubEveryDays: 30 })
    await clock.parked()
    expect(s.current()).toMatchObject({ waiting: 'power', progress: null })
    expect(t.lib.lastScrub()).toBeNull()
    expect(clock.paces).toEqual([])

    // On AC: it starts; the plug is pulled as soon as the first file was checked.
    const firstEnd = s.nextPassEnd()
    onView = (v) => {
      if (v.progress && v.progress.checked >= 1 && power.ac) power.set(false)
    }
    power.set(true)
    await firstEnd
    onView = () => undefined
    expect(views.some((v) => v.progress?.checked === 1)).toBe(true)
    expect(t.lib.lastScrub()).toBeNull() // an interrupted pass is not a result
    await clock.parked()
    expect(s.current()).toMatchObject({ waiting: 'power', progress: null })

    const secondEnd = s.nextPassEnd()
    power.set(true)
    await secondEnd
    // Only what the interrupted pass had not checked is read again.
    expect(t.lib.lastScrub()).toMatchObject({ checked: 2, corrupt: 0, missing: 0 })
    expect(s.current()).toMatchObject({ waiting: null, damaged: 0 })
  })

  it('an empty library has no next check; the first import gives it one', async () => {
    const clock = new TestClock()
    t = tempLibrary({ now: () => clock.now() })
    const { scrub: s } = start(clock, new TestPower(), { scrubEveryDays: 30 })
    await clock.parked()
    expect(s.current().nextAt).toBeNull()
    t.lib.beginConnection({ udid: 'A', name: 'A' })
    const plan = t.lib.planScan('A', listing([sourceFile('/DCIM/100APPLE/IMG_0001.JPG', FILES['/DCIM/100APPLE/IMG_0001.JPG']!.length)]), 1)
    await t.lib.importFile(plan.toImport[0]!.id, memorySource(FILES['/DCIM/100APPLE/IMG_0001.JPG']!), { signal: ABORT })
    const rescheduled = new Promise<void>((resolve) => (onView = (v) => v.nextAt !== null && resolve()))
    s.libraryChanged()
    await rescheduled
    expect(s.current().nextAt).toBe(clock.now() + 30 * DAY)
  })

  it('off (scrubEveryDays null): never reads, no next time', async () => {
    const clock = new TestClock()
    await setUp(clock)
    clock.advance(400 * DAY)
    const { scrub: s } = start(clock, new TestPower(), { scrubEveryDays: null })
    await clock.parked()
    expect(s.current()).toMatchObject({ nextAt: null, progress: null })
    expect(clock.paces).toEqual([])
    expect(t.lib.lastScrub()).toBeNull()
  })

  it('a missing library drive: waits with "library", marks nothing', async () => {
    const clock = new TestClock()
    await setUp(clock)
    fs.rmSync(path.join(t.root, '.cradle-library'))
    clock.advance(31 * DAY)
    const { scrub: s } = start(clock, new TestPower(), { scrubEveryDays: 30 })
    await s.nextPassEnd()
    expect(s.current()).toMatchObject({ waiting: 'library', damaged: 0 })
    expect(t.lib.damagedCount()).toBe(0)
  })
})
