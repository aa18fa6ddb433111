/**
 * The queue policy end to end with real SQLite and a scripted destination: retries with backoff
 * and Retry-After, permanent errors stopping one destination only, quota parking, pause and
 * power gates, restart resume, stall timeouts. Time is an InstantClock (sleeps are recorded).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import '../../fakes/quiet-logs.js'
import type { PowerSource } from '../../../src/main/engine/ports.js'
import { UploadManager, type UploadBatchSummary, type UploadManagerDeps } from '../../../src/main/destinations/upload-manager.js'
import { InstantClock } from '../../fakes/fake-clock.js'
import { ScriptedDestination } from '../../fakes/scripted-destination.js'
import { makeTestLibrary, memorySecrets, type TestLibrary } from '../../fakes/test-library.js'

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

class FakePower implements PowerSource {
  ac = true
  private listeners = new Set<() => void>()
  onAcPower(): boolean { return this.ac }
  onChange(cb: () => void): () => void { this.listeners.add(cb); return () => this.listeners.delete(cb) }
  set(ac: boolean): void { this.ac = ac; for (const l of this.listeners) l() }
}

describe('upload manager and runner policy', () => {
  let lib: TestLibrary
  let clock: InstantClock
  let dests: Map<string, ScriptedDestination>
  let manager: UploadManager
  let power: FakePower
  const make = (extra: Partial<UploadManagerDeps> = {}): UploadManager => new UploadManager({
    db: lib.db, libraryRoot: lib.root, secrets: memorySecrets(), clock, power, random: () => 0.5,
    settings: { uploadOnlyOnAcPower: true, uploadLimitMBps: null },
    tuning: { stallTimeoutMs: 2_000, maxAttempts: 5, probeAfter: 3, backoff: { baseMs: 1_000, capMs: 60_000 }, checkBatch: 100 },
    factory: (r) => {
      let d = dests.get(r.name)
      if (!d) { d = new ScriptedDestination(2, () => clock.now()); dests.set(r.name, d) }
      return d
    },
    ...extra,
  })
  beforeEach(() => {
    lib = makeTestLibrary()
    clock = new InstantClock()
    dests = new Map()
    power = new FakePower()
  })
  afterEach(async () => {
    await manager?.stop()
    lib.cleanup()
  })

  async function addFolder(name: string, script?: (d: ScriptedDestination) => void): Promise<string> {
    const d = new ScriptedDestination(2, () => clock.now())
    script?.(d)
    dests.set(name, d)
    return (await manager.add({ kind: 'folder', name, config: { path: `/tmp/${name}` } })).id
  }

  it('a new Google Photos destination says it needs sign-in before anything goes up', async () => {
    lib.addAsset({ libraryPath: 'a.jpg' })
    manager = make()
    const view = await manager.add({ kind: 'google-photos', name: 'Google', config: { clientId: 'id.apps.googleusercontent.com' }, secret: 'GOCSPX-x' })
    expect(view.status).toBe('needs-sign-in')
    expect(view.problem).toMatchObject({ code: 'destination-auth', message: 'Google needs you to sign in again' })
    manager.start()
    // Barrier instead of a sleep: a second destination uploads the same asset to the end, so the
    // manager has run its workers through many turns while Google had its chance to start.
    await addFolder('NAS')
    await manager.drain()
    expect(dests.get('NAS')!.attempts.length).toBe(1)
    expect(dests.get('Google')?.attempts.length ?? 0).toBe(0)
    expect(manager.views().find((v) => v.name === 'Google')?.status).toBe('needs-sign-in')
  })

  it('retries a 503 with backoff and uploads every file exactly once', async () => {
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    const b = lib.addAsset({ libraryPath: 'b.jpg' })
    manager = make()
    const id = await addFolder('A', (d) => d.on(a.id, { fail: 'destination-unreachable' }, { fail: 'destination-unreachable' }))
    manager.start()
    await until(() => manager.statusCounts()[0]!.done === 2)
    const d = dests.get('A')!
    expect(d.count(a.id)).toBe(3)
    expect(d.count(b.id)).toBe(1)
    expect(d.received.get(a.id)!.equals(a.content)).toBe(true)
    const times = d.attempts.filter((x) => x.assetId === a.id).map((x) => x.at)
    // random() = 0.5: first retry ≥ 500 ms after, second ≥ 1000 ms after the previous one.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(500)
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(1000)
    expect(manager.views().find((v) => v.id === id)!.counts).toEqual({ done: 2, pending: 0, failed: 0 })
  })

  it('waits at least Retry-After before trying again', async () => {
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    manager = make()
    await addFolder('A', (d) => d.on(a.id, { fail: 'destination-unreachable', context: { retryAfterMs: 30_000 } }))
    manager.start()
    await until(() => manager.statusCounts()[0]!.done === 1)
    const t = dests.get('A')!.attempts.map((x) => x.at)
    expect(t[1]! - t[0]!).toBeGreaterThanOrEqual(30_000)
  })

  it('a permanent error stops only that destination; the others finish', async () => {
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    lib.addAsset({ libraryPath: 'b.jpg' })
    manager = make()
    const bad = await addFolder('Bad', (d) => d.on(a.id, { fail: 'destination-auth' }))
    const good = await addFolder('Good')
    manager.start()
    await until(() => manager.statusCounts().find((c) => c.id === good)!.done === 2)
    await until(() => manager.views().find((v) => v.id === bad)!.status === 'error')
    const view = manager.views().find((v) => v.id === bad)!
    expect(view.problem?.code).toBe('destination-auth')
    expect(view.problem?.message).toBe('Bad needs you to sign in again')
    expect(view.counts.pending).toBeGreaterThanOrEqual(1)
    // The stop survives a restart, and retry clears it.
    await manager.stop()
    manager = make()
    manager.start()
    expect(manager.views().find((v) => v.id === bad)!.status).toBe('error')
    manager.retryFailed(bad)
    await until(() => manager.statusCounts().find((c) => c.id === bad)!.done === 2)
  })

  it('a file the server refuses fails alone and the rest go on', async () => {
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    lib.addAsset({ libraryPath: 'b.jpg' })
    manager = make()
    await addFolder('A', (d) => d.on(a.id, { fail: 'destination-conflict' }))
    manager.start()
    await until(() => manager.statusCounts()[0]!.done === 1 && manager.statusCounts()[0]!.failed === 1)
    expect(manager.statusCounts()[0]!.failures).toEqual([{ code: 'destination-conflict', count: 1, message: 'A already has a different file with that name' }])
    expect(manager.uploadStates([a.id]).get(a.id)![0]).toMatchObject({ state: 'failed', error: { code: 'destination-conflict' } })
  })

  it('marks a file failed after the attempt limit, and retryFailed brings it back', async () => {
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    manager = make()
    await addFolder('A', (d) => d.on(a.id, ...Array(5).fill({ fail: 'destination-unreachable' })))
    manager.start()
    await until(() => manager.statusCounts()[0]!.failed === 1)
    expect(dests.get('A')!.checks).toBeGreaterThanOrEqual(1) // probed after 3 failures in a row
    expect(manager.retryFailed()).toBe(1)
    await until(() => manager.statusCounts()[0]!.done === 1)
  })

  it('parks on a daily quota until the reset and says so', async () => {
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    manager = make()
    const resetsAt = clock.now() + 5 * 3_600_000
    const id = await addFolder('A', (d) => d.on(a.id, { fail: 'destination-quota', context: { resetsAt } }))
    manager.start()
    await until(() => manager.statusCounts()[0]!.done === 1)
    const t = dests.get('A')!.attempts.map((x) => x.at)
    expect(t[1]).toBeGreaterThanOrEqual(resetsAt)
    expect(manager.views().find((v) => v.id === id)!.status).toBe('ready')
  })

  it('pause aborts in flight without counting a failure; resume finishes', async () => {
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    manager = make()
    await addFolder('A', (d) => d.on(a.id, { hang: true }))
    manager.start()
    await until(() => dests.get('A')!.count(a.id) === 1)
    manager.pause()
    await until(() => manager.views()[0]!.status === 'paused' && manager.uploadStates([a.id]).get(a.id)![0]!.state === 'pending')
    const row = lib.db.prepare('SELECT attempts FROM uploads WHERE asset_id = ?').get(a.id) as { attempts: number }
    expect(row.attempts).toBe(0)
    manager.resume()
    await until(() => manager.statusCounts()[0]!.done === 1)
  })

  it('uploads only on AC power when the setting says so', async () => {
    lib.addAsset({ libraryPath: 'a.jpg' })
    power.ac = false
    manager = make()
    await addFolder('A')
    manager.start()
    await until(() => manager.views()[0]!.waitingReason === 'Waiting for AC power')
    expect(dests.get('A')!.attempts).toHaveLength(0)
    power.set(true)
    await until(() => manager.statusCounts()[0]!.done === 1)
    lib.addAsset({ libraryPath: 'b.jpg' })
    manager.updateSettings({ uploadOnlyOnAcPower: false })
    power.set(false)
    manager.enqueue()
    await until(() => manager.statusCounts()[0]!.done === 2)
  })

  it('resumes after a restart with the saved session', async () => {
    const a = lib.addAsset({ libraryPath: 'a.mov', size: 5000 })
    manager = make()
    await addFolder('A', (d) => d.on(a.id, { saveSession: { uploadId: 'u-1', parts: [1] }, fail: 'destination-unreachable' }, { hang: true }))
    manager.start()
    await until(() => dests.get('A')!.count(a.id) === 2)
    await manager.stop()
    expect(lib.db.prepare("SELECT state FROM uploads WHERE asset_id = ?").get(a.id)).toEqual({ state: 'pending' })
    manager = make()
    manager.start()
    await until(() => manager.statusCounts()[0]!.done === 1)
    expect(dests.get('A')!.attempts.at(-1)!.session).toEqual({ uploadId: 'u-1', parts: [1] })
  })

  it('measures space when the runner starts and once a batch is up, not per file; low space turns amber', async () => {
    for (let i = 0; i < 30; i++) lib.addAsset({ libraryPath: `p${i}.jpg` })
    manager = make()
    manager.start()
    const id = await addFolder('NAS')
    const nas = dests.get('NAS')!
    await manager.drain()
    await until(() => nas.spaceAsked.length >= 2)
    expect(nas.attempts.length).toBe(30)
    expect(manager.views()[0]!.space).toMatchObject({ measure: 'disk', freeBytes: 500e9, totalBytes: 2e12, low: false })
    // Another batch of 5, now with 600 MB left: one more measurement at its end, and it is low.
    nas.spaceAnswer = { measure: 'disk', freeBytes: 600e6, totalBytes: 2e12, usedBytes: null, note: null }
    for (let i = 0; i < 5; i++) lib.addAsset({ libraryPath: `q${i}.jpg` })
    manager.enqueue()
    await manager.drain()
    await until(() => nas.spaceAsked.length >= 3)
    expect(nas.attempts.length).toBe(35)
    expect(nas.spaceAsked.length).toBe(3)
    expect(manager.views().find((v) => v.id === id)!.space).toMatchObject({ freeBytes: 600e6, low: true })
    // A measurement that fails (unreachable) keeps the last figure.
    nas.spaceAnswer = 'destination-unreachable'
    await manager.test({ id })
    expect(nas.spaceAsked.length).toBe(4)
    expect(manager.views()[0]!.space).toMatchObject({ freeBytes: 600e6, low: true })
  })

  it('aborts a stalled transfer and retries it', async () => {
    const a = lib.addAsset({ libraryPath: 'a.jpg' })
    manager = make({ tuning: { stallTimeoutMs: 150, maxAttempts: 5, probeAfter: 3, backoff: { baseMs: 100, capMs: 1000 }, checkBatch: 100 } })
    await addFolder('A', (d) => d.on(a.id, { hang: true }))
    manager.start()
    await until(() => manager.statusCounts()[0]!.done === 1)
    expect(dests.get('A')!.count(a.id)).toBe(2)
  })

  it('back-fills the whole library when a destination is added, and drain() settles', async () => {
    for (let i = 0; i < 30; i++) lib.addAsset({ libraryPath: `2026/${i}.jpg` })
    manager = make()
    manager.start()
    await addFolder('Late')
    await manager.drain({ maxWaitMs: 1000 })
    expect(manager.statusCounts()[0]).toMatchObject({ done: 30, pending: 0 })
  })

  it('tells History what each batch did, in photos and videos: a Live Photo is one, a failure with its reason', async () => {
    const still = lib.addAsset({ libraryPath: 'IMG_0001.HEIC' })
    lib.addAsset({ libraryPath: 'IMG_0001.MOV', groupId: still.groupId, role: 'motion' })
    lib.addAsset({ libraryPath: 'IMG_0002.JPG' })
    const refused = lib.addAsset({ libraryPath: 'IMG_0003.JPG' })
    const batches: UploadBatchSummary[] = []
    manager = make({ onBatch: (b) => batches.push(b) })
    await addFolder('NAS', (d) => d.on(refused.id, { fail: 'destination-conflict' }))
    manager.start()
    await until(() => batches.length === 1)
    expect(batches[0]).toMatchObject({ destinationName: 'NAS', files: 3, photos: 2, failedFiles: 1, notUploaded: 1, error: { code: 'destination-conflict' } })
    // Nothing more happened: stopping (the run ends) adds no second line.
    await manager.drain()
    await manager.stop()
    expect(batches).toHaveLength(1)
  })

  it('while a phone imports, a drained destination keeps its batch open; a stop records what waits, with the reason', async () => {
    lib.addAsset({ libraryPath: 'a.jpg' })
    const batches: UploadBatchSummary[] = []
    manager = make({ onBatch: (b) => batches.push(b) })
    manager.setImporting(true)
    const id = await addFolder('NAS')
    manager.start()
    await until(() => manager.statusCounts()[0]!.done === 1)
    await manager.drain()
    expect(batches).toEqual([])
    // The import brings another file, then ends: one line for both.
    const b = lib.addAsset({ libraryPath: 'b.jpg' })
    manager.enqueue([b.id])
    await until(() => manager.statusCounts()[0]!.done === 2)
    manager.setImporting(false)
    await until(() => batches.length === 1)
    expect(batches[0]).toMatchObject({ photos: 2, notUploaded: 0, error: null })
    // A refused key stops the destination: what waits did not get there, and History says why.
    const c = lib.addAsset({ libraryPath: 'c.jpg' })
    const d = lib.addAsset({ libraryPath: 'd.jpg' })
    dests.get('NAS')!.on(c.id, { fail: 'destination-auth' }).on(d.id, { fail: 'destination-auth' })
    manager.enqueue([c.id, d.id])
    await until(() => batches.length === 2)
    expect(batches[1]).toMatchObject({ destinationId: id, photos: 0, notUploaded: 2, error: { code: 'destination-auth' } })
  })

  it('never stores the secret in the catalog', async () => {
    const secrets = memorySecrets()
    manager = make({ secrets })
    dests.set('Cloud', new ScriptedDestination())
    const view = await manager.add({ kind: 's3', name: 'Cloud', config: { endpoint: 'http://127.0.0.1:9', bucket: 'photos', accessKeyId: 'AKID' }, secret: 'TOPSECRET' })
    expect([...secrets.values.values()]).toEqual(['TOPSECRET'])
    const dump = JSON.stringify(lib.db.prepare('SELECT * FROM upload_destinations').all())
    expect(dump).not.toContain('TOPSECRET')
    expect(view.target).toBe('s3://photos (127.0.0.1:9)')
    await manager.remove(view.id)
    expect(secrets.values.size).toBe(0)
  })
})
